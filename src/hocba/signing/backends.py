"""Signing backends behind one protocol. This issue ships PKCS#12 files; PKCS#11 tokens and
remote services (CSC) come later and only need to provide the same three things.

Cost note: pyHanko's ``SimpleSigner`` re-parses the private key on every raw signature
(~25 ms for RSA-2048, and ``sign_pdf`` used to call it twice). ``Pkcs12Signer`` parses the
key once and keeps the ``cryptography`` key object for the life of the signer.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol, runtime_checkable

from asn1crypto import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from hocba.signing.errors import KeyLoadError

log = logging.getLogger(__name__)


@runtime_checkable
class Signer(Protocol):
    """What ``apply_signature`` needs from a backend."""

    @property
    def certificate(self) -> x509.Certificate:
        """The signer's certificate (checked against the plan before signing)."""
        ...

    @property
    def pyhanko_signer(self) -> signers.Signer:
        """A pyHanko signer producing the CMS signature (it embeds the chain)."""
        ...

    @property
    def chain_size(self) -> int:
        """Bytes of DER certificates the CMS will carry (to reserve a fixed signature size)."""
        ...


class _CachedKeySigner(signers.SimpleSigner):
    """``SimpleSigner`` that signs with a key object parsed once."""

    def __init__(
        self,
        *,
        certificate: x509.Certificate,
        chain: list[x509.Certificate],
        pyca_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    ) -> None:
        super().__init__(
            signing_cert=certificate,
            signing_key=translate_pyca_cryptography_key_to_asn1(pyca_key),
            cert_registry=SimpleCertificateStore.from_certs(chain),
        )
        self._pyca_key = pyca_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mechanism["algorithm"].native
        key = self._pyca_key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        if algo == "rsassa_pss":
            pss, hash_algo = process_pss_params(mechanism["parameters"])
            return key.sign(data, pss, hash_algo)
        return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


class Pkcs12Signer:
    """A key and certificate chain from a PKCS#12 (.p12/.pfx) file, loaded once."""

    def __init__(
        self,
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        chain: list[x509.Certificate],
        source: str = "",
    ) -> None:
        self._certificate = certificate
        self.source = source
        self._signer = _CachedKeySigner(certificate=certificate, chain=chain, pyca_key=key)
        self._chain_size = len(certificate.dump()) + sum(len(c.dump()) for c in chain)

    @classmethod
    def load(cls, path: Path | str, password: str | bytes | None = None) -> Pkcs12Signer:
        """Open a PKCS#12 file; raises ``KeyLoadError`` (Vietnamese message) on failure."""
        path = Path(path)
        secret = password.encode() if isinstance(password, str) else password
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise KeyLoadError(f"Không mở được tệp khoá {path}.", detail=f"{path}: {exc}") from exc
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, secret or None)
        except ValueError as exc:
            raise KeyLoadError(
                f"Không đọc được tệp khoá {path.name}: sai mật khẩu hoặc không phải PKCS#12.",
                detail=f"{path}: {exc}",
                code="signing.key_password",
            ) from exc
        if cert is None or not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyLoadError(
                f"Tệp {path.name} không chứa khoá RSA/ECDSA kèm chứng thư số.",
                detail=f"{path}: no RSA/EC key with certificate",
            )
        chain = [translate_pyca_cryptography_cert_to_asn1(c) for c in extra]
        return cls(key, translate_pyca_cryptography_cert_to_asn1(cert), chain, str(path))

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def pyhanko_signer(self) -> signers.Signer:
        return self._signer

    @property
    def chain_size(self) -> int:
        return self._chain_size

    def __repr__(self) -> str:
        return f"Pkcs12Signer({self._certificate.subject.human_friendly!r})"
