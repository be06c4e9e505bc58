"""Phone-confirmation signing gateways: a service that holds the signer's key and signs a list
of digests once the signer confirms on their phone (the protocol: docs/signing-gateway.md).

    config = GatewayConfig(url="https://ky.example.vn", signer_id="gv-0123")
    signer = GatewaySigner.connect(config)            # GET certificate and chain
    report = sign_batch(pdfs, SignerRole.GVCN, signer, tsa)   # ONE confirmation for all

Flow per ``sign_digests``: ``POST /v1/sign-requests`` (digests + signer id, with an
``Idempotency-Key`` so a retried submit never asks the signer twice) → ``pending`` → ``GET
/v1/sign-requests/{id}`` every ``poll_interval`` seconds, or earlier when the service calls our
callback (``deliver``) → ``approved`` with the signatures, ``rejected`` by the signer, or
``expired``. Transient failures (connection errors, 429, 502, 503, 504) are retried at most
``retries`` times per call with exponential backoff; when ``approval_timeout`` passes the
request is cancelled (``DELETE``) and ``GatewayTimeout`` raised. Every failure is a
``SigningError`` subclass with a machine code and a Vietnamese message.

``GatewaySigner`` is also a ``Signer`` (one confirmation per signature) so the one-by-one path
and the conformance suite run against it unchanged.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from asn1crypto import x509
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hocba.signing.errors import KeyLoadError, SigningError

log = logging.getLogger(__name__)

URL_ENV = "HOCBA_GATEWAY_URL"
SIGNER_ENV = "HOCBA_GATEWAY_SIGNER"
TOKEN_ENV = "HOCBA_GATEWAY_TOKEN"
TRANSIENT = frozenset({429, 502, 503, 504})


class GatewayError(SigningError):
    """The gateway refused the request or answered wrongly (not worth retrying)."""

    code = "signing.gateway_failed"


class GatewayRejected(GatewayError):
    """The signer declined the request on their phone."""

    code = "signing.gateway_rejected"


class GatewayTimeout(GatewayError):
    """The signer did not confirm in time (or the service expired the request)."""

    code = "signing.gateway_timeout"


class GatewayUnavailable(GatewayError):
    """The gateway could not be reached, still failing after the allowed retries."""

    code = "signing.gateway_unavailable"


@dataclass(frozen=True)
class GatewayConfig:
    url: str
    """Base URL of the service (before ``/v1/``)."""
    signer_id: str
    token_env: str = TOKEN_ENV
    """Environment variable holding the bearer token (unset: no Authorization header)."""
    approval_timeout: float = 120.0
    """Seconds the signer has to confirm on their phone."""
    poll_interval: float = 2.0
    request_timeout: float = 10.0
    """Seconds allowed for each HTTP call."""
    retries: int = 3
    """Extra attempts of one HTTP call after a transient failure."""
    backoff: float = 0.5
    """First retry delay in seconds (doubles each time)."""
    callback_url: str | None = None
    """Where the service may POST the final status (then ``deliver`` it to the signer)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GatewayConfig:
        env = os.environ if environ is None else environ
        url, signer_id = env.get(URL_ENV, "").strip(), env.get(SIGNER_ENV, "").strip()
        if not url or not signer_id:
            raise KeyLoadError(
                f"Chưa cấu hình dịch vụ ký xác nhận qua điện thoại: cần ${URL_ENV} và "
                f"${SIGNER_ENV}.",
                code="signing.gateway_config",
            )
        return cls(url=url.rstrip("/"), signer_id=signer_id)


class GatewaySigner:
    """A signer whose key is held by a phone-confirmation gateway (a ``BatchSigner`` and a
    ``Signer``)."""

    def __init__(
        self,
        config: GatewayConfig,
        certificate: x509.Certificate,
        chain: list[x509.Certificate],
        token: str | None = None,
    ) -> None:
        self.config = config
        self.source = f"gateway:{config.url}#{config.signer_id}"
        self._certificate = certificate
        self._chain = chain
        self._token = token
        self._waiting: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]]] = {}
        self._pyhanko = _GatewayPyHankoSigner(self)
        self.requests = 0
        """Sign requests submitted (= confirmations asked of the signer)."""

    # ---- connection -------------------------------------------------------------------------
    @classmethod
    async def async_connect(
        cls, config: GatewayConfig, *, environ: Mapping[str, str] | None = None
    ) -> GatewaySigner:
        """Fetch the signer's certificate and chain; ``KeyLoadError`` when that fails."""
        env = os.environ if environ is None else environ
        token = env.get(config.token_env) or None
        probe = cls.__new__(cls)
        probe.config, probe._token = config, token
        try:
            async with aiohttp.ClientSession() as session:
                data = await probe._call(
                    session, "GET", f"/v1/signers/{config.signer_id}/certificate"
                )
            cert = x509.Certificate.load(base64.b64decode(data["certificate"]))
            chain = [x509.Certificate.load(base64.b64decode(c)) for c in data.get("chain", [])]
        except (SigningError, KeyError, ValueError, TypeError) as exc:
            raise KeyLoadError(
                f"Không lấy được chứng thư số của “{config.signer_id}” từ dịch vụ ký {config.url}.",
                detail=f"gateway certificate {config.url} {config.signer_id}: {exc!r}",
                code="signing.gateway_credential",
            ) from exc
        return cls(config, cert, chain, token)

    @classmethod
    def connect(
        cls, config: GatewayConfig, *, environ: Mapping[str, str] | None = None
    ) -> GatewaySigner:
        return asyncio.run(cls.async_connect(config, environ=environ))

    # ---- BatchSigner / Signer ---------------------------------------------------------------
    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> list[x509.Certificate]:
        return self._chain

    @property
    def chain_size(self) -> int:
        return len(self._certificate.dump()) + sum(len(c.dump()) for c in self._chain)

    @property
    def signature_size(self) -> int:
        key = self._certificate.public_key
        if key.algorithm == "ec":
            return 2 * (int(key.bit_size) // 8 + 1) + 8
        return int(key.bit_size) // 8

    @property
    def pyhanko_signer(self) -> signers.Signer:
        return self._pyhanko

    async def sign_digests(self, digests: list[bytes]) -> list[bytes]:
        """Submit all ``digests`` as ONE request, wait for the signer, return the signatures."""
        cfg = self.config
        body: dict[str, Any] = {
            "signer_id": cfg.signer_id,
            "hash_algorithm": "sha256",
            "signature_algorithm": "ecdsa" if self._certificate.public_key.algorithm == "ec"
            else "rsa_pkcs1v15",
            "digests": [base64.b64encode(d).decode("ascii") for d in digests],
            "description": f"Ký {len(digests)} học bạ",
        }  # fmt: skip
        if cfg.callback_url:
            body["callback_url"] = cfg.callback_url
        key = str(uuid.uuid4())
        deadline = time.monotonic() + cfg.approval_timeout
        async with aiohttp.ClientSession() as session:
            submitted = await self._call(
                session, "POST", "/v1/sign-requests", json=body, idempotency_key=key
            )
            self.requests += 1
            request_id = str(submitted.get("request_id", ""))
            if not request_id:
                raise GatewayError(
                    "Dịch vụ ký trả lời sai định dạng (thiếu mã yêu cầu).",
                    detail=f"submit response without request_id: {submitted!r}",
                )
            log.info("gateway %s: request %s, %d digests", cfg.url, request_id, len(digests))
            loop = asyncio.get_running_loop()
            self._waiting[request_id] = (loop, loop.create_future())
            try:
                status = submitted
                while True:
                    result = self._outcome(status, request_id, len(digests))
                    if result is not None:
                        return result
                    left = deadline - time.monotonic()
                    if left <= 0:
                        await self._cancel(session, request_id)
                        raise GatewayTimeout(
                            f"Người ký chưa xác nhận trên điện thoại sau "
                            f"{cfg.approval_timeout:g} giây; yêu cầu ký đã bị huỷ.",
                            detail=f"request {request_id}: no approval in {cfg.approval_timeout}s",
                        )
                    delivered = self._waiting[request_id][1]
                    try:
                        status = await asyncio.wait_for(
                            asyncio.shield(delivered), min(cfg.poll_interval, left)
                        )
                        continue
                    except TimeoutError:
                        pass
                    status = await self._call(session, "GET", f"/v1/sign-requests/{request_id}")
            finally:
                self._waiting.pop(request_id, None)

    def deliver(self, payload: Mapping[str, Any]) -> bool:
        """Hand a status document POSTed to our callback URL to the waiting request (from any
        thread). Returns False when no request with that id is waiting."""
        entry = self._waiting.get(str(payload.get("request_id", "")))
        if entry is None:
            return False
        loop, future = entry

        def settle() -> None:
            if not future.done():
                future.set_result(dict(payload))

        loop.call_soon_threadsafe(settle)
        return True

    # ---- internals --------------------------------------------------------------------------
    def _outcome(self, status: Mapping[str, Any], request_id: str, n: int) -> list[bytes] | None:
        state = status.get("status")
        if state == "pending":
            return None
        if state == "approved":
            try:
                signatures = [base64.b64decode(s) for s in status["signatures"]]
            except (KeyError, ValueError, TypeError) as exc:
                raise GatewayError(
                    "Dịch vụ ký trả về chữ ký sai định dạng.",
                    detail=f"request {request_id}: bad signatures: {exc!r}",
                ) from exc
            if len(signatures) != n:
                raise GatewayError(
                    "Dịch vụ ký trả về sai số lượng chữ ký.",
                    detail=f"request {request_id}: {len(signatures)} signatures for {n} digests",
                )
            return signatures
        if state == "rejected":
            reason = str(status.get("reason") or "")
            raise GatewayRejected(
                "Người ký đã từ chối yêu cầu ký trên điện thoại"
                + (f": {reason}" if reason else "")
                + ".",
                detail=f"request {request_id} rejected: {reason}",
            )
        if state == "expired":
            raise GatewayTimeout(
                "Yêu cầu ký đã hết hạn trước khi người ký xác nhận.",
                detail=f"request {request_id} expired at the service",
            )
        raise GatewayError(
            "Dịch vụ ký không thực hiện được yêu cầu ký.",
            detail=f"request {request_id}: status {state!r}: {status.get('reason', '')}",
        )

    async def _cancel(self, session: aiohttp.ClientSession, request_id: str) -> None:
        try:
            await self._call(session, "DELETE", f"/v1/sign-requests/{request_id}", retries=0)
        except SigningError as exc:  # best effort: the request expires at the service anyway
            log.warning("gateway: cancelling %s failed: %s", request_id, exc.detail)

    async def _call(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        retries: int | None = None,
    ) -> dict[str, Any]:
        cfg = self.config
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        attempts = 1 + (cfg.retries if retries is None else retries)
        last = ""
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(cfg.backoff * 2 ** (attempt - 1))
            try:
                async with session.request(
                    method,
                    cfg.url.rstrip("/") + path,
                    json=json,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=cfg.request_timeout),
                ) as response:
                    if response.status in TRANSIENT:
                        last = f"HTTP {response.status}"
                        log.warning("gateway %s %s: %s (attempt %d)", method, path, last, attempt)
                        continue
                    if response.status >= 400:
                        text = (await response.text())[:500]
                        raise GatewayError(
                            f"Dịch vụ ký từ chối yêu cầu (mã lỗi HTTP {response.status}).",
                            detail=f"{method} {path}: HTTP {response.status}: {text}",
                        )
                    if response.status == 204:
                        return {}
                    data = await response.json(content_type=None)
                    if not isinstance(data, dict):
                        raise ValueError("not a JSON object")
                    return data
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                last = repr(exc)
                log.warning("gateway %s %s: %s (attempt %d)", method, path, last, attempt)
            except (aiohttp.ContentTypeError, ValueError) as exc:
                raise GatewayError(
                    "Dịch vụ ký trả lời sai định dạng.", detail=f"{method} {path}: {exc!r}"
                ) from exc
        raise GatewayUnavailable(
            f"Không kết nối được dịch vụ ký {cfg.url} (đã thử {attempts} lần).",
            detail=f"{method} {path}: {last}",
        )

    def __repr__(self) -> str:
        return f"GatewaySigner({self.source!r}, {self._certificate.subject.human_friendly!r})"


class _GatewayPyHankoSigner(signers.Signer):
    """pyHanko signer for the one-by-one path: one confirmation per signature."""

    def __init__(self, owner: GatewaySigner) -> None:
        self._owner = owner
        super().__init__(
            signing_cert=owner.certificate,
            cert_registry=SimpleCertificateStore.from_certs(owner.chain),
        )

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if dry_run:
            return bytes(self._owner.signature_size)
        if digest_algorithm != "sha256":
            raise SigningError(
                "Dịch vụ ký chỉ hỗ trợ SHA-256.", detail=f"digest {digest_algorithm}"
            )
        import hashlib

        (signature,) = await self._owner.sign_digests([hashlib.sha256(data).digest()])
        return signature
