"""A signer described by configuration, opened on demand, and its one-approval batch form.

    spec = SignerSpec(kind="pkcs11", location="/usr/lib/softhsm/libsofthsm2.so",
                      identifier="seal-token", key_label="seal", secret_ref="env:SEAL_PIN")
    signer = spec.open()                  # or spec.open(pin=typed_by_the_signer)
    batch_signer = as_batch_signer(signer)    # None: this backend signs one by one

A spec holds *where* the key is and *where its secret is*, never the secret: ``secret_ref``
is ``env:NAME`` (an environment variable of the worker), ``file:/path`` (a file readable only
by the service account, e.g. a systemd credential) or empty; ``pin_at_batch`` means the signer
types the PIN for each batch (``open(pin=...)``) and it is kept in memory only. The secret is
the PKCS#12 password, the PKCS#11 user PIN, or the CSC credential PIN; ``token_env`` names the
variable holding a CSC/gateway bearer token. Secrets are never logged nor put in messages.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import algos, x509
from pyhanko.sign import signers

from hocba.signing.backends import Pkcs12Signer, Signer
from hocba.signing.errors import KeyLoadError, SigningError

log = logging.getLogger(__name__)

KINDS = ("pkcs12", "pkcs11", "csc", "gateway")
_SECRET_PREFIXES = ("env:", "file:")
_MAX_SECRET_FILE = 4096


def check_secret_ref(ref: str) -> None:
    """``KeyLoadError`` unless ``ref`` is empty, ``env:NAME`` or ``file:/absolute/path``."""
    ref = ref.strip()
    if not ref:
        return
    if ref.startswith("env:") and ref[4:].strip().replace("_", "A").isalnum():
        return
    if ref.startswith("file:") and Path(ref[5:].strip()).is_absolute():
        return
    raise KeyLoadError(
        "Nơi lấy mật khẩu/PIN phải có dạng env:TEN_BIEN hoặc file:/đường/dẫn/tuyệt/đối.",
        detail="bad secret reference form (value not shown: it may be a secret)",
        code="signing.secret_ref",
    )


def read_secret(ref: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The secret ``ref`` points at (``None`` when ``ref`` is empty or the variable unset).

    Raises ``KeyLoadError`` when a named file cannot be read; the value is never logged."""
    ref = ref.strip()
    if not ref:
        return None
    check_secret_ref(ref)
    if ref.startswith("env:"):
        env = os.environ if environ is None else environ
        return env.get(ref[4:].strip()) or None
    path = Path(ref[5:].strip())
    try:
        with path.open("rb") as fh:
            data = fh.read(_MAX_SECRET_FILE + 1)
    except OSError as exc:
        raise KeyLoadError(
            f"Không đọc được tệp chứa mật khẩu/PIN {path}.",
            detail=f"secret file {path}: {type(exc).__name__}",
            code="signing.secret_file",
        ) from exc
    if len(data) > _MAX_SECRET_FILE:
        raise KeyLoadError(
            f"Tệp chứa mật khẩu/PIN {path} quá lớn.",
            detail=f"secret file {path} over {_MAX_SECRET_FILE} bytes",
            code="signing.secret_file",
        )
    return data.decode("utf-8", "replace").strip() or None


@dataclass(frozen=True)
class SignerSpec:
    """Where one signer's key is. ``location``: the .p12 path (pkcs12), the PKCS#11 module
    (pkcs11, empty: SoftHSM2), the service URL (csc, gateway). ``identifier``: the token label
    (pkcs11), the credential id (csc), the signer id (gateway)."""

    kind: str
    location: str = ""
    identifier: str = ""
    key_label: str = ""
    cert_label: str = ""
    secret_ref: str = ""
    token_env: str = ""
    pin_at_batch: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise KeyLoadError(
                f"Loại khoá ký không hỗ trợ: {self.kind}.", code="signing.backend_kind"
            )
        check_secret_ref(self.secret_ref)

    @property
    def label(self) -> str:
        """Where the key is, without any secret (for logs and pages)."""
        if self.kind == "pkcs11":
            return f"pkcs11:{self.identifier}/{self.key_label}"
        if self.kind == "pkcs12":
            return f"pkcs12:{Path(self.location).name}"
        return f"{self.kind}:{self.location}#{self.identifier}"

    def open(
        self,
        *,
        pin: str | None = None,
        chain: Sequence[x509.Certificate] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Signer:
        """Open the signer. ``pin``: the secret typed for this batch (wins over
        ``secret_ref``). Raises ``KeyLoadError`` with a Vietnamese message, never the secret."""
        if self.pin_at_batch and not pin:
            raise KeyLoadError(
                f"Cần nhập mã PIN/mật khẩu của khoá ký ({self.label}) khi bắt đầu lượt ký.",
                code="signing.pin_required",
            )
        secret = pin or read_secret(self.secret_ref, environ)
        env = os.environ if environ is None else environ
        if self.kind == "pkcs12":
            if not self.location:
                raise KeyLoadError("Chưa khai báo đường dẫn tệp .p12.", code="signing.p12_path")
            return Pkcs12Signer.load(self.location, secret)
        if self.kind == "pkcs11":
            from hocba.signing.pkcs11 import DEFAULT_MODULE, Pkcs11Config, Pkcs11Signer

            config = Pkcs11Config(
                token_label=self.identifier,
                key_label=self.key_label,
                cert_label=self.cert_label or None,
                module=self.location or DEFAULT_MODULE,
            )
            return Pkcs11Signer.open(config, chain=chain, pin=secret)
        if self.kind == "csc":
            from hocba.signing.csc import TOKEN_ENV, CscConfig, CscSigner, api_version_from_env

            config_csc = CscConfig(
                url=self.location.rstrip("/"),
                credential_id=self.identifier,
                token_env=self.token_env or TOKEN_ENV,
                api_version=api_version_from_env(env),
            )
            return CscSigner.connect(config_csc, environ=env, pin=secret)
        from hocba.signing.gateway import TOKEN_ENV as GW_TOKEN_ENV
        from hocba.signing.gateway import GatewayConfig, GatewaySigner

        config_gw = GatewayConfig(
            url=self.location.rstrip("/"),
            signer_id=self.identifier,
            token_env=self.token_env or GW_TOKEN_ENV,
        )
        return GatewaySigner.connect(config_gw, environ=env)


def close_signer(signer: Any) -> None:
    """Close what holds a session (a PKCS#11 token); the others need nothing."""
    close = getattr(signer, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # closing must never hide the batch's own outcome
            log.warning("closing signer %r failed", type(signer).__name__)


class Pkcs11BatchSigner:
    """A PKCS#11 key as a ``BatchSigner``: one login (the PIN), then the token signs every
    digest (raw ``CKM_RSA_PKCS`` over a DigestInfo, or ``CKM_ECDSA``) in one worker thread."""

    def __init__(self, signer: Any) -> None:
        self._inner = signer
        self.calls = 0

    @property
    def certificate(self) -> x509.Certificate:
        return self._inner.certificate

    @property
    def chain(self) -> list[x509.Certificate]:
        own = self._inner.certificate.dump()
        registry = self._inner.pyhanko_signer.cert_registry or ()
        return [c for c in registry if c.dump() != own]

    @property
    def pyhanko_signer(self) -> signers.Signer:
        return self._inner.pyhanko_signer

    @property
    def chain_size(self) -> int:
        return self._inner.chain_size

    @property
    def signature_size(self) -> int:
        from hocba.signing.csc import _raw_signature_size

        return _raw_signature_size(self._inner.certificate)

    def close(self) -> None:
        close_signer(self._inner)

    async def sign_digests(self, digests: list[bytes]) -> list[bytes]:
        from pkcs11 import Mechanism
        from pkcs11.util.ec import encode_ecdsa_signature

        self.calls += 1
        inner = self._inner.pyhanko_signer
        await inner.ensure_objects_loaded()
        key = inner._key_handle
        is_ec = self._inner.certificate.public_key.algorithm == "ec"

        def sign_all() -> list[bytes]:
            out = []
            for digest in digests:
                if is_ec:
                    out.append(encode_ecdsa_signature(key.sign(digest, mechanism=Mechanism.ECDSA)))
                else:
                    info = algos.DigestInfo(
                        {"digest_algorithm": {"algorithm": "sha256"}, "digest": digest}
                    ).dump()
                    out.append(key.sign(info, mechanism=Mechanism.RSA_PKCS))
            return out

        try:
            return await asyncio.get_running_loop().run_in_executor(None, sign_all)
        except Exception as exc:
            raise SigningError(
                "Token PKCS#11 không ký được lô học bạ.",
                detail=f"PKCS#11 batch sign: {type(exc).__name__}: {exc}",
                code="signing.pkcs11_sign",
            ) from exc


def as_batch_signer(signer: Any) -> Any | None:
    """The one-approval form of ``signer`` (a ``hocba.signing.batch.BatchSigner``), or
    ``None`` for a backend that only signs one by one."""
    from hocba.signing.batch import BatchSigner, CscBatchSigner, Pkcs12BatchSigner
    from hocba.signing.csc import CscSigner
    from hocba.signing.pkcs11 import Pkcs11Signer

    if isinstance(signer, Pkcs12Signer):
        return Pkcs12BatchSigner(signer)
    if isinstance(signer, CscSigner):
        return CscBatchSigner(signer)
    if isinstance(signer, Pkcs11Signer):
        return Pkcs11BatchSigner(signer)
    if isinstance(signer, BatchSigner):
        return signer
    return None
