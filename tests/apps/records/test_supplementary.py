"""The summer supplementary assessment and the principal's promotion decision (TT27 Art. 11):
entered after finalising, while the student's record waits ("chờ đánh giá bổ sung")."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.services import verify_chain
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import Enrolment
from hocba.apps.records import workflow, yearend
from hocba.apps.records.errors import EntryRefused, InvalidEntry
from hocba.apps.records.models import RecordVersion
from hocba.apps.records.services import build_record
from hocba.rules import tt27
from hocba.spec import SupplementaryAssessment

from .results import set_result

pytestmark = pytest.mark.django_db
S = RecordVersion.Status
DAY = "2025-08-10"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def status(enrolment) -> str:
    return RecordVersion.objects.filter(enrolment=enrolment).order_by("-version").first().status


def finalised_with_one_not_completed(world) -> Enrolment:
    student = world.enrolments[1]
    set_result(student, "CHT")
    workflow.finalise_class(world.gvcn, world.cls)
    return student


def entry_url(world, enrolment):
    return reverse("records:supplementary_student", args=[world.cls.pk, enrolment.pk])


def decide_url(world, enrolment):
    return reverse("records:decide_promotion", args=[world.cls.pk, enrolment.pk])


def assessment(level: str, score: int) -> SupplementaryAssessment:
    return SupplementaryAssessment.model_validate_json(
        json.dumps(
            {
                "assessed_on": DAY,
                "subjects": [{"code": "TOAN", "level": level, "test_score": score}],
            }
        )
    )


def test_finalising_keeps_a_not_completed_student_waiting_and_the_others_ready_to_sign(world):
    student = finalised_with_one_not_completed(world)
    assert status(student) == S.SUPPLEMENTARY
    others = [e for e in world.enrolments if e != student]
    assert [status(e) for e in others] == [S.FINAL, S.FINAL]
    body = _client(world.gvcn).get(reverse("records:supplementary", args=[world.cls.pk]))
    text = body.content.decode()
    assert student.student.full_name in text and "Chờ đánh giá bổ sung" in text
    assert all(e.student.full_name not in text for e in others)


def test_a_supplementary_assessment_that_completes_the_student_makes_the_record_ready_to_sign(
    world,
):
    student = finalised_with_one_not_completed(world)
    response = _client(world.gvcn).post(
        entry_url(world, student), {"assessed_on": DAY, "level_TOAN": "H", "score_TOAN": "6"}
    )
    assert response.status_code == 302
    assert status(student) == S.FINAL
    record = build_record(student)
    assert record.overall_result.value == "CHT"  # the year-end result stays as it was
    assert record.supplementary.subjects[0].test_score == 6
    assert record.completion.statement == "Hoàn thành chương trình lớp 3"
    assert [f for f in tt27.evaluate(record) if f.is_error] == []
    event = AuditEvent.objects.get(tag=str(EventTag.EVALUATION_SUPPLEMENTARY_CHANGED))
    assert event.data["status"] == S.FINAL and event.data["result_after"] == "HT"
    assert verify_chain() is None


def test_still_not_completed_waits_for_the_principal_whose_decision_makes_it_ready(world):
    student = finalised_with_one_not_completed(world)
    yearend.save_supplementary(world.gvcn, student, assessment("C", 4))
    assert status(student) == S.SUPPLEMENTARY
    page = _client(world.principal).get(reverse("records:supplementary", args=[world.cls.pk]))
    assert decide_url(world, student) in page.content.decode()
    response = _client(world.principal).post(
        decide_url(world, student), {"decision": "chua_duoc_len_lop", "decided_on": DAY}
    )
    assert response.status_code == 302
    assert status(student) == S.FINAL
    record = build_record(student)
    assert record.promotion.decision.value == "chua_duoc_len_lop"
    assert record.completion.completed is False
    assert [f for f in tt27.evaluate(record) if f.is_error] == []
    assert AuditEvent.objects.filter(tag=str(EventTag.EVALUATION_PROMOTION_DECIDED)).count() == 1


def test_a_decision_is_refused_before_the_supplementary_assessment_or_once_completed(world):
    student = finalised_with_one_not_completed(world)
    with pytest.raises(InvalidEntry):
        yearend.decide_promotion(
            world.principal, student, "duoc_len_lop", build_record(student).dated
        )
    yearend.save_supplementary(world.gvcn, student, assessment("H", 7))
    with pytest.raises(EntryRefused):  # the record is ready: nothing waits any more
        yearend.decide_promotion(
            world.principal, student, "duoc_len_lop", build_record(student).dated
        )


def test_grade_five_has_no_promotion_decision_only_completion_of_primary_school(world):
    grade_5 = Enrolment.objects.filter(school_class__grade=5).select_related("school_class")
    student = grade_5.first()
    cls = student.school_class
    set_result(student, "CHT")
    workflow.finalise_class(world.principal, cls)
    assert status(student) == S.SUPPLEMENTARY
    yearend.save_supplementary(world.gvcn, student, assessment("C", 3))
    assert status(student) == S.FINAL  # no decision to wait for at grade 5
    record = build_record(student)
    assert record.completion.completed is False and record.promotion is None
    with pytest.raises(EntryRefused):
        yearend.decide_promotion(world.principal, student, "duoc_len_lop", record.dated)


def test_grade_five_decision_is_refused_while_waiting(world):
    student = Enrolment.objects.filter(school_class__grade=5).first()
    set_result(student, "CHT")
    workflow.finalise_class(world.principal, student.school_class)
    with pytest.raises(InvalidEntry) as exc:
        yearend.decide_promotion(
            world.principal, student, "duoc_len_lop", build_record(student).dated
        )
    assert "Lớp 5 không có quyết định lên lớp" in exc.value.message_vi


def test_supplementary_entry_before_finalising_is_refused(world):
    student = world.enrolments[1]
    set_result(student, "CHT")
    response = _client(world.gvcn).post(
        entry_url(world, student), {"assessed_on": DAY, "level_TOAN": "H", "score_TOAN": "6"}
    )
    assert response.status_code == 409
    assert "sau khi lớp đã chốt" in response.content.decode()
    assert build_record(student).supplementary is None


def test_the_entry_form_says_what_is_missing(world):
    student = finalised_with_one_not_completed(world)
    response = _client(world.gvcn).post(entry_url(world, student), {"score_TOAN": "11"})
    body = response.content.decode()
    assert response.status_code == 422
    assert "Cần ghi ngày đánh giá bổ sung." in body
    assert "Cần chọn mức đạt được sau đánh giá bổ sung của môn Toán." in body
    assert status(student) == S.SUPPLEMENTARY


def test_a_supplementary_assessment_is_corrected_after_the_principal_unlocks_the_student(world):
    student = finalised_with_one_not_completed(world)
    yearend.save_supplementary(world.gvcn, student, assessment("H", 6))
    assert status(student) == S.FINAL
    with pytest.raises(EntryRefused):  # ready to sign: a change needs the principal
        yearend.save_supplementary(world.gvcn, student, assessment("H", 8))
    workflow.unlock_student(world.principal, student, "Nhập nhầm điểm kiểm tra bổ sung.")
    assert yearend.save_supplementary(world.gvcn, student, assessment("H", 8)) == S.DRAFT
    workflow.finalise_student(world.gvcn, student)
    assert status(student) == S.FINAL
    assert build_record(student).supplementary.subjects[0].test_score == 8


def test_unlocking_the_class_reopens_a_waiting_record(world):
    student = finalised_with_one_not_completed(world)
    workflow.unlock_class(world.principal, world.cls, "Sửa điểm môn Tiếng Việt của lớp.")
    assert status(student) == S.DRAFT


# --- who may -------------------------------------------------------------------------------------


def _user(world, who, request):
    return request.getfixturevalue("stranger") if who == "stranger" else getattr(world, who)


@pytest.mark.parametrize(
    ("who", "code"),
    [("gvcn", 200), ("principal", 200), ("teacher_tv", 404), ("gvcn_other", 404),
     ("parent", 404), ("stranger", 404)],
)  # fmt: skip
def test_the_supplementary_page_is_for_the_gvcn_and_the_school_leaders(world, who, code, request):
    finalised_with_one_not_completed(world)
    url = reverse("records:supplementary", args=[world.cls.pk])
    assert _client(_user(world, who, request)).get(url).status_code == code


@pytest.mark.parametrize(
    ("who", "code"),
    [("gvcn", 302), ("principal", 404), ("teacher_tv", 404), ("gvcn_other", 404),
     ("parent", 404), ("stranger", 404)],
)  # fmt: skip
def test_only_the_gvcn_enters_the_supplementary_assessment(world, who, code, request):
    student = finalised_with_one_not_completed(world)
    response = _client(_user(world, who, request)).post(
        entry_url(world, student), {"assessed_on": DAY, "level_TOAN": "H", "score_TOAN": "6"}
    )
    assert response.status_code == code
    assert status(student) == (S.FINAL if code == 302 else S.SUPPLEMENTARY)


@pytest.mark.parametrize(
    ("who", "code"),
    [("principal", 302), ("gvcn", 404), ("teacher_tv", 404), ("parent", 404), ("stranger", 404)],
)
def test_only_the_principal_of_the_school_decides_promotion(world, who, code, request):
    student = finalised_with_one_not_completed(world)
    yearend.save_supplementary(world.gvcn, student, assessment("C", 4))
    response = _client(_user(world, who, request)).post(
        decide_url(world, student), {"decision": "duoc_len_lop", "decided_on": DAY}
    )
    assert response.status_code == code
    assert status(student) == (S.FINAL if code == 302 else S.SUPPLEMENTARY)
