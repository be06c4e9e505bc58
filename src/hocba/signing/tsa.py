"""Timestamp sources (RFC 3161): an in-process TSA for the demo PKI, a tiny HTTP TSA server,
and the HTTP client for a configured TSA URL.

``LocalTimestamper`` is pyHanko's ``DummyTimeStamper`` with the key parsed once (the stock
class re-parses it for every token, ~25 ms). It signs with the demo PKI's TSA certificate.
Its token is assembled from DER pieces encoded once (certificates, signer id, algorithms,
the signing-certificate attribute): asn1crypto re-encodes every certificate of a token built
from Python values (~5 ms a token, a fifth of a B-T signature). The result is the same
token as pyHanko's (pinned by a test) and is returned parsed from its DER, so embedding it in
the signature copies bytes instead of re-encoding again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web
from asn1crypto import algos, cms, core, tsp, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.keys import load_cert_from_pemder
from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
from pyhanko.sign import general, timestamps
from pyhanko.sign.general import simple_cms_attribute
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from hocba.signing.demo import is_production
from hocba.signing.errors import TimestampError

TSA_URL_ENV = "HOCBA_TSA_URL"
TSA_PATH = "/tsa"
HTTP_TOKEN_BUDGET = 8192
"""Bytes reserved for a timestamp token from an unknown TSA (certificates included)."""


class LocalTimestamper(timestamps.DummyTimeStamper):
    """An in-process RFC 3161 TSA (demo PKI and tests only; refused in production)."""

    def __init__(
        self,
        tsa_cert: x509.Certificate,
        tsa_key: rsa.RSAPrivateKey,
        certs_to_embed: Sequence[x509.Certificate] = (),
        fixed_dt: dt.datetime | None = None,
    ) -> None:
        key_info = translate_pyca_cryptography_key_to_asn1(tsa_key)
        super().__init__(
            tsa_cert=tsa_cert,
            tsa_key=key_info,
            certs_to_embed=SimpleCertificateStore.from_certs(list(certs_to_embed)),
            fixed_dt=fixed_dt,
        )
        self._pyca_key = tsa_key
        self.token_size = len(tsa_cert.dump()) + sum(len(c.dump()) for c in certs_to_embed) + 1024
        embedded = [tsa_cert, *(c for c in certs_to_embed if c.dump() != tsa_cert.dump())]
        self._certificates_der = _der(0xA0, b"".join(c.dump() for c in embedded))
        self._sid_der = cms.IssuerAndSerialNumber(
            {"issuer": tsa_cert.issuer, "serial_number": tsa_cert.serial_number}
        ).dump()
        self._signing_certificate_der = simple_cms_attribute(
            "signing_certificate", general.as_signing_certificate(tsa_cert)
        ).dump()
        self._rsa_pkcs1_der = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}).dump()

    @classmethod
    def load(cls, cert_path: Path, key_path: Path, chain: Sequence[Path] = ()) -> LocalTimestamper:
        if is_production():
            raise TimestampError(
                "Không dùng TSA demo khi HOCBA_ENV=production; hãy cấu hình --tsa URL.",
                code="signing.demo_tsa_refused",
            )
        key = serialization.load_pem_private_key(Path(key_path).read_bytes(), None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TimestampError("Khoá TSA demo phải là RSA.", code="signing.tsa_key")
        cert = load_cert_from_pemder(str(cert_path))
        return cls(cert, key, [load_cert_from_pemder(str(p)) for p in chain])

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: dt.datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                cms.CMSAttribute.load(self._signing_certificate_der),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._pyca_key.sign(
            signed_attrs.dump(), padding.PKCS1v15(), get_pyca_cryptography_hash(md_algorithm)
        )
        return signature, signed_attrs

    def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        """pyHanko's ``DummyTimeStamper.request_tsa_response``, assembled from DER pieces."""
        imprint = req["message_imprint"]
        md_algorithm = self.override_md or imprint["hash_algorithm"]["algorithm"].native
        when = self.fixed_dt or dt.datetime.now(dt.UTC)
        tst_info = self._build_tst_info(imprint, when, req).dump()
        signature, signed_attrs = self._sign_tst_info(tst_info, md_algorithm, when)
        digest_algorithm = algos.DigestAlgorithm({"algorithm": md_algorithm}).dump()
        attrs = signed_attrs.dump()
        signer_info = _der(
            0x30,
            _V1
            + self._sid_der
            + digest_algorithm
            + b"\xa0"
            + attrs[1:]  # [0] IMPLICIT SET OF Attribute: same length and contents
            + self._rsa_pkcs1_der
            + _der(0x04, signature),
        )
        signed_data = _der(
            0x30,
            _V3
            + _der(0x31, digest_algorithm)
            + _der(0x30, _TST_INFO_OID + _der(0xA0, _der(0x04, tst_info)))
            + self._certificates_der
            + _der(0x31, signer_info),
        )
        token = _der(0x30, _SIGNED_DATA_OID + _der(0xA0, signed_data))
        return tsp.TimeStampResp.load(_der(0x30, _GRANTED + token))


_V1 = core.Integer(1).dump()
_V3 = core.Integer(3).dump()
_GRANTED = tsp.PKIStatusInfo({"status": "granted"}).dump()
_TST_INFO_OID = cms.ContentType("tst_info").dump()
_SIGNED_DATA_OID = cms.ContentType("signed_data").dump()


def _der(tag: int, body: bytes) -> bytes:
    """One DER element: tag, definite length, ``body``."""
    size = len(body)
    if size < 0x80:
        return bytes((tag, size)) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + body


def http_timestamper(url: str, *, timeout: int = 10) -> timestamps.HTTPTimeStamper:
    """Client for a TSA at ``url`` (RFC 3161 over HTTP)."""
    return timestamps.HTTPTimeStamper(url, timeout=timeout)


def token_budget(timestamper: timestamps.TimeStamper) -> int:
    """Bytes to reserve in the signature for this timestamper's token."""
    return getattr(timestamper, "token_size", HTTP_TOKEN_BUDGET)


def tsa_app(stamper: timestamps.DummyTimeStamper) -> web.Application:
    """An aiohttp app answering RFC 3161 requests at ``POST /tsa``."""

    async def handle(request: web.Request) -> web.Response:
        try:
            req = tsp.TimeStampReq.load(await request.read())
            req.native  # noqa: B018 — parse fully now, so bad input gets a 400
        except ValueError:
            return web.Response(status=400, text="bad timestamp request")
        resp = await stamper.async_request_tsa_response(req)
        return web.Response(body=resp.dump(), content_type="application/timestamp-reply")

    app = web.Application(client_max_size=64 * 1024)
    app.add_routes([web.post(TSA_PATH, handle)])
    return app


class TsaServer:
    """The HTTP TSA in a background thread (tests, demo): ``with TsaServer(s) as url: ...``."""

    def __init__(self, stamper: timestamps.DummyTimeStamper, host: str = "127.0.0.1") -> None:
        self._stamper = stamper
        self._host = host
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.url = ""

    def start(self) -> str:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.url = future.result(timeout=10)
        return self.url

    async def _start(self) -> str:
        self._runner = web.AppRunner(tsa_app(self._stamper), access_log=None)
        await self._runner.setup()
        sock = socket.create_server((self._host, 0))
        await web.SockSite(self._runner, sock).start()
        port = sock.getsockname()[1]
        return f"http://{self._host}:{port}{TSA_PATH}"

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
