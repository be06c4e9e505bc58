"""Remote signing over the Cloud Signature Consortium (CSC) API: the key stays with a signing
service; hocba sends hashes and gets raw signatures back.

    config = CscConfig.from_env()             # or CscConfig(url=..., credential_id=...)
    signer = CscSigner.connect(config)        # credentials/info: certificate and chain
    sign_record(pdf, SignerRole.GVCN, signer, tsa)

Each commit makes one ``credentials/authorize`` call naming ALL hashes of the batch (one
SAD, bound to those hashes when the service requires it — SCAL 2) and one
``signatures/signHash`` call. The bearer token and the credential PIN are read from
environment variables (``HOCBA_CSC_TOKEN``, ``HOCBA_CSC_PIN``, or the names given) and never
logged.

Two versions of the API are spoken, chosen by ``CscConfig.api_version`` (``$HOCBA_CSC_API_VERSION``,
default ``v1``):

- ``v1`` (CSC API 1.0.4): pyHanko's ``CSCSigner`` as is — ``/csc/v1/...``, hashes in ``hash``,
  the digest algorithm in ``hashAlgo``;
- ``v2`` (CSC API 2.0.0.2): ``/csc/v2/...``; ``credentials/info`` asks for
  ``{credentialID, certificates: "chain", certInfo, authInfo}``, ``credentials/authorize``
  sends ``{credentialID, numSignatures, hashes, hashAlgorithmOID, PIN?}``,
  ``signatures/signHash`` sends ``{credentialID, SAD, hashes, hashAlgorithmOID, signAlgo,
  signAlgoParams?}``. The responses (``cert.certificates``, ``key.algo``, ``multisign``,
  ``SCAL``; ``SAD``, ``expiresIn``; ``signatures``) keep their v1 names and are parsed by
  pyHanko.

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
from typing import Any

import aiohttp
from asn1crypto import algos, x509
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
    _process_certificate_info_response,
    fetch_certs_in_csc_credential,
)

from hocba.signing.errors import KeyLoadError

log = logging.getLogger(__name__)

URL_ENV = "HOCBA_CSC_URL"
CREDENTIAL_ENV = "HOCBA_CSC_CREDENTIAL"
TOKEN_ENV = "HOCBA_CSC_TOKEN"
PIN_ENV = "HOCBA_CSC_PIN"
API_VERSION_ENV = "HOCBA_CSC_API_VERSION"
API_VERSIONS = ("v1", "v2")


def check_api_version(version: str) -> str:
    """``version`` if hocba speaks it (``v1``, ``v2``), else ``KeyLoadError``."""
    if version not in API_VERSIONS:
        raise KeyLoadError(
            f"Phiên bản giao thức CSC không hỗ trợ: “{version}” (chỉ v1 hoặc v2; "
            f"biến ${API_VERSION_ENV}).",
            code="signing.csc_api_version",
        )
    return version


def api_version_from_env(environ: Mapping[str, str] | None = None) -> str:
    """``$HOCBA_CSC_API_VERSION`` (``v1`` when unset or empty), checked."""
    env = os.environ if environ is None else environ
    return check_api_version(env.get(API_VERSION_ENV, "").strip().lower() or "v1")


@dataclass(frozen=True)
class CscConfig:
    """Which service and credential; the names of the variables holding the secrets."""

    url: str
    """Base URL of the service (the part before ``/csc/v1/`` or ``/csc/v2/``)."""
    credential_id: str
    token_env: str = TOKEN_ENV
    """Environment variable with the OAuth bearer token (unset: no Authorization header)."""
    pin_env: str = PIN_ENV
    """Environment variable with the credential PIN sent to ``credentials/authorize``."""
    api_version: str = "v1"
    """CSC API version spoken: ``v1`` (paths and bodies of 1.0.4) or ``v2`` (2.0.0.2)."""
    timeout: int = 60
    """Seconds allowed for each call to the service."""

    def __post_init__(self) -> None:
        check_api_version(self.api_version)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CscConfig:
        env = os.environ if environ is None else environ
        url, credential = env.get(URL_ENV, "").strip(), env.get(CREDENTIAL_ENV, "").strip()
        if not url or not credential:
            raise KeyLoadError(
                f"Chưa cấu hình dịch vụ ký số từ xa: cần ${URL_ENV} và ${CREDENTIAL_ENV}.",
                code="signing.csc_config",
            )
        return cls(
            url=url.rstrip("/"), credential_id=credential, api_version=api_version_from_env(env)
        )


class _AllHashesAuthorization(CSCAuthorizationManager):
    """One ``credentials/authorize`` per commit, naming every hash of the batch."""

    def __init__(
        self, info: CSCServiceSessionInfo, credential: CSCCredentialInfo, pin: str | None
    ) -> None:
        super().__init__(info, credential)
        self._pin = pin
        self.session: aiohttp.ClientSession | None = None
        self.calls = 0
        self.digest_algorithm = "sha256"
        """Digest algorithm of the hashes about to be authorised (v2 names it); the signer
        sets it before each authorization."""

    @property
    def api_version(self) -> str:
        return str(self.csc_session_info.api_ver)

    def format_csc_auth_request(
        self,
        num_signatures: int = 1,
        pin: str | None = None,
        otp: str | None = None,
        hash_b64s: list[str] | None = None,
        description: str | None = None,
        client_data: str | None = None,
    ) -> dict[str, Any]:
        request = super().format_csc_auth_request(
            num_signatures=num_signatures, pin=pin, otp=otp, hash_b64s=hash_b64s,
            description=description, client_data=client_data,
        )  # fmt: skip
        if self.api_version == "v2" and "hash" in request:
            request["hashes"] = request.pop("hash")
            request["hashAlgorithmOID"] = algos.DigestAlgorithmId(self.digest_algorithm).dotted
        return request

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

    async def format_csc_signing_req(
        self, tbs_hashes: list[str], digest_algorithm: str
    ) -> dict[str, Any]:
        """pyHanko's v1 body; for v2 ``hash`` → ``hashes``, ``hashAlgo`` → ``hashAlgorithmOID``."""
        self.auth_manager.digest_algorithm = digest_algorithm
        request = await super().format_csc_signing_req(tbs_hashes, digest_algorithm)
        if self.auth_manager.api_version == "v2":
            request["hashes"] = request.pop("hash")
            request["hashAlgorithmOID"] = request.pop("hashAlgo")
        return request

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
                if config.api_version == "v2":
                    credential = await _fetch_credential_v2(session, info, config.timeout)
                else:
                    credential = await fetch_certs_in_csc_credential(session, info, config.timeout)
        except (PyHankoSigningError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise KeyLoadError(
                f"Không lấy được chứng thư số “{config.credential_id}” từ dịch vụ ký số "
                f"{config.url}.",
                detail=f"CSC credentials/info {config.url} {config.credential_id}: {exc!r}",
                code="signing.csc_credential",
            ) from exc
        signer = cls(config, credential, info, pin or env.get(config.pin_env) or None)
        log.info(
            "CSC credential %s at %s (API %s)", config.credential_id, config.url, config.api_version
        )
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


async def _fetch_credential_v2(
    session: aiohttp.ClientSession, info: CSCServiceSessionInfo, timeout: int
) -> CSCCredentialInfo:
    """``credentials/info`` of CSC API v2: the certificate chain, no certificate or
    authorization details (the response's ``cert``, ``key``, ``multisign`` and ``SCAL`` have
    the v1 shape, parsed by pyHanko)."""
    request = {
        "credentialID": info.credential_id,
        "certificates": "chain",
        "certInfo": False,
        "authInfo": False,
    }
    url = info.endpoint_url("credentials/info")  # type: ignore[no-untyped-call]
    try:
        async with session.post(
            url,
            json=request,
            headers=info.auth_headers,
            raise_for_status=True,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            data = await response.json()
    except aiohttp.ClientError as exc:
        raise PyHankoSigningError(f"credentials/info failed: {exc}") from exc
    return _process_certificate_info_response(data)


def _raw_signature_size(cert: x509.Certificate) -> int:
    """Bytes of a raw signature by this key (RSA: the modulus; ECDSA: a DER pair)."""
    key = cert.public_key
    if key.algorithm == "ec":
        return 2 * (int(key.bit_size) // 8 + 1) + 8
    return int(key.bit_size) // 8
