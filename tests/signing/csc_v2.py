"""A CSC API v2 (2.0.0.2) service on loopback for the tests: a strict front in front of
certomancer-csc-dummy, which answers only ``/csc/v1/...``.

The front serves ``/csc/v2/{info, credentials/info, credentials/authorize,
signatures/signHash}`` only. It checks each body against the v2 fields: any field v2 does not
define (``hash``, ``hashAlgo``, ...) is refused with 400, and so is a missing required one
(``hashes``/``hashAlgorithmOID`` where hashes are sent). An accepted body is translated to v1
(``hashes`` → ``hash``, ``hashAlgorithmOID`` → ``hashAlgo``), forwarded to the dummy, and the
dummy's answer is returned (its response fields have the same names in v2). ``requests``
records each accepted v2 body by endpoint.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import defaultdict
from typing import Any

import aiohttp
from aiohttp import web
from asn1crypto import algos

# fields v2.0.0.2 defines for each request body (required ones checked separately)
_FIELDS = {
    "info": {"lang"},
    "credentials/info": {"credentialID", "certificates", "certInfo", "authInfo", "lang",
                         "clientData"},
    "credentials/authorize": {"credentialID", "numSignatures", "hashes", "hashAlgorithmOID",
                              "PIN", "OTP", "description", "clientData"},
    "signatures/signHash": {"credentialID", "SAD", "hashes", "hashAlgorithmOID", "signAlgo",
                            "signAlgoParams", "operationMode", "validity_period",
                            "response_uri", "clientData"},
}  # fmt: skip
_REQUIRED = {
    "info": set(),
    "credentials/info": {"credentialID"},
    "credentials/authorize": {"credentialID", "numSignatures"},
    "signatures/signHash": {"credentialID", "SAD", "hashes", "hashAlgorithmOID", "signAlgo"},
}


class BadRequest(ValueError):
    pass


def check_v2(endpoint: str, body: Any) -> dict[str, Any]:
    """``body`` if it is a valid v2 request to ``endpoint``, else ``BadRequest`` saying why."""
    if not isinstance(body, dict):
        raise BadRequest("body is not a JSON object")
    unknown = sorted(set(body) - _FIELDS[endpoint])
    if unknown:
        raise BadRequest(f"fields not in CSC API v2 {endpoint}: {', '.join(unknown)}")
    missing = sorted(_REQUIRED[endpoint] - set(body))
    if endpoint == "credentials/authorize" and "hashes" in body and "hashAlgorithmOID" not in body:
        missing.append("hashAlgorithmOID")
    if missing:
        raise BadRequest(f"missing in {endpoint}: {', '.join(missing)}")
    if "hashes" in body:
        hashes = body["hashes"]
        if (
            not isinstance(hashes, list)
            or not hashes
            or not all(isinstance(h, str) for h in hashes)
        ):
            raise BadRequest("hashes must be a non-empty list of base64 strings")
        try:
            algos.DigestAlgorithmId(body["hashAlgorithmOID"]).native  # noqa: B018
        except ValueError as exc:
            raise BadRequest(f"hashAlgorithmOID: {exc}") from exc
        if endpoint == "credentials/authorize" and body["numSignatures"] != len(hashes):
            raise BadRequest("numSignatures differs from the number of hashes")
    return body


def to_v1(endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    out.pop("authInfo", None)
    if "hashes" in out:
        out["hash"] = out.pop("hashes")
        algorithm = out.pop("hashAlgorithmOID")
        if endpoint == "signatures/signHash":
            out["hashAlgo"] = algorithm
    return out


class CscV2Front:
    """``with CscV2Front(dummy_url) as url:`` serves CSC API v2 at ``url`` over the dummy."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.requests: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.refused: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def _handler(self, endpoint: str):  # type: ignore[no-untyped-def]
        async def handle(request: web.Request) -> web.Response:
            try:
                body = check_v2(endpoint, await request.json())
            except (ValueError, BadRequest) as exc:
                self.refused.append(f"{endpoint}: {exc}")
                return web.json_response(
                    {"error": "invalid_request", "error_description": str(exc)}, status=400
                )
            self.requests[endpoint].append(body)
            headers = {k: v for k, v in request.headers.items() if k == "Authorization"}
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    f"{self.upstream}/csc/v1/{endpoint}", json=to_v1(endpoint, body),
                    headers=headers,
                ) as response,
            ):  # fmt: skip
                if response.status != 200:
                    return web.Response(status=response.status, body=await response.read())
                data = await response.json()
            if endpoint == "info":
                data["specs"] = "2.0.0.2"
            return web.json_response(data)

        return handle

    async def _start(self) -> str:
        app = web.Application()
        app.add_routes([web.post(f"/csc/v2/{e}", self._handler(e)) for e in _FIELDS])
        self._runner = web.AppRunner(app, access_log=None)
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
