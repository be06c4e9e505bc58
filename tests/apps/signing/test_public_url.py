"""Issued records point to this instance's public address (``HOCBA_PUBLIC_URL``): the worker
renders the QR code with it, and production refuses a batch at its start without it."""

from __future__ import annotations

import subprocess

import pytest

from hocba.apps.records.models import RecordVersion
from hocba.apps.signing import services
from hocba.apps.signing.errors import SigningRefused
from hocba.apps.signing.models import SignerKey, SigningBatch
from hocba.render import verification_token
from hocba.spec import load_record
from tests.tools import require

from .conftest import finalise

pytestmark = pytest.mark.django_db
PUBLIC = "https://hocba.sogd.example.vn"


def _qr(pdf: bytes, tmp_path) -> str:
    require("pdftoppm")
    require("zbarimg")
    (tmp_path / "r.pdf").write_bytes(pdf)
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp_path / "r.pdf"), str(png)], check=True)  # fmt: skip
    return subprocess.run(
        ["zbarimg", "-q", "--raw", f"{png}.png"], capture_output=True, text=True, check=False
    ).stdout.strip()


def test_the_records_a_batch_renders_open_the_configured_public_address(
    cls, gvcn, settings, tmp_path
):
    settings.HOCBA_PUBLIC_URL = PUBLIC
    finalise(cls)
    batch = services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    assert (batch.status, batch.failed_count) == ("done", 0)
    version = RecordVersion.objects.filter(enrolment__school_class=cls).order_by("pk").first()
    token = verification_token(load_record(bytes(version.canonical)))
    with version.pdf.open("rb") as fh:
        assert _qr(fh.read(), tmp_path) == f"{PUBLIC}/xac-minh/?q={token}"


@pytest.mark.parametrize("configured", ["", "http://127.0.0.1:8000"])
def test_production_refuses_a_batch_at_its_start_without_a_public_address(
    school, cls, gvcn, settings, monkeypatch, configured
):
    finalise(cls)
    SignerKey.objects.create(school=school, role="gvcn", kind="pkcs12", location="/key.p12")
    monkeypatch.setenv("HOCBA_ENV", "production")
    settings.HOCBA_PUBLIC_URL = configured
    with pytest.raises(SigningRefused) as refused:
        services.start_gvcn_signing(gvcn, cls)
    assert refused.value.code == "config.public_url"
    assert "Chưa cấu hình HOCBA_PUBLIC_URL" in refused.value.message_vi
    assert not SigningBatch.objects.exists()
    settings.HOCBA_PUBLIC_URL = PUBLIC  # the same batch starts once the address is set
    assert services.start_gvcn_signing(gvcn, cls).total == 2


def test_development_points_the_qr_code_at_the_local_server(settings):
    settings.HOCBA_PUBLIC_URL = "http://127.0.0.1:8000"
    assert services.issuing_verify_url() == "http://127.0.0.1:8000/xac-minh/"
