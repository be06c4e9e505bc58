"""The phone-confirmation gateway backend against our own gateway server on loopback
(tests/signing/gateway_server.py): 20 records with ONE confirmation all verify VALID, and
every failure mode — slow signer, rejection, transient 503s, a service that stays down or
errors — ends in its own coded error with a Vietnamese message, never a half-signed record."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from aiohttp import web

from hocba.signing.batch import FAILED, SIGNED, Pkcs12BatchSigner, async_sign_batch, sign_batch
from hocba.signing.errors import KeyLoadError
from hocba.signing.gateway import (
    GatewayConfig,
    GatewayError,
    GatewayRejected,
    GatewaySigner,
    GatewayTimeout,
    GatewayUnavailable,
)
from hocba.signing.pades import sign_record
from hocba.signing.pki import DemoPki
from hocba.spec import SignerRole
from hocba.verify import verify_pdf
from tests.pki_fixtures import OTHER_TEACHER, TEACHER
from tests.signing.batch_fixtures import rendered_records
from tests.signing.gateway_server import GatewayServer

FAST = {"poll_interval": 0.05, "backoff": 0.01, "request_timeout": 5.0}


@pytest.fixture(scope="module")
def server(pki: DemoPki) -> Iterator[GatewayServer]:
    keys = {
        "gv-hong": (pki.signer_entry(SignerRole.GVCN, TEACHER).p12, pki.password),
        "gv-binh": (pki.signer_entry(SignerRole.GVCN, OTHER_TEACHER).p12, pki.password),
    }
    gateway = GatewayServer(keys)
    with gateway:
        yield gateway


@pytest.fixture
def gateway(server: GatewayServer) -> GatewayServer:
    server.mode, server.delay, server.failures = "approve", 0.2, 0
    server.confirmations = server.polls = server.cancels = server.served_errors = 0
    return server


def _signer(gateway: GatewayServer, signer_id: str = "gv-hong", **options: object) -> GatewaySigner:
    settings = FAST | options
    config = GatewayConfig(url=gateway.url, signer_id=signer_id, **settings)  # type: ignore[arg-type]
    return GatewaySigner.connect(config, environ={})


def test_twenty_records_with_one_confirmation_all_verify_valid(
    gateway: GatewayServer, role_signers, tsa, pki: DemoPki
) -> None:
    pdfs = list(rendered_records())
    assert len(pdfs) == 20
    signer = _signer(gateway)
    report = sign_batch(pdfs, SignerRole.GVCN, signer, tsa, trust=pki.trust())
    assert report.ok, report.failed()
    assert gateway.confirmations == 1 and signer.requests == 1
    pdfs = [item.pdf for item in report.items]
    for role in (SignerRole.PRINCIPAL, SignerRole.SEAL):
        step = sign_batch(pdfs, role, Pkcs12BatchSigner(role_signers[role]), tsa, trust=pki.trust())
        assert step.ok, step.failed()
        pdfs = [item.pdf for item in step.items]
    for pdf in pdfs:
        result = verify_pdf(pdf, pki.trust())
        assert result.ok, result.problems
        assert result.signatures[0].signer == TEACHER


def test_the_gateway_is_also_a_one_by_one_signer(gateway: GatewayServer, tsa, pki: DemoPki) -> None:
    gateway.delay = 0
    signed = sign_record(rendered_records()[0], SignerRole.GVCN, _signer(gateway), tsa)
    (gvcn,) = verify_pdf(signed, pki.trust()).signatures
    assert gvcn.intact and gvcn.valid and gvcn.trusted and gateway.confirmations == 1


def test_a_slow_signer_times_out_and_the_request_is_cancelled(gateway: GatewayServer, tsa) -> None:
    gateway.mode = "slow"
    signer = _signer(gateway, approval_timeout=0.4)
    with pytest.raises(GatewayTimeout) as caught:
        asyncio.run(signer.sign_digests([bytes(32)]))
    assert caught.value.code == "signing.gateway_timeout"
    assert "chưa xác nhận" in caught.value.message_vi
    assert gateway.cancels == 1 and gateway.polls >= 2
    # in a batch: every record fails with the code, and its bytes are unchanged
    pdfs = list(rendered_records()[:3])
    report = sign_batch(pdfs, SignerRole.GVCN, signer, tsa)
    assert {(i.status, i.code) for i in report.items} == {(FAILED, "signing.gateway_timeout")}
    assert [i.pdf for i in report.items] == pdfs


def test_a_signer_who_declines_on_the_phone(gateway: GatewayServer, tsa) -> None:
    gateway.mode = "reject"
    signer = _signer(gateway)
    with pytest.raises(GatewayRejected) as caught:
        asyncio.run(signer.sign_digests([bytes(32)]))
    assert caught.value.code == "signing.gateway_rejected"
    assert (
        "từ chối" in caught.value.message_vi and "Người ký bấm Từ chối" in caught.value.message_vi
    )
    report = sign_batch(list(rendered_records()[:2]), SignerRole.GVCN, signer, tsa)
    assert {i.code for i in report.items} == {"signing.gateway_rejected"}


def test_transient_failures_are_retried_without_asking_twice(
    gateway: GatewayServer, tsa, pki: DemoPki
) -> None:
    signer = _signer(gateway)
    gateway.mode, gateway.failures = "flaky", 2  # the submit fails twice with 503
    report = sign_batch(list(rendered_records()[:2]), SignerRole.GVCN, signer, tsa)
    assert report.ok, report.failed()
    assert gateway.served_errors == 2 and gateway.confirmations == 1


def test_a_gateway_that_stays_down_fails_after_bounded_retries(gateway: GatewayServer) -> None:
    signer = _signer(gateway, retries=2)
    gateway.mode = "down"
    with pytest.raises(GatewayUnavailable) as caught:
        asyncio.run(signer.sign_digests([bytes(32)]))
    assert caught.value.code == "signing.gateway_unavailable"
    assert "đã thử 3 lần" in caught.value.message_vi
    assert gateway.served_errors == 3 and gateway.confirmations == 0


def test_a_server_error_is_not_retried(gateway: GatewayServer) -> None:
    signer = _signer(gateway)
    gateway.mode = "broken"
    with pytest.raises(GatewayError) as caught:
        asyncio.run(signer.sign_digests([bytes(32)]))
    assert caught.value.code == "signing.gateway_failed" and "HTTP 500" in caught.value.message_vi
    assert gateway.served_errors == 1


def test_a_callback_ends_the_wait_without_polling(gateway: GatewayServer) -> None:
    async def run() -> list[bytes]:
        app = web.Application()
        runner = web.AppRunner(app)

        async def receive(request: web.Request) -> web.Response:
            signer.deliver(await request.json())
            return web.Response(status=204)

        app.router.add_post("/callback", receive)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        signer.config = GatewayConfig(
            url=gateway.url, signer_id="gv-hong", poll_interval=30,
            callback_url=f"http://127.0.0.1:{port}/callback",
        )  # fmt: skip
        try:
            return await signer.sign_digests([bytes(32), bytes(range(32))])
        finally:
            await runner.cleanup()

    signer = _signer(gateway)
    gateway.delay = 0.1
    signatures = asyncio.run(run())
    assert len(signatures) == 2 and gateway.polls == 0


def test_an_unknown_signer_or_a_wrong_person_is_refused(gateway: GatewayServer, tsa, pki) -> None:
    with pytest.raises(KeyLoadError) as caught:
        _signer(gateway, "gv-nobody")
    assert caught.value.code == "signing.gateway_credential"
    other = _signer(gateway, "gv-binh")
    report = asyncio.run(
        async_sign_batch(
            list(rendered_records()[:2]), SignerRole.GVCN, other, tsa, trust=pki.trust()
        )
    )
    assert {i.code for i in report.items} == {"signing.wrong_signer"}
    assert gateway.confirmations == 0 and SIGNED not in {i.status for i in report.items}


def test_the_gateway_settings_are_documented_and_read_from_the_environment() -> None:
    import re
    from pathlib import Path

    from hocba.signing import gateway as module

    docs = (Path(__file__).parents[2] / "docs" / "settings.md").read_text("utf-8")
    names = set(re.findall(r'"(HOCBA_[A-Z0-9_]+)"', Path(module.__file__).read_text("utf-8")))
    assert names and {n for n in names if f"`{n}`" not in docs} == set()
    config = GatewayConfig.from_env(
        {"HOCBA_GATEWAY_URL": "https://ky.example.vn/", "HOCBA_GATEWAY_SIGNER": "gv-1"}
    )
    assert (config.url, config.signer_id) == ("https://ky.example.vn", "gv-1")
    with pytest.raises(KeyLoadError) as caught:
        GatewayConfig.from_env({})
    assert caught.value.code == "signing.gateway_config"
