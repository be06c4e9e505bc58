"""Class review, finalising (blocked by error findings), the principal's list and unlock."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.services import verify_chain
from hocba.apps.audit.tags import EventTag
from hocba.apps.records.models import (
    ClassFinalisation,
    RecordVersion,
    SubjectEvaluation,
    YearSummary,
)
from hocba.apps.records.services import build_record
from hocba.rules import tt27

pytestmark = pytest.mark.django_db
Status = RecordVersion.Status

CONFIRMED = {"xac_nhan": "1"}  # the finalise form's checkbox


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name, world):
    return reverse(f"records:{name}", args=[world.cls.pk])


def statuses(world):
    return sorted(
        RecordVersion.objects.filter(enrolment__school_class=world.cls).values_list(
            "status", flat=True
        )
    )


def events(tag):
    return list(AuditEvent.objects.filter(tag=str(tag)))


def break_a_score(world):
    SubjectEvaluation.objects.filter(enrolment=world.enrolments[1], subject_code="TOAN").update(
        test_score=None
    )


# --- review ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["gvcn", "principal"])
def test_the_review_shows_every_student_with_result_and_chart(world, who):
    response = _client(getattr(world, who)).get(url("review", world))
    body = response.content.decode()
    assert response.status_code == 200
    for enrolment in world.enrolments:
        assert enrolment.student.full_name in body
        result = tt27.overall_result(build_record(enrolment))
        assert result.label_vi in body
    assert "<svg" in body and "Phân bố kết quả giáo dục" in body
    assert ("Chốt dữ liệu lớp" in body) is (who == "gvcn")


def test_the_review_lists_error_findings_in_red(world):
    break_a_score(world)
    body = _client(world.gvcn).get(url("review", world)).content.decode()
    assert 'class="bad">Môn Toán lớp 3 có kiểm tra định kỳ cuối năm nhưng thiếu điểm.' in body
    assert "Còn 1 lỗi" in body


@pytest.mark.parametrize("who", ["teacher_tv", "gvcn_other", "parent"])
def test_others_cannot_review_or_finalise(world, who):
    client = _client(getattr(world, who))
    assert client.get(url("review", world)).status_code == 404
    assert client.post(url("finalise", world), CONFIRMED).status_code == 404
    assert not ClassFinalisation.objects.exists()


def test_the_principal_reviews_but_does_not_finalise(world):
    assert _client(world.principal).post(url("finalise", world), CONFIRMED).status_code == 404


# --- finalise ----------------------------------------------------------------------------------


def test_finalising_is_blocked_while_an_error_finding_exists(world):
    break_a_score(world)
    response = _client(world.gvcn).post(url("finalise", world), CONFIRMED)
    body = response.content.decode()
    assert response.status_code == 409
    assert "Chưa thể chốt lớp: còn 1 lỗi" in body
    assert world.enrolments[1].student.full_name + ": Môn Toán" in body
    assert not ClassFinalisation.objects.exists()
    assert Status.FINAL not in statuses(world)
    assert events(EventTag.CLASS_EVALUATIONS_FINALISED) == []


def test_finalising_a_clean_class_states_results_builds_records_and_locks(world):
    YearSummary.objects.filter(enrolment__in=world.enrolments).update(overall_result="")
    response = _client(world.gvcn).post(url("finalise", world), CONFIRMED)
    assert response.status_code == 302
    assert response["Location"] == url("review", world)
    finalisation = ClassFinalisation.objects.get(school_class=world.cls)
    assert finalisation.locked and finalisation.finalised_by_id == world.gvcn.pk
    assert statuses(world) == [Status.FINAL] * 3
    for enrolment in world.enrolments:
        record = build_record(enrolment)
        summary = YearSummary.objects.get(enrolment=enrolment)
        assert summary.overall_result == tt27.overall_result(record).value
        assert [f for f in tt27.evaluate(record) if f.is_error] == []
        version = RecordVersion.objects.get(enrolment=enrolment)
        assert version.overall_result == summary.overall_result
    (event,) = events(EventTag.CLASS_EVALUATIONS_FINALISED)
    assert event.data["class"] == world.cls.pk and len(event.data["record_versions"]) == 3
    assert verify_chain() is None
    page = _client(world.gvcn).get(url("review", world)).content.decode()
    assert "Lớp đã chốt dữ liệu" in page and "Chốt dữ liệu lớp</button>" not in page


def test_the_finalise_form_says_what_locking_means_and_asks_for_a_tick(world):
    page = _client(world.gvcn).get(url("review", world)).content.decode()
    form = page.split('id="finalise"', 1)[1].split("</form>", 1)[0]
    assert "khóa dữ liệu của cả lớp" in form and "hiệu trưởng mở khóa" in form
    assert 'type="checkbox" name="xac_nhan" value="1" required' in form


def test_finalising_without_the_tick_locks_nothing(world):
    response = _client(world.gvcn).post(url("finalise", world))
    assert response.status_code == 422
    assert "Hãy đánh dấu ô xác nhận" in response.content.decode()
    assert not ClassFinalisation.objects.filter(school_class=world.cls).exists()
    assert events(EventTag.CLASS_EVALUATIONS_FINALISED) == []


def test_after_finalising_the_page_leads_the_homeroom_teacher_to_signing(world):
    response = _client(world.gvcn).post(url("finalise", world), CONFIRMED, follow=True)
    page = response.content.decode()
    signing = reverse("signing:class", args=[world.cls.pk])
    assert f'<a class="button" href="{signing}">Ký học bạ của lớp</a>' in page
    assert "muốn sửa cần hiệu trưởng mở khóa" in page
    # the principal sees the way to the signing progress, not the homeroom teacher's button
    principal = _client(world.principal).get(url("review", world)).content.decode()
    assert f'href="{signing}">Xem tiến độ ký học bạ' in principal
    assert "Ký học bạ của lớp</a>" not in principal


@pytest.mark.parametrize("who", ["gvcn_other", "principal", "stranger"])
def test_a_ticked_finalise_by_anyone_else_is_a_404(world, who, request):
    user = request.getfixturevalue("stranger") if who == "stranger" else getattr(world, who)
    assert _client(user).post(url("finalise", world), CONFIRMED).status_code == 404
    assert not ClassFinalisation.objects.filter(school_class=world.cls).exists()


def test_finalising_twice_is_refused(world):
    client = _client(world.gvcn)
    client.post(url("finalise", world), CONFIRMED)
    response = client.post(url("finalise", world), CONFIRMED)
    assert response.status_code == 409
    assert "Lớp đã được chốt" in response.content.decode()
    assert len(events(EventTag.CLASS_EVALUATIONS_FINALISED)) == 1


# --- principal: list and unlock ----------------------------------------------------------------


def test_the_principal_lists_the_school_classes_with_their_state(world):
    _client(world.gvcn).post(url("finalise", world), CONFIRMED)
    response = _client(world.principal).get(reverse("records:classes"))
    body = response.content.decode()
    assert response.status_code == 200
    assert f">{world.cls.name}</a>" in body and f">{world.other.name}</a>" in body
    assert "Đã chốt" in body and "100%" in body
    assert url("unlock", world) in body


@pytest.mark.parametrize("who", ["parent", "stranger", None])
def test_the_class_list_is_a_404_outside_a_school(world, who, request):
    user = request.getfixturevalue(who) if who == "stranger" else getattr(world, who or "", None)
    client = _client(user) if user else Client()
    response = client.get(reverse("records:classes"))
    assert response.status_code == (302 if user is None else 404)


def test_the_homeroom_teacher_sees_only_their_class_in_the_list(world):
    body = _client(world.gvcn).get(reverse("records:classes")).content.decode()
    assert f">{world.cls.name}</a>" in body and f">{world.other.name}</a>" not in body
    assert "Mở khóa</a>" not in body


def test_unlocking_needs_a_written_reason(world):
    _client(world.gvcn).post(url("finalise", world), CONFIRMED)
    client = _client(world.principal)
    assert client.get(url("unlock", world)).status_code == 200
    for reason, message in [("", "Cần ghi lý do mở khóa."), ("sửa", "ít nhất 10 ký tự")]:
        response = client.post(url("unlock", world), {"reason": reason})
        assert response.status_code == 422
        assert message in response.content.decode()
    assert ClassFinalisation.objects.get(school_class=world.cls).locked
    assert events(EventTag.CLASS_EVALUATIONS_UNLOCKED) == []


@pytest.mark.parametrize("who", ["gvcn", "teacher_tv", "parent", "stranger"])
def test_only_the_school_principal_unlocks(world, who, request):
    _client(world.gvcn).post(url("finalise", world), CONFIRMED)
    user = request.getfixturevalue(who) if who == "stranger" else getattr(world, who)
    response = _client(user).post(url("unlock", world), {"reason": "Giáo viên đề nghị sửa điểm."})
    assert response.status_code == 404
    assert ClassFinalisation.objects.get(school_class=world.cls).locked


def test_unlocking_reopens_unsigned_records_and_never_touches_signed_ones(world):
    _client(world.gvcn).post(url("finalise", world), CONFIRMED)
    signed = RecordVersion.objects.get(enrolment=world.enrolments[0])
    RecordVersion.objects.filter(pk=signed.pk).update(status=Status.GVCN_SIGNED)
    reason = "GVCN đề nghị sửa nhận xét môn Toán của một học sinh."
    response = _client(world.principal).post(url("unlock", world), {"reason": reason})
    assert response.status_code == 302
    assert not ClassFinalisation.objects.get(school_class=world.cls).locked
    assert statuses(world) == sorted([Status.GVCN_SIGNED, Status.DRAFT, Status.DRAFT])
    (event,) = events(EventTag.CLASS_EVALUATIONS_UNLOCKED)
    assert event.actor_id == world.principal.pk and event.data["reason"] == reason
    assert signed.pk not in event.data["reopened_versions"]
    # The class is editable again, except for the student whose record is signed.
    teacher = _client(world.teacher_tv)
    open_cell = reverse("records:subject_cell", args=[world.cls.pk, "TV", world.enrolments[1].pk])
    signed_cell = reverse("records:subject_cell", args=[world.cls.pk, "TV", world.enrolments[0].pk])
    assert teacher.post(open_cell, {"comment": "Tiến bộ rõ."}).status_code == 200
    refused = teacher.post(signed_cell, {"comment": "Tiến bộ rõ."})
    assert refused.status_code == 409
    assert "phiên bản điều chỉnh" in refused.content.decode()
    # Finalising again leaves the signed record as it was.
    assert _client(world.gvcn).post(url("finalise", world), CONFIRMED).status_code == 302
    assert RecordVersion.objects.get(pk=signed.pk).status == Status.GVCN_SIGNED
    assert statuses(world) == sorted([Status.GVCN_SIGNED, Status.FINAL, Status.FINAL])


def test_unlocking_an_open_class_is_refused(world):
    response = _client(world.principal).post(
        url("unlock", world), {"reason": "Giáo viên đề nghị sửa điểm."}
    )
    assert response.status_code == 409
    assert "chưa chốt" in response.content.decode()
