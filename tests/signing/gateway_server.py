"""Our own phone-confirmation gateway (docs/signing-gateway.md) on loopback, for the tests.

It holds signers' keys (demo PKI PKCS#12 files) and answers the protocol with a behaviour
chosen per test (``server.mode``):
- ``approve``: the signer confirms ``delay`` seconds after the submit;
- ``slow``: the signer never confirms (the client's approval timeout fires);
- ``reject``: the signer declines after ``delay`` seconds;
- ``flaky``: the next ``failures`` HTTP calls answer 503, then ``approve``;
- ``down``: every call answers 503; ``broken``: every call answers 500.
Counters record what the client did: new confirmations asked, polls, cancels.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
from cryptography.hazmat.primitives.serialization import pkcs12


@dataclass
class _Request:
    id: str
    signer_id: str
    digests: list[bytes]
    mode: str
    delay: float
    created: float
    callback_url: str | None
    state: str = "pending"
    signatures: list[bytes] = field(default_factory=list)


class GatewayServer:
    """``with GatewayServer({"gv": (p12_path, password)}) as url:`` on 127.0.0.1, free port."""

    def __init__(self, keys: dict[str, tuple[Path, str]]) -> None:
        self._keys: dict[str, tuple[Any, bytes, list[bytes]]] = {}
        for signer_id, (path, password) in keys.items():
            key, cert, extra = pkcs12.load_key_and_certificates(
                Path(path).read_bytes(), password.encode()
            )
            assert key is not None and cert is not None
            der = serialization.Encoding.DER
            self._keys[signer_id] = (
                key,
                cert.public_bytes(der),
                [c.public_bytes(der) for c in extra],
            )
        self.mode = "approve"
        self.delay = 0.2
        self.failures = 0
        self.requests: dict[str, _Request] = {}
        self._by_key: dict[str, str] = {}
        self.confirmations = 0
        self.polls = 0
        self.cancels = 0
        self.served_errors = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ---- protocol ---------------------------------------------------------------------------
    def _failing(self) -> web.Response | None:
        if self.mode == "down" or (self.mode == "flaky" and self.failures > 0):
            self.failures -= 1
            self.served_errors += 1
            return web.json_response({"error": "unavailable"}, status=503)
        if self.mode == "broken":
            self.served_errors += 1
            return web.json_response({"error": "internal"}, status=500)
        return None

    async def certificate(self, request: web.Request) -> web.Response:
        if (failed := self._failing()) is not None:
            return failed
        entry = self._keys.get(request.match_info["signer_id"])
        if entry is None:
            return web.json_response({"error": "unknown signer"}, status=404)
        b64 = lambda d: base64.b64encode(d).decode()  # noqa: E731
        return web.json_response(
            {"certificate": b64(entry[1]), "chain": [b64(c) for c in entry[2]]}
        )

    async def submit(self, request: web.Request) -> web.Response:
        if (failed := self._failing()) is not None:
            return failed
        body = await request.json()
        key = request.headers.get("Idempotency-Key", "")
        if key and key in self._by_key:  # a retried submit: the same request, no new prompt
            return web.json_response(self._status(self.requests[self._by_key[key]]), status=202)
        if body.get("signer_id") not in self._keys or body.get("hash_algorithm") != "sha256":
            return web.json_response({"error": "bad request"}, status=400)
        digests = [base64.b64decode(d) for d in body["digests"]]
        mode = "approve" if self.mode == "flaky" else self.mode
        req = _Request(str(uuid.uuid4()), body["signer_id"], digests, mode, self.delay,
                       time.monotonic(), body.get("callback_url"))  # fmt: skip
        self.requests[req.id] = req
        if key:
            self._by_key[key] = req.id
        self.confirmations += 1
        if req.callback_url and mode in ("approve", "reject"):
            asyncio.get_running_loop().create_task(self._callback(req))
        return web.json_response(self._status(req), status=202)

    async def poll(self, request: web.Request) -> web.Response:
        if (failed := self._failing()) is not None:
            return failed
        req = self.requests.get(request.match_info["request_id"])
        if req is None:
            return web.json_response({"error": "unknown request"}, status=404)
        self.polls += 1
        return web.json_response(self._status(req))

    async def cancel(self, request: web.Request) -> web.Response:
        req = self.requests.get(request.match_info["request_id"])
        if req is None:
            return web.json_response({"error": "unknown request"}, status=404)
        if req.state == "pending":
            req.state = "cancelled"
        self.cancels += 1
        return web.Response(status=204)

    async def _callback(self, req: _Request) -> None:
        await asyncio.sleep(req.delay)
        async with aiohttp.ClientSession() as session:
            await session.post(req.callback_url, json=self._status(req))  # type: ignore[arg-type]

    def _status(self, req: _Request) -> dict[str, Any]:
        if req.state == "pending" and time.monotonic() - req.created >= req.delay:
            if req.mode == "approve":
                req.signatures = [self._sign(req.signer_id, d) for d in req.digests]
                req.state = "approved"
            elif req.mode == "reject":
                req.state = "rejected"
        out: dict[str, Any] = {"request_id": req.id, "status": req.state}
        if req.state == "approved":
            out["signatures"] = [base64.b64encode(s).decode() for s in req.signatures]
        if req.state == "rejected":
            out["reason"] = "Người ký bấm Từ chối"
        return out

    def _sign(self, signer_id: str, digest: bytes) -> bytes:
        key = self._keys[signer_id][0]
        prehashed = utils.Prehashed(hashes.SHA256())
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(digest, ec.ECDSA(prehashed))
        return key.sign(digest, padding.PKCS1v15(), prehashed)

    # ---- lifecycle --------------------------------------------------------------------------
    def _app(self) -> web.Application:
        app = web.Application()
        app.add_routes(
            [
                web.get("/v1/signers/{signer_id}/certificate", self.certificate),
                web.post("/v1/sign-requests", self.submit),
                web.get("/v1/sign-requests/{request_id}", self.poll),
                web.delete("/v1/sign-requests/{request_id}", self.cancel),
            ]
        )
        return app

    async def _start(self) -> str:
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        sock = socket.create_server(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    def __enter__(self) -> str:
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self.url

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
