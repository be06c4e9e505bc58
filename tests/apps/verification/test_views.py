"""The public verification page: no account, a file or a code, nothing beyond what was
presented, rate-limited."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocba.apps.records.models import RecordVersion
from hocba.apps.verification import services
from hocba.apps.verification.services import CodeStatus, lookup_code
from hocba.spec.token import parse_typed as parse_code
from tests.apps.portal.conftest import issue

URL = "/xac-minh/"


@pytest.fixture(autouse=True)
def _fresh_rate_limit(db):  # the rate limit counts in the database cache
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def trusted(settings, signed_pdf):
    pdf, trust, _record = signed_pdf
    settings.HOCBA_TRUST_DIR = str(trust)
    return pdf


def _upload(client, data: bytes):
    return client.post(URL, {"pdf": SimpleUploadedFile("hocba.pdf", data, "application/pdf")})


def _token(v: RecordVersion) -> str:
    return f"HOCBA:1:{v.record_id}:{v.version}:{v.digest}"


def test_the_page_is_public_and_at_its_url(client, db):
    assert reverse("verification:index") == URL
    response = client.get(URL)
    assert response.status_code == 200
    assert "Xác minh học bạ số" in response.content.decode()


def test_a_correctly_signed_pdf_is_valid(client, db, trusted):
    page = _upload(client, trusted).content.decode()
    assert "HỢP LỆ" in page and "(VALID)" in page
    assert "KHÔNG HỢP LỆ" not in page


def test_a_tampered_copy_is_invalid_with_reasons(client, db, trusted):
    at = trusted.index(b"/Contents") - 200  # inside the signed bytes, before the signatures
    tampered = trusted[:at] + bytes([trusted[at] ^ 0x01]) + trusted[at + 1 :]
    response = _upload(client, tampered)
    page = response.content.decode()
    assert response.status_code == 200
    assert "KHÔNG HỢP LỆ" in page and "(INVALID)" in page
    assert "Lý do" in page


def test_without_a_trust_list_the_answer_is_indeterminate(client, db, settings, signed_pdf):
    settings.HOCBA_TRUST_DIR = "/nonexistent/trust"
    page = _upload(client, signed_pdf[0]).content.decode()
    assert "(INDETERMINATE)" in page


def test_a_file_that_is_not_a_pdf_is_answered_not_crashed(client, db):
    page = _upload(client, b"hello").content.decode()
    assert "KHÔNG ĐỌC ĐƯỢC" in page or "KHÔNG HỢP LỆ" in page


def test_an_oversized_upload_is_refused(client, db, settings):
    settings.HOCBA_PDF_MAX_BYTES = 10
    page = _upload(client, b"%PDF-" + b"x" * 100).content.decode()
    assert "Tệp quá lớn" in page
    with pytest.raises(services.UploadTooLarge):
        services.verify_upload(b"x" * 11)


def test_requests_are_rate_limited_per_address(client, db):
    for _ in range(services.RATE_LIMIT):
        assert client.post(URL, {"code": "sai"}).status_code == 200
    response = client.post(URL, {"code": "sai"})
    assert response.status_code == 429
    assert "quá nhiều yêu cầu" in response.content.decode()
    other = client.post(URL, {"code": "sai"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200
    assert client.get(URL).status_code == 200  # the empty page is not counted


# --- a typed code ----------------------------------------------------------------------------


def test_an_issued_record_s_code_is_current_and_leaks_no_name_or_result(client, class_3a):
    enrolment, version = class_3a[0]
    issue(version)
    response = client.post(URL, {"code": _token(version)})
    page = response.content.decode()
    assert CodeStatus.CURRENT.label_vi in page
    student = enrolment.student
    for secret in (student.full_name, student.student_code, enrolment.school_class.school.name):
        assert secret not in page
    assert "Hoàn thành" not in page.replace(CodeStatus.CURRENT.label_vi, "")


def test_the_qr_link_opens_the_lookup(client, class_3a):
    _, version = class_3a[0]
    issue(version)
    page = client.get(URL, {"q": _token(version)}).content.decode()
    assert CodeStatus.CURRENT.label_vi in page


def test_a_draft_or_a_wrong_digest_is_not_found(class_3a):
    (_, draft), (_, issued) = class_3a[0], class_3a[1]
    issue(issued)
    assert lookup_code(_token(draft)).status is CodeStatus.NOT_FOUND
    wrong = _token(issued)[:-1] + ("0" if issued.digest[-1] != "0" else "1")
    assert lookup_code(wrong).status is CodeStatus.NOT_FOUND
    assert lookup_code(f"{issued.record_id} {issued.digest}").status is CodeStatus.CURRENT


def test_a_superseded_version_says_so(class_3a):
    _, version = class_3a[0]
    RecordVersion.objects.filter(pk=version.pk).update(status=RecordVersion.Status.SUPERSEDED)
    assert lookup_code(_token(version)).status is CodeStatus.SUPERSEDED


def test_codes_are_parsed_from_the_token_the_url_or_id_and_digest():
    rid, digest = "0f8fad5b-d9cb-469f-a165-70867728950e", "a" * 64
    token = f"HOCBA:1:{rid}:2:{digest}"
    assert parse_code(token).version == 2
    assert parse_code(f"https://hocba.example.vn/xac-minh?q={token}").digest == digest
    assert parse_code(f"{digest}\n{rid}").version is None
    assert parse_code("HOCBA:1:not-a-uuid:1:" + digest) is None
    assert parse_code("xin chào") is None
    assert lookup_code("xin chào").status is CodeStatus.MALFORMED


def test_the_trust_list_default_is_the_demo_pki_and_is_documented(settings, monkeypatch):
    settings.HOCBA_TRUST_DIR = None
    monkeypatch.delenv("HOCBA_TRUST_DIR", raising=False)
    assert services.trust_dir() == Path(settings.HOCBA_HOME) / "demo" / "pki" / "trust"
    docs = (Path(__file__).parents[3] / "docs" / "settings.md").read_text("utf-8")
    assert "`HOCBA_TRUST_DIR` | `<HOCBA_HOME>/demo/pki/trust`" in docs


def test_a_body_larger_than_the_limit_is_refused_before_it_is_read(client, db):
    response = client.post(
        URL, {"code": "x"}, CONTENT_LENGTH=str(services.MAX_PDF_BYTES + 10 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.content.decode()


def test_a_valid_pdf_also_says_whether_its_record_is_current_here(
    client, class_3a, trusted, signed_pdf
):
    from hocba.spec import canonical_json, record_digest

    record = signed_pdf[2]
    RecordVersion.objects.filter(record_id=record.record_id).delete()
    RecordVersion.objects.create(
        enrolment=class_3a[0][0],
        record_id=record.record_id,
        version=record.version,
        digest=record_digest(record),
        canonical=canonical_json(record),
        status=RecordVersion.Status.ISSUED,
    )
    page = _upload(client, trusted).content.decode()
    assert "(VALID)" in page
    assert f"Trên hệ thống này:</strong> {CodeStatus.CURRENT.label_vi}" in page
    RecordVersion.objects.filter(record_id=record.record_id).update(
        status=RecordVersion.Status.SUPERSEDED
    )
    page = _upload(client, trusted).content.decode()
    assert CodeStatus.SUPERSEDED.label_vi in page
