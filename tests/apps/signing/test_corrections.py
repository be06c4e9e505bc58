"""A correction of an issued record, the whole path (DESIGN principle 2, DOMAIN §6):
v1 issued → GVCN requests → principal approves → GVCN edits and finalises again → GVCN signs →
principal signs and seals → v2 issued, v1 superseded (kept, still VALID)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.services import verify_chain
from hocba.apps.audit.tags import EventTag
from hocba.apps.records import corrections, workflow
from hocba.apps.records.models import CorrectionRequest, RecordVersion
from hocba.apps.signing import services
from hocba.signing import load_pki
from hocba.spec import load_record
from hocba.verify import Verdict, verify_pdf
from tests.verify.test_crosscheck import pdfsig_integrity

from .conftest import finalise

pytestmark = pytest.mark.django_db
S = RecordVersion.Status
REASON = "Nhập nhầm nhận xét môn Toán của học sinh."
NEW_COMMENT = "Em tiến bộ rõ trong học kỳ II."


@dataclass
class Corrected:
    v1: RecordVersion
    v2: RecordVersion
    request: CorrectionRequest


def issue(cls, gvcn, principal) -> None:
    services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    services.run_batch(services.start_principal_signing(principal, cls).pk)


def correct(cls, gvcn, principal) -> Corrected:
    """Issue the class, then correct its first record all the way to v2 issued."""
    finalise(cls)
    issue(cls, gvcn, principal)
    v1 = RecordVersion.objects.filter(enrolment__school_class=cls).order_by("pk").first()
    request = corrections.request_correction(gvcn, v1, REASON)
    corrections.approve_correction(principal, request)
    workflow.save_subject_entry(gvcn, v1.enrolment, "TOAN", {"comment": NEW_COMMENT})
    workflow.finalise_student(gvcn, v1.enrolment)
    issue(cls, gvcn, principal)
    v1.refresh_from_db()
    request.refresh_from_db()
    return Corrected(v1, RecordVersion.objects.get(record_id=v1.record_id, version=2), request)


@pytest.fixture
def corrected(cls, gvcn, principal) -> Corrected:
    return correct(cls, gvcn, principal)


def test_a_correction_issues_version_two_and_supersedes_version_one(corrected, pki_path, tmp_path):
    v1, v2 = corrected.v1, corrected.v2
    assert (v1.status, v2.status) == (S.SUPERSEDED, S.ISSUED)
    assert v1.superseded_by == v2 and v1.superseded_at is not None
    assert v2.correction_reason == REASON and v1.digest != v2.digest
    assert corrected.request.status == CorrectionRequest.Status.COMPLETED
    record = load_record(bytes(v2.canonical))
    assert (record.version, record.record_id, record.correction_reason) == (
        2, str(v1.record_id), REASON,
    )  # fmt: skip
    assert NEW_COMMENT in [s.comment for s in record.subjects]
    trust = load_pki(pki_path).trust()
    for version in (v1, v2):  # both stay authentic: superseded is not forged
        pdf = version.pdf.read()
        report = verify_pdf(pdf, trust)
        assert report.verdict is Verdict.VALID, report.problems
        assert report.record.version == version.version
        assert pdfsig_integrity(pdf, tmp_path) == ["Signature is Valid."] * 3
    tags = set(AuditEvent.objects.values_list("tag", flat=True))
    assert {
        EventTag.RECORD_CORRECTION_REQUESTED, EventTag.RECORD_CORRECTION_APPROVED,
        EventTag.RECORD_SUPERSEDED,
    } <= tags  # fmt: skip
    superseded = AuditEvent.objects.get(tag=EventTag.RECORD_SUPERSEDED)
    assert superseded.data == {"version": 1, "superseded_by": 2, "reason": REASON}
    assert verify_chain() is None


def test_the_other_records_of_the_class_are_not_touched_by_a_correction(corrected, cls):
    others = RecordVersion.objects.filter(enrolment__school_class=cls).exclude(
        record_id=corrected.v1.record_id
    )
    assert [(v.version, v.status) for v in others] == [(1, S.ISSUED)]


def test_a_corrected_record_can_be_corrected_again(corrected, cls, gvcn, principal):
    request = corrections.request_correction(gvcn, corrected.v2, "Sai chiều cao của học sinh.")
    corrections.approve_correction(principal, request)
    workflow.finalise_student(gvcn, corrected.v2.enrolment)
    issue(cls, gvcn, principal)
    versions = RecordVersion.objects.filter(record_id=corrected.v1.record_id).order_by("version")
    assert [(v.version, v.status) for v in versions] == [
        (1, S.SUPERSEDED), (2, S.SUPERSEDED), (3, S.ISSUED),
    ]  # fmt: skip
    assert versions[1].superseded_by == versions[2]
    assert versions[0].superseded_by == versions[1]  # kept as it was


def _code(version: RecordVersion) -> str:
    return f"HOCBA:1:{version.record_id}:{version.version}:{version.digest}"


def test_the_public_lookup_of_v1_says_superseded_by_2_with_date_and_reason(corrected, client):
    page = client.get("/xac-minh/", {"q": _code(corrected.v1)}).content.decode()
    when = corrected.v1.superseded_at.astimezone().strftime("%d/%m/%Y")
    assert f"Đã được thay thế bởi phiên bản 2 ngày {when} — lý do: {REASON}</p>" in page
    current = client.get("/xac-minh/", {"q": _code(corrected.v2)}).content.decode()
    assert "đang có hiệu lực" in current and "Đã được thay thế bởi" not in current


def test_an_uploaded_v1_pdf_is_valid_and_said_superseded(corrected, client, settings, pki_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.HOCBA_TRUST_DIR = str(pki_path / "trust")
    upload = SimpleUploadedFile("v1.pdf", corrected.v1.pdf.open("rb").read(), "application/pdf")
    page = client.post("/xac-minh/", {"pdf": upload}).content.decode()
    assert "(VALID)" in page
    assert "Đã được thay thế bởi phiên bản 2 ngày" in page and REASON in page


def test_the_status_endpoint_answers_as_json(corrected, client):
    old = client.get("/xac-minh/trang-thai/", {"q": _code(corrected.v1)}).json()
    assert (old["format"], old["status"], old["superseded_by"]) == ("hocba.status/1",
                                                                    "superseded", 2)  # fmt: skip
    assert old["superseded_reason"] == REASON and old["superseded_at"]
    new = client.get("/xac-minh/trang-thai/", {"q": _code(corrected.v2)}).json()
    assert new["status"] == "current" and "superseded_by" not in new
    bad = client.get("/xac-minh/trang-thai/", {"q": "not a code"})
    assert bad.status_code == 400 and bad.json()["status"] == "malformed"


def test_the_api_lists_both_versions_with_their_status(corrected, cls):
    from hocba.apps.api.services import create_token
    from tests.apps.api.conftest import ApiClient

    _, token = create_token(cls.school, "Phần mềm")
    api = ApiClient(token)
    items = api.get("/api/v1/records", class_id=cls.pk).json()["items"]
    mine = sorted(
        (i for i in items if i["record_id"] == str(corrected.v1.record_id)),
        key=lambda i: i["version"],
    )
    assert [(i["version"], i["status"], i["superseded_by"]) for i in mine] == [
        (1, "superseded", 2), (2, "issued", None),
    ]  # fmt: skip
    assert mine[0]["superseded_reason"] == REASON and mine[0]["superseded_at"]
    detail = api.get(f"/api/v1/records/{corrected.v1.pk}").json()
    assert (detail["status"], detail["superseded_by"]) == ("superseded", 2)
    pdf = api.get(f"/api/v1/records/{corrected.v1.pk}/pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"


def test_the_portal_shows_v2_as_current_and_v1_superseded_and_downloadable(corrected, client):
    from hocba.apps.accounts.services import create_user

    student = corrected.v1.enrolment.student
    create_user("me-hs", "x-Pass-12345", role="parent", student=student)
    assert client.login(username="me-hs", password="x-Pass-12345")
    page = client.get("/gia-dinh/").content.decode()
    assert f"phiên bản 2 (điều chỉnh: {REASON})" in page
    assert "Các phiên bản trước (1, đã được thay thế)" in page
    assert "đã được thay thế bởi phiên bản 2" in page and f"— lý do: {REASON}<br>" in page
    assert page.index(f"/gia-dinh/hoc-ba/{corrected.v2.pk}.pdf") < page.index(
        f"/gia-dinh/hoc-ba/{corrected.v1.pk}.pdf"
    )
    old = client.get(f"/gia-dinh/hoc-ba/{corrected.v1.pk}.pdf")
    assert old.status_code == 200 and old.content == corrected.v1.pdf.open("rb").read()


def test_hocba_verify_with_the_exported_status_list_says_v1_is_superseded(
    corrected, pki_path, tmp_path
):
    from click.testing import CliRunner

    from hocba.cli import main

    runner = CliRunner()
    exported = runner.invoke(main, ["status", "export", "-o", str(tmp_path / "status.json")])
    assert exported.exit_code == 0, exported.output
    assert "3 phiên bản (1 đã được thay thế)" in exported.output
    v1_pdf = tmp_path / "v1.pdf"
    v1_pdf.write_bytes(corrected.v1.pdf.open("rb").read())
    trust = str(pki_path)
    args = ["verify", str(v1_pdf), "--trust", trust, "--status-file", str(tmp_path / "status.json")]
    human = runner.invoke(main, args)
    assert human.exit_code == 0, human.output  # still authentic: VALID
    assert "Đã được thay thế bởi phiên bản 2 ngày" in human.output
    assert f"lý do: {REASON}" in human.output
    data = __import__("json").loads(runner.invoke(main, [*args, "--json"]).output)
    assert data["verdict"] == "VALID"
    assert (data["status"]["status"], data["status"]["superseded_by"]) == ("superseded", 2)
