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
