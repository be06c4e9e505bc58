"""Remote signing over the Cloud Signature Consortium (CSC) API: the key stays with a signing
service; hocba sends hashes and gets raw signatures back.

    config = CscConfig.from_env()             # or CscConfig(url=..., credential_id=...)
    signer = CscSigner.connect(config)        # credentials/info: certificate and chain
    sign_record(pdf, SignerRole.GVCN, signer, tsa)

Each commit makes one ``credentials/authorize`` call naming ALL hashes of the batch (one
SAD, bound to those hashes when the service requires it — SCAL 2) and one
``signatures/signHash`` call. The bearer token and the credential PIN are read from
environment variables (``HOCBA_CSC_TOKEN``, ``HOCBA_CSC_PIN``, or the names given) and never
logged. pyHanko's ``CSCSigner`` implements the ``/csc/v1/...`` endpoint paths, which is what
services (and the test server, certomancer-csc-dummy) answer; ``api_version`` changes only
the path.

An ``aiohttp`` session belongs to one event loop, and the synchronous signing functions run
a fresh loop per call, so the signer opens a session per commit (one TCP connection on
loopback costs well under a millisecond).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from asn1crypto import x509
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
    fetch_certs_in_csc_credential,
)

from hocba.signing.errors import KeyLoadError

log = logging.getLogger(__name__)

URL_ENV = "HOCBA_CSC_URL"
CREDENTIAL_ENV = "HOCBA_CSC_CREDENTIAL"
TOKEN_ENV = "HOCBA_CSC_TOKEN"
PIN_ENV = "HOCBA_CSC_PIN"


@dataclass(frozen=True)
class CscConfig:
    """Which service and credential; the names of the variables holding the secrets."""

    url: str
    """Base URL of the service (the part before ``/csc/v1/``)."""
    credential_id: str
    token_env: str = TOKEN_ENV
    """Environment variable with the OAuth bearer token (unset: no Authorization header)."""
    pin_env: str = PIN_ENV
    """Environment variable with the credential PIN sent to ``credentials/authorize``."""
    api_version: str = "v1"
    timeout: int = 60
    """Seconds allowed for each call to the service."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CscConfig:
        env = os.environ if environ is None else environ
        url, credential = env.get(URL_ENV, "").strip(), env.get(CREDENTIAL_ENV, "").strip()
        if not url or not credential:
            raise KeyLoadError(
                f"Chưa cấu hình dịch vụ ký số từ xa: cần ${URL_ENV} và ${CREDENTIAL_ENV}.",
                code="signing.csc_config",
            )
        return cls(url=url.rstrip("/"), credential_id=credential)


class _AllHashesAuthorization(CSCAuthorizationManager):
    """One ``credentials/authorize`` per commit, naming every hash of the batch."""

    def __init__(
        self, info: CSCServiceSessionInfo, credential: CSCCredentialInfo, pin: str | None
    ) -> None:
        super().__init__(info, credential)
        self._pin = pin
        self.session: aiohttp.ClientSession | None = None
        self.calls = 0

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        assert self.session is not None, "authorize runs inside a commit"
        self.calls += 1
        request = self.format_csc_auth_request(hash_b64s=hash_b64s, pin=self._pin)
        url = self.csc_session_info.endpoint_url("credentials/authorize")  # type: ignore[no-untyped-call]
        try:
            async with self.session.post(
                url, json=request, headers=self.auth_headers, raise_for_status=True
            ) as response:
                return self.parse_csc_auth_response(await response.json())
        except aiohttp.ClientError as exc:
            raise PyHankoSigningError(f"credentials/authorize failed: {exc}") from exc


class _SessionPerCommitSigner(CSCSigner):
    """``CSCSigner`` that opens its HTTP session inside the running loop, per commit."""

    auth_manager: _AllHashesAuthorization

    def __init__(self, auth: _AllHashesAuthorization, timeout: int) -> None:
        super().__init__(
            None,  # type: ignore[arg-type]  # set per commit
            auth_manager=auth,
            sign_timeout=timeout,
            est_raw_signature_size=_raw_signature_size(auth.credential_info.signing_cert),
        )
        self.commits = 0

    async def _do_commit(self, batch) -> None:  # type: ignore[no-untyped-def]
        self.commits += 1
        async with aiohttp.ClientSession() as session:
            self.session = self.auth_manager.session = session
            try:
                await super()._do_commit(batch)
            finally:
                self.session = self.auth_manager.session = None  # type: ignore[assignment]


class CscSigner:
    """A credential of a remote CSC signing service, behind hocba's ``Signer`` protocol."""

    def __init__(
        self,
        config: CscConfig,
        credential: CSCCredentialInfo,
        info: CSCServiceSessionInfo,
        pin: str | None,
    ) -> None:
        self.config = config
        self.source = f"csc:{config.url}#{config.credential_id}"
        self._certificate = credential.signing_cert
        self._auth = _AllHashesAuthorization(info, credential, pin)
        self._signer = _SessionPerCommitSigner(self._auth, config.timeout)
        self._chain_size = len(credential.signing_cert.dump()) + sum(
            len(c.dump()) for c in credential.chain
        )

    @classmethod
    async def async_connect(
        cls,
        config: CscConfig,
        *,
        environ: Mapping[str, str] | None = None,
        pin: str | None = None,
    ) -> CscSigner:
        """Fetch the credential's certificate and chain (``credentials/info``); raises
        ``KeyLoadError`` when the service or the credential cannot be reached. ``pin``: typed
        by the signer, else the variable ``config.pin_env``."""
        env = os.environ if environ is None else environ
        info = _session_info(config, env.get(config.token_env) or None)
        try:
            async with aiohttp.ClientSession() as session:
                credential = await fetch_certs_in_csc_credential(session, info, config.timeout)
        except (PyHankoSigningError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise KeyLoadError(
                f"Không lấy được chứng thư số “{config.credential_id}” từ dịch vụ ký số "
                f"{config.url}.",
                detail=f"CSC credentials/info {config.url} {config.credential_id}: {exc!r}",
                code="signing.csc_credential",
            ) from exc
        signer = cls(config, credential, info, pin or env.get(config.pin_env) or None)
        log.info("CSC credential %s at %s", config.credential_id, config.url)
        return signer

    @classmethod
    def connect(
        cls,
        config: CscConfig,
        *,
        environ: Mapping[str, str] | None = None,
        pin: str | None = None,
    ) -> CscSigner:
        return asyncio.run(cls.async_connect(config, environ=environ, pin=pin))

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def pyhanko_signer(self) -> signers.Signer:
        return self._signer

    @property
    def chain_size(self) -> int:
        return self._chain_size

    @property
    def calls(self) -> tuple[int, int]:
        """(``credentials/authorize`` calls, ``signatures/signHash`` calls) so far."""
        return self._auth.calls, self._signer.commits

    def __repr__(self) -> str:
        return f"CscSigner({self.source!r}, {self._certificate.subject.human_friendly!r})"


def _session_info(config: CscConfig, token: str | None = None) -> CSCServiceSessionInfo:
    return CSCServiceSessionInfo(
        service_url=config.url.rstrip("/"),
        credential_id=config.credential_id,
        oauth_token=token,
        api_ver=config.api_version,
    )


def _raw_signature_size(cert: x509.Certificate) -> int:
    """Bytes of a raw signature by this key (RSA: the modulus; ECDSA: a DER pair)."""
    key = cert.public_key
    if key.algorithm == "ec":
        return 2 * (int(key.bit_size) // 8 + 1) + 8
    return int(key.bit_size) // 8
