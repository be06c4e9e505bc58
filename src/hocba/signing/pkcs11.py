"""PKCS#11 token backend: a key that never leaves a USB token or an HSM (the school seal).

    config = Pkcs11Config.from_env()          # or Pkcs11Config(token_label=..., key_label=...)
    with Pkcs11Signer.open(config, chain=[issuing_ca, root]) as signer:
        sign_record(pdf, SignerRole.SEAL, signer, tsa)

The module (``HOCBA_PKCS11_MODULE``, default SoftHSM2's ``/usr/lib/softhsm/libsofthsm2.so``)
is loaded once per process; the token is chosen by its label (slots move when a token is
re-initialised), the key and certificate by their labels. The user PIN is read from an
environment variable (``HOCBA_PKCS11_PIN`` or the name given as ``pin_env``) and is never
logged or kept after the session is open; ``open(..., pin=...)`` takes a PIN typed by the
signer instead (``hocba sign --pin-prompt``, the web batch form). SoftHSM2 reads ``SOFTHSM2_CONF`` when the module
is first loaded: set it before opening the first session.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType

import pkcs11 as python_pkcs11
from asn1crypto import x509
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

from hocba.signing.errors import KeyLoadError

log = logging.getLogger(__name__)

MODULE_ENV = "HOCBA_PKCS11_MODULE"
TOKEN_ENV = "HOCBA_PKCS11_TOKEN"
KEY_ENV = "HOCBA_PKCS11_KEY"
CERT_ENV = "HOCBA_PKCS11_CERT"
PIN_ENV = "HOCBA_PKCS11_PIN"
DEFAULT_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@dataclass(frozen=True)
class Pkcs11Config:
    """Where the key is: module, token label, key and certificate labels, PIN variable."""

    token_label: str
    key_label: str
    cert_label: str | None = None
    """Label of the certificate object; defaults to the key label."""
    module: str = DEFAULT_MODULE
    pin_env: str = PIN_ENV
    """Name of the environment variable holding the user PIN (the PIN itself is never stored)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Pkcs11Config:
        env = os.environ if environ is None else environ
        token, key = env.get(TOKEN_ENV, "").strip(), env.get(KEY_ENV, "").strip()
        if not token or not key:
            raise KeyLoadError(
                f"Chưa cấu hình token PKCS#11: cần ${TOKEN_ENV} (nhãn token) và ${KEY_ENV} "
                "(nhãn khoá).",
                code="signing.pkcs11_config",
            )
        return cls(
            token_label=token,
            key_label=key,
            cert_label=env.get(CERT_ENV, "").strip() or None,
            module=env.get(MODULE_ENV, "").strip() or DEFAULT_MODULE,
        )


class Pkcs11Signer:
    """A signer whose private key stays on a PKCS#11 token; holds one open session."""

    def __init__(self, session: python_pkcs11.Session, signer: PKCS11Signer, label: str) -> None:
        self._session = session
        self._signer = signer
        self.source = label
        self._certificate: x509.Certificate = signer.signing_cert
        certs = {c.dump() for c in signer.cert_registry}
        certs.add(self._certificate.dump())
        self._chain_size = sum(len(c) for c in certs)

    @classmethod
    def open(
        cls,
        config: Pkcs11Config,
        *,
        chain: Sequence[x509.Certificate] | None = None,
        environ: Mapping[str, str] | None = None,
        pin: str | None = None,
    ) -> Pkcs11Signer:
        """Log in to the token and find the key and certificate; ``chain`` are the CA
        certificates to embed (``None``: every other certificate stored on the token).
        ``pin``: the PIN typed by the signer (CLI prompt, web form), else the environment
        variable ``config.pin_env``. Raises ``KeyLoadError`` (Vietnamese message, no PIN)."""
        env = os.environ if environ is None else environ
        pin = pin or env.get(config.pin_env)
        where = f"token “{config.token_label}”"
        if not pin:
            raise KeyLoadError(
                f"Chưa có mã PIN của {where}: đặt biến môi trường ${config.pin_env}.",
                code="signing.pkcs11_no_pin",
            )
        try:
            session = _open_session(config, pin)
        except python_pkcs11.PinIncorrect as exc:
            raise KeyLoadError(
                f"Sai mã PIN của {where}.", detail=f"{where}: {type(exc).__name__}",
                code="signing.pkcs11_pin",
            ) from exc  # fmt: skip
        except (python_pkcs11.PKCS11Error, PyHankoSigningError, OSError, RuntimeError) as exc:
            raise KeyLoadError(
                f"Không mở được {where} (mô-đun {config.module}).",
                detail=f"{where} via {config.module}: {type(exc).__name__}: {exc}",
                code="signing.pkcs11_token",
            ) from exc
        try:
            signer = PKCS11Signer(
                session,
                key_label=config.key_label,
                cert_label=config.cert_label or config.key_label,
                ca_chain=list(chain) if chain is not None else None,
                other_certs_to_pull=() if chain is not None else None,
            )
            signer.signing_cert  # noqa: B018 — look the objects up now, not while signing
            result = cls(session, signer, f"pkcs11:{config.token_label}/{config.key_label}")
        except (python_pkcs11.PKCS11Error, PyHankoSigningError) as exc:
            session.close()
            raise KeyLoadError(
                f"Không tìm thấy khoá “{config.key_label}” hoặc chứng thư số trên {where}.",
                detail=f"{where}: {type(exc).__name__}: {exc}",
                code="signing.pkcs11_key",
            ) from exc
        log.info("PKCS#11 %s open (%s)", result.source, config.module)
        return result

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def pyhanko_signer(self) -> signers.Signer:
        return self._signer

    @property
    def chain_size(self) -> int:
        return self._chain_size

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Pkcs11Signer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Pkcs11Signer({self.source!r}, {self._certificate.subject.human_friendly!r})"


def _open_session(config: Pkcs11Config, pin: str) -> python_pkcs11.Session:
    """Open a session and log in. PKCS#11 login is per process, not per session: while another
    session of this process is logged in to the token, a new one shares that login."""
    criteria = TokenCriteria(label=config.token_label)
    try:
        return open_pkcs11_session(config.module, token_criteria=criteria, user_pin=pin)
    except python_pkcs11.UserAlreadyLoggedIn:
        return open_pkcs11_session(config.module, token_criteria=criteria, user_pin=None)
