"""Corrections of an issued record: who may request, approve or decline, and what each step
locks or unlocks (DESIGN principle 2, DOMAIN §6). The signed path to v2 issued:
tests/apps/signing/test_corrections.py."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.services import create_user
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.records import corrections, workflow
from hocba.apps.records.errors import EntryRefused, InvalidEntry
from hocba.apps.records.models import CorrectionRequest, RecordVersion, StudentUnlock
from tests.apps.records.conftest import PASSWORD

pytestmark = pytest.mark.django_db
Status = RecordVersion.Status
REASON = "Nhập nhầm nhận xét môn Toán của học sinh."


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def issued(world):
    """The class finalised and its records issued (the signatures are another test's)."""
    workflow.finalise_class(world.gvcn, world.cls)
    RecordVersion.objects.filter(enrolment__school_class=world.cls).update(status=Status.ISSUED)
    return RecordVersion.objects.get(enrolment=world.enrolments[0])


@pytest.fixture
def vice(world):
    return create_user("hp", PASSWORD, role="vice_principal", org_unit=world.cls.school.org_unit)


def test_only_the_classes_gvcn_may_request_a_correction(world, issued, stranger, vice):
    for user in (world.gvcn_other, world.teacher_tv, world.principal, vice, world.parent,
                 stranger):  # fmt: skip
        with pytest.raises(NotAllowed):
            corrections.request_correction(user, issued, REASON)
    assert not CorrectionRequest.objects.exists()
    request = corrections.request_correction(world.gvcn, issued, REASON)
    assert request.status == CorrectionRequest.Status.REQUESTED
    assert AuditEvent.objects.filter(tag=EventTag.RECORD_CORRECTION_REQUESTED).count() == 1


def test_only_the_schools_principal_may_approve_or_decline(world, issued, stranger, vice):
    request = corrections.request_correction(world.gvcn, issued, REASON)
    for user in (world.gvcn, world.gvcn_other, vice, world.parent, stranger):
        with pytest.raises(NotAllowed):
            corrections.approve_correction(user, request)
        with pytest.raises(NotAllowed):
            corrections.decline_correction(user, request, "Không có sai sót nào.")
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.REQUESTED
    assert not StudentUnlock.objects.exists()


def test_a_request_needs_a_reason_and_the_current_issued_version(world, issued):
    with pytest.raises(InvalidEntry):
        corrections.request_correction(world.gvcn, issued, "sai")
    draft = RecordVersion.objects.get(enrolment=world.enrolments[1])
    RecordVersion.objects.filter(pk=draft.pk).update(status=Status.FINAL)
    draft.refresh_from_db()
    with pytest.raises(EntryRefused) as exc:
        corrections.request_correction(world.gvcn, draft, REASON)
    assert exc.value.code == "correction.not_current"


def test_one_open_request_per_student(world, issued):
    corrections.request_correction(world.gvcn, issued, REASON)
    with pytest.raises(EntryRefused) as exc:
        corrections.request_correction(world.gvcn, issued, REASON + " (lần 2)")
    assert exc.value.code == "correction.already_open"


def test_until_approved_the_issued_students_cells_stay_locked(world, issued):
    corrections.request_correction(world.gvcn, issued, REASON)
    with pytest.raises(EntryRefused):
        workflow.save_subject_entry(world.gvcn, issued.enrolment, "TOAN", {"comment": "Sửa."})


def test_approval_opens_version_two_as_draft_and_unlocks_only_that_student(world, issued):
    request = corrections.request_correction(world.gvcn, issued, REASON)
    corrections.approve_correction(world.principal, request)
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.APPROVED
    new = request.new_version
    assert (new.version, new.status, new.record_id) == (2, Status.DRAFT, issued.record_id)
    assert new.correction_reason == REASON
    issued.refresh_from_db()
    assert issued.status == Status.ISSUED  # current until v2 is issued
    workflow.save_subject_entry(world.gvcn, issued.enrolment, "TOAN", {"comment": "Sửa."})
    with pytest.raises(EntryRefused):  # the others stay locked
        workflow.save_subject_entry(world.gvcn, world.enrolments[1], "TOAN", {"comment": "Sửa."})
    workflow.finalise_student(world.gvcn, issued.enrolment)
    new.refresh_from_db()
    assert new.status == Status.FINAL and new.digest != issued.digest
    assert AuditEvent.objects.filter(tag=EventTag.RECORD_CORRECTION_APPROVED).count() == 1


def test_a_declined_request_unlocks_nothing(world, issued):
    request = corrections.request_correction(world.gvcn, issued, REASON)
    with pytest.raises(InvalidEntry):
        corrections.decline_correction(world.principal, request, "không")
    corrections.decline_correction(world.principal, request, "Nhận xét đã đúng với sổ theo dõi.")
    request.refresh_from_db()
    assert (request.status, request.decline_reason) == (
        CorrectionRequest.Status.DECLINED, "Nhận xét đã đúng với sổ theo dõi.",
    )  # fmt: skip
    assert not StudentUnlock.objects.exists()
    assert list(RecordVersion.objects.filter(record_id=issued.record_id).values_list(
        "version", "status")) == [(1, Status.ISSUED)]  # fmt: skip
    with pytest.raises(EntryRefused):
        corrections.approve_correction(world.principal, request)
    event = AuditEvent.objects.get(tag=EventTag.RECORD_CORRECTION_DECLINED)
    assert event.data["reason"] == "Nhận xét đã đúng với sổ theo dõi."
    # a new request may follow a declined one
    corrections.request_correction(world.gvcn, issued, REASON + " Đã có biên bản.")


def test_the_request_and_decision_pages(world, issued, stranger):
    url = reverse("records:correction_request", args=[world.cls.pk, issued.enrolment_id])
    review_page = _client(world.gvcn).get(reverse("records:review", args=[world.cls.pk]))
    assert url in review_page.content.decode()  # "Đề nghị điều chỉnh" on each issued student
    assert _client(world.gvcn).get(url).status_code == 200
    response = _client(world.gvcn).post(url, {"reason": REASON})
    assert response.status_code == 302
    request = CorrectionRequest.objects.get()
    listing = reverse("records:corrections", args=[world.cls.school_id])
    assert listing in _client(world.principal).get(reverse("accounts:home")).content.decode()
    assert REASON in _client(world.principal).get(listing).content.decode()
    decide = reverse("records:correction_decide", args=[request.pk])
    for outsider in (stranger, world.gvcn, world.parent):
        assert _client(outsider).get(decide).status_code == 404
        assert _client(outsider).post(decide, {"action": "approve"}).status_code == 404
    assert _client(world.principal).post(decide, {"action": "approve"}).status_code == 302
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.APPROVED
    again = _client(world.principal).post(decide, {"action": "approve"})
    assert again.status_code == 409 and "đã được xử lý" in again.content.decode()
