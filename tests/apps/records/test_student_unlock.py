"""The principal unlocks ONE student of a finalised class on a written request; only that
student's cells become editable; the GVCN finalises the student again (DOMAIN §6)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hocba.apps.accounts.services import create_user
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.services import verify_chain
from hocba.apps.audit.tags import EventTag
from hocba.apps.records import review
from hocba.apps.records.models import (
    ClassFinalisation,
    RecordVersion,
    StudentUnlock,
    SubjectEvaluation,
)
from tests.apps.records.conftest import PASSWORD

pytestmark = pytest.mark.django_db
Status = RecordVersion.Status
REASON = "GVCN đề nghị sửa điểm Toán của học sinh (đơn ngày 20/5)."


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def status_of(enrolment) -> str:
    return RecordVersion.objects.filter(enrolment=enrolment).order_by("-version").first().status


def unlock_url(world, enrolment):
    return reverse("records:unlock_student", args=[world.cls.pk, enrolment.pk])


def refinalise_url(world, enrolment):
    return reverse("records:finalise_student", args=[world.cls.pk, enrolment.pk])


def subject_cell(world, enrolment, subject="TV"):
    return reverse("records:subject_cell", args=[world.cls.pk, subject, enrolment.pk])


def events(tag):
    return list(AuditEvent.objects.filter(tag=str(tag)).order_by("id"))


@pytest.fixture
def finalised(world):
    assert (
        _client(world.gvcn)
        .post(reverse("records:finalise", args=[world.cls.pk]), {"xac_nhan": "1"})
        .status_code
    )
    assert ClassFinalisation.objects.get(school_class=world.cls).locked
    return world


@pytest.fixture
def vice(world):
    return create_user("hp", PASSWORD, role="vice_principal", org_unit=world.cls.school.org_unit)


def test_the_principal_unlocks_one_student_with_a_reason(finalised):
    world = finalised
    one, other = world.enrolments[0], world.enrolments[1]
    client = _client(world.principal)
    page = client.get(reverse("records:review", args=[world.cls.pk])).content.decode()
    assert unlock_url(world, one) in page and "Mở khóa học sinh" in page
    form = client.get(unlock_url(world, one))
    assert form.status_code == 200 and one.student.full_name in form.content.decode()
    response = client.post(unlock_url(world, one), {"reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == reverse("records:review", args=[world.cls.pk])
    assert status_of(one) == Status.DRAFT and status_of(other) == Status.FINAL
    assert ClassFinalisation.objects.get(school_class=world.cls).locked
    unlock = StudentUnlock.objects.get(enrolment=one)
    assert unlock.reason == REASON and unlock.unlocked_by_id == world.principal.pk
    assert unlock.relocked_at is None
    (event,) = events(EventTag.CLASS_EVALUATIONS_UNLOCKED)
    assert event.actor_id == world.principal.pk
    assert event.data["enrolment"] == one.pk and event.data["reason"] == REASON
    assert verify_chain() is None
    # The review page now shows the unlocked student; the GVCN gets the "Chốt lại" button.
    page = _client(world.gvcn).get(reverse("records:review", args=[world.cls.pk])).content
    assert "Đang mở khóa" in page.decode() and refinalise_url(world, one) in page.decode()
    # Unlocking the same student twice is refused.
    again = client.post(unlock_url(world, one), {"reason": REASON})
    assert again.status_code == 409 and "đang được mở khóa" in again.content.decode()


def test_only_that_students_cells_become_editable(finalised):
    world = finalised
    one, other = world.enrolments[0], world.enrolments[1]
    _client(world.principal).post(unlock_url(world, one), {"reason": REASON})
    assert review.read_only(world.cls) == {e.pk for e in world.enrolments} - {one.pk}
    teacher, gvcn = _client(world.teacher_tv), _client(world.gvcn)
    assert teacher.post(subject_cell(world, one), {"comment": "Tiến bộ rõ."}).status_code == 200
    refused = teacher.post(subject_cell(world, other), {"comment": "Tiến bộ rõ."})
    assert refused.status_code == 409 and "Lớp đã chốt" in refused.content.decode()
    rating = "records:rating_cell"
    ok = reverse(rating, args=[world.cls.pk, one.pk, "quality", "yeu_nuoc"])
    no = reverse(rating, args=[world.cls.pk, other.pk, "quality", "yeu_nuoc"])
    assert gvcn.post(ok, {"comment": "Tốt."}).status_code == 200
    assert gvcn.post(no, {"comment": "Tốt."}).status_code == 409
    summary = "records:summary_cell"
    ok = reverse(summary, args=[world.cls.pk, one.pk])
    no = reverse(summary, args=[world.cls.pk, other.pk])
    assert gvcn.post(ok, {"absences_excused": "2"}).status_code == 200
    assert gvcn.post(no, {"absences_excused": "2"}).status_code == 409
    # The grids disable every row except the unlocked student's.
    grid = teacher.get(reverse("records:subject_grid", args=[world.cls.pk, "TV"])).content.decode()
    rows = {e.pk: grid.split(f'id="row-{e.pk}"')[1].split("</tr>")[0] for e in world.enrolments}
    assert "disabled" not in rows[one.pk] and "disabled" in rows[other.pk]
    assert "Hiệu trưởng đã mở khóa 1 học sinh" in grid


def test_unlocking_a_student_needs_a_written_reason(finalised):
    world = finalised
    client = _client(world.principal)
    for reason, message in [("", "Cần ghi lý do mở khóa."), ("sửa", "ít nhất 10 ký tự")]:
        response = client.post(unlock_url(world, world.enrolments[0]), {"reason": reason})
        assert response.status_code == 422
        assert message in response.content.decode()
    assert not StudentUnlock.objects.exists()
    assert status_of(world.enrolments[0]) == Status.FINAL
    assert events(EventTag.CLASS_EVALUATIONS_UNLOCKED) == []


@pytest.mark.parametrize("who", ["vice", "gvcn", "teacher_tv", "parent", "stranger"])
def test_only_the_school_principal_unlocks_a_student(finalised, who, request):
    world = finalised
    user = request.getfixturevalue(who) if who in ("stranger", "vice") else getattr(world, who)
    client = _client(user)
    assert client.get(unlock_url(world, world.enrolments[0])).status_code == 404
    response = client.post(unlock_url(world, world.enrolments[0]), {"reason": REASON})
    assert response.status_code == 404
    assert not StudentUnlock.objects.exists()


def test_a_student_of_another_class_is_a_404(finalised):
    world = finalised
    foreign = review.enrolments_of(world.other).first()
    url = reverse("records:unlock_student", args=[world.cls.pk, foreign.pk])
    assert _client(world.principal).post(url, {"reason": REASON}).status_code == 404


def test_a_signed_record_is_never_unlocked(finalised):
    world = finalised
    one = world.enrolments[0]
    RecordVersion.objects.filter(enrolment=one).update(status=Status.GVCN_SIGNED)
    response = _client(world.principal).post(unlock_url(world, one), {"reason": REASON})
    assert response.status_code == 409
    assert "đã ký nên không thể mở khóa" in response.content.decode()
    assert status_of(one) == Status.GVCN_SIGNED
    assert not StudentUnlock.objects.exists()
    assert events(EventTag.CLASS_EVALUATIONS_UNLOCKED) == []
    page = _client(world.principal).get(reverse("records:review", args=[world.cls.pk]))
    assert unlock_url(world, one) not in page.content.decode()


def test_a_student_of_an_open_class_is_not_unlocked(world):
    response = _client(world.principal).post(
        unlock_url(world, world.enrolments[0]), {"reason": REASON}
    )
    assert response.status_code == 409 and "chưa chốt" in response.content.decode()


def test_refinalising_is_blocked_by_an_error_then_succeeds_when_clean(finalised):
    world = finalised
    one = world.enrolments[0]
    _client(world.principal).post(unlock_url(world, one), {"reason": REASON})
    evaluation = SubjectEvaluation.objects.get(enrolment=one, subject_code="TOAN")
    score = evaluation.test_score
    SubjectEvaluation.objects.filter(pk=evaluation.pk).update(test_score=None)
    gvcn = _client(world.gvcn)
    blocked = gvcn.post(refinalise_url(world, one))
    assert blocked.status_code == 409
    assert one.student.full_name + ": Môn Toán" in blocked.content.decode()
    assert status_of(one) == Status.DRAFT
    assert StudentUnlock.objects.get(enrolment=one).relocked_at is None
    before = len(events(EventTag.CLASS_EVALUATIONS_FINALISED))
    # Fixed through the grid (the unlocked student's cell is editable), then finalised again.
    teacher = _client(world.teacher_tv)
    cell = subject_cell(world, one, "TOAN")
    assert teacher.post(cell, {"test_score": str(score)}).status_code == 404  # TOAN is not theirs
    assert gvcn.post(cell, {"test_score": str(score)}).status_code == 200
    response = gvcn.post(refinalise_url(world, one))
    assert response.status_code == 302
    assert status_of(one) == Status.FINAL
    assert StudentUnlock.objects.get(enrolment=one).relocked_at is not None
    assert review.read_only(world.cls) == {e.pk for e in world.enrolments}
    finalised_events = events(EventTag.CLASS_EVALUATIONS_FINALISED)
    assert len(finalised_events) == before + 1
    assert finalised_events[-1].data["enrolment"] == one.pk
    assert finalised_events[-1].actor_id == world.gvcn.pk
    assert gvcn.post(cell, {"comment": "Sau khi chốt lại."}).status_code == 409
    assert verify_chain() is None


def test_refinalising_a_student_who_is_not_unlocked_is_refused(finalised):
    world = finalised
    response = _client(world.gvcn).post(refinalise_url(world, world.enrolments[0]))
    assert response.status_code == 409
    assert "không được mở khóa" in response.content.decode()


@pytest.mark.parametrize("who", ["principal", "teacher_tv", "gvcn_other", "stranger"])
def test_only_the_homeroom_teacher_refinalises(finalised, who, request):
    world = finalised
    one = world.enrolments[0]
    _client(world.principal).post(unlock_url(world, one), {"reason": REASON})
    user = request.getfixturevalue(who) if who == "stranger" else getattr(world, who)
    assert _client(user).post(refinalise_url(world, one)).status_code == 404
    assert status_of(one) == Status.DRAFT


def test_finalising_the_whole_class_again_closes_open_student_unlocks(finalised):
    world = finalised
    one = world.enrolments[0]
    _client(world.principal).post(unlock_url(world, one), {"reason": REASON})
    _client(world.principal).post(
        reverse("records:unlock", args=[world.cls.pk]), {"reason": REASON}
    )
    assert (
        _client(world.gvcn)
        .post(reverse("records:finalise", args=[world.cls.pk]), {"xac_nhan": "1"})
        .status_code
    )
    assert StudentUnlock.objects.get(enrolment=one).relocked_at is not None
    assert review.read_only(world.cls) == {e.pk for e in world.enrolments}
