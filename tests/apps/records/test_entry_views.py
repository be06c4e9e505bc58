"""Subject, rating and summary grids: who may open them, autosave, validation, locks."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.records.models import (
    ClassFinalisation,
    RatingEvaluation,
    SubjectEvaluation,
    YearSummary,
)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def grid(world, subject="TV"):
    return reverse("records:subject_grid", args=[world.cls.pk, subject])


def cell(world, subject="TV", enrolment=None):
    enrolment = enrolment or world.enrolments[0]
    return reverse("records:subject_cell", args=[world.cls.pk, subject, enrolment.pk])


def events(tag):
    return list(AuditEvent.objects.filter(tag=str(tag)).order_by("seq"))


# --- who may open the subject grid ------------------------------------------------------------


def test_the_subject_teacher_sees_the_grid_of_their_class_and_subject(world):
    response = _client(world.teacher_tv).get(grid(world))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Tiếng Việt — lớp" in body
    assert 'name="test_score"' in body  # TV is tested in grade 3
    for enrolment in world.enrolments:
        assert enrolment.student.full_name in body
    assert 'hx-trigger="change"' in body and "data-c=" in body


def test_an_untested_subject_has_no_score_column(world):
    body = _client(world.gvcn).get(grid(world, "DD")).content.decode()
    assert 'name="level"' in body and 'name="test_score"' not in body


def test_the_homeroom_teacher_may_open_every_subject_of_the_class(world):
    client = _client(world.gvcn)
    assert client.get(grid(world, "TOAN")).status_code == 200
    assert client.get(reverse("records:class", args=[world.cls.pk])).status_code == 200


@pytest.mark.parametrize(
    ("who", "subject"),
    [("teacher_tv", "TOAN"), ("gvcn_other", "TV"), ("parent", "TV"), ("principal", "TV")],
    ids=["other-subject", "other-class-gvcn", "parent", "principal-does-not-enter"],
)
def test_one_step_outside_the_grant_is_a_404(world, who, subject):
    client = _client(getattr(world, who))
    assert client.get(grid(world, subject)).status_code == 404
    assert client.post(cell(world, subject), {"level": "T"}).status_code == 404


def test_a_subject_outside_the_grade_catalog_is_a_404(world):
    assert _client(world.gvcn).get(grid(world, "KH")).status_code == 404  # grade 4–5 only


def test_a_student_of_another_class_cannot_be_written_through_this_class(world):
    other_enrolment = world.other.enrolments.first()
    response = _client(world.gvcn).post(cell(world, enrolment=other_enrolment), {"level": "T"})
    assert response.status_code == 404


def test_anonymous_users_are_sent_to_login(world):
    response = Client().get(grid(world))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- autosave ----------------------------------------------------------------------------------


def test_a_changed_level_is_saved_audited_and_the_rule_warning_shown(world):
    enrolment = world.enrolments[0]
    SubjectEvaluation.objects.filter(enrolment=enrolment, subject_code="TV").update(
        level="T", comment=""
    )
    response = _client(world.teacher_tv).post(cell(world), {"level": "C"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đã lưu" in body
    assert "Chưa hoàn thành cần có nhận xét" in body  # TT27 Art. 9: a C needs a comment
    assert f'id="f-{enrolment.pk}"' in body and "hx-swap-oob" in body
    assert SubjectEvaluation.objects.get(enrolment=enrolment, subject_code="TV").level == "C"
    (event,) = events(EventTag.EVALUATION_SUBJECT_CHANGED)
    assert event.actor_id == world.teacher_tv.pk
    assert event.data == {
        "enrolment": enrolment.pk,
        "subject": "TV",
        "fields": ["level"],
        "before": {"level": "T"},
        "after": {"level": "C"},
    }
    assert event.scope_path == world.cls.school.org_unit.path


def test_a_comment_change_is_audited_without_its_text(world):
    _client(world.teacher_tv).post(cell(world), {"comment": "Đọc còn chậm, cần luyện thêm."})
    (event,) = events(EventTag.EVALUATION_SUBJECT_CHANGED)
    assert event.data["fields"] == ["comment"]
    assert "Đọc" not in str(event.data)


def test_saving_the_same_value_again_writes_no_event(world):
    enrolment = world.enrolments[0]
    level = SubjectEvaluation.objects.get(enrolment=enrolment, subject_code="TV").level
    response = _client(world.teacher_tv).post(cell(world), {"level": level})
    assert response.status_code == 200
    assert events(EventTag.EVALUATION_SUBJECT_CHANGED) == []


def test_a_valid_score_is_saved(world):
    response = _client(world.teacher_tv).post(cell(world), {"test_score": " 7 "})
    assert response.status_code == 200
    row = SubjectEvaluation.objects.get(enrolment=world.enrolments[0], subject_code="TV")
    assert row.test_score == 7


@pytest.mark.parametrize("bad", ["11", "8.5", "8,5", "-1", "mười", "100"])
def test_a_score_that_is_not_an_integer_from_0_to_10_is_refused_without_writing(world, bad):
    # TT27 Art. 7: periodic test scores are integers 0–10
    before = SubjectEvaluation.objects.get(enrolment=world.enrolments[0], subject_code="TV")
    response = _client(world.teacher_tv).post(cell(world), {"test_score": bad})
    assert response.status_code == 422
    assert "số nguyên từ 0 đến 10" in response.content.decode()
    after = SubjectEvaluation.objects.get(pk=before.pk)
    assert after.test_score == before.test_score and after.updated_at == before.updated_at
    assert events(EventTag.EVALUATION_SUBJECT_CHANGED) == []


def test_a_score_for_a_subject_without_periodic_test_is_refused(world):
    response = _client(world.gvcn).post(cell(world, "DD"), {"test_score": "9"})
    assert response.status_code == 422
    assert "không có kiểm tra định kỳ" in response.content.decode()
    row = SubjectEvaluation.objects.get(enrolment=world.enrolments[0], subject_code="DD")
    assert row.test_score is None


def test_an_unknown_level_is_refused(world):
    response = _client(world.teacher_tv).post(cell(world), {"level": "X"})
    assert response.status_code == 422
    assert "T, H hoặc C" in response.content.decode()


def test_a_finalised_class_refuses_edits_and_writes_nothing(world):
    ClassFinalisation.objects.create(school_class=world.cls, finalised_at="2025-05-25T10:00Z")
    client = _client(world.teacher_tv)
    before = SubjectEvaluation.objects.get(enrolment=world.enrolments[0], subject_code="TV")
    response = client.post(cell(world), {"level": "C" if before.level != "C" else "T"})
    assert response.status_code == 409
    assert "Lớp đã chốt dữ liệu" in response.content.decode()
    assert SubjectEvaluation.objects.get(pk=before.pk).level == before.level
    assert events(EventTag.EVALUATION_SUBJECT_CHANGED) == []
    assert "disabled" in client.get(grid(world)).content.decode()


# --- GVCN: ratings and year summary ------------------------------------------------------------


def rating_cell(world, kind="quality", code="yeu_nuoc"):
    return reverse("records:rating_cell", args=[world.cls.pk, world.enrolments[0].pk, kind, code])


def test_the_homeroom_teacher_rates_qualities_and_competences(world):
    client = _client(world.gvcn)
    body = client.get(reverse("records:rating_grid", args=[world.cls.pk])).content.decode()
    assert "Yêu nước" in body and "Tự chủ và tự học" in body
    RatingEvaluation.objects.filter(enrolment=world.enrolments[0], code="yeu_nuoc").update(
        level="T"
    )
    response = client.post(rating_cell(world), {"level": "Đ"})
    assert response.status_code == 200
    row = RatingEvaluation.objects.get(enrolment=world.enrolments[0], code="yeu_nuoc")
    assert row.level == "Đ"
    (event,) = events(EventTag.EVALUATION_RATING_CHANGED)
    assert event.data["code"] == "yeu_nuoc" and event.data["after"] == {"level": "Đ"}


def test_an_unknown_rating_is_refused(world):
    response = _client(world.gvcn).post(rating_cell(world, code="khong_co"), {"level": "T"})
    assert response.status_code == 422
    assert events(EventTag.EVALUATION_RATING_CHANGED) == []


@pytest.mark.parametrize("who", ["teacher_tv", "gvcn_other", "parent", "principal"])
def test_only_the_homeroom_teacher_rates(world, who):
    client = _client(getattr(world, who))
    assert client.get(reverse("records:rating_grid", args=[world.cls.pk])).status_code == 404
    assert client.post(rating_cell(world), {"level": "T"}).status_code == 404
    assert client.get(reverse("records:summary_grid", args=[world.cls.pk])).status_code == 404


def test_the_year_summary_is_saved_with_field_names_only_in_the_log(world):
    client = _client(world.gvcn)
    url = reverse("records:summary_cell", args=[world.cls.pk, world.enrolments[0].pk])
    assert client.get(reverse("records:summary_grid", args=[world.cls.pk])).status_code == 200
    refused = client.post(url, {"height_cm": "300"})
    assert refused.status_code == 422
    assert "Chiều cao (cm) phải là số nguyên từ 50 đến 250" in refused.content.decode()
    assert client.post(url, {"height_cm": "131"}).status_code == 200
    assert client.post(url, {"weight_kg": "28,5"}).status_code == 200
    summary = YearSummary.objects.get(enrolment=world.enrolments[0])
    assert summary.height_cm == 131 and str(summary.weight_kg) == "28.5"
    logged = events(EventTag.EVALUATION_SUMMARY_CHANGED)
    assert [e.data["fields"] for e in logged] == [["height_cm"], ["weight_kg"]]
    assert all(set(e.data) == {"enrolment", "fields"} for e in logged)  # no health values


# --- home page links ---------------------------------------------------------------------------


def test_the_home_page_links_each_role_to_its_work(world):
    home = reverse("accounts:home")
    teacher = _client(world.teacher_tv).get(home).content.decode()
    assert grid(world) in teacher and "Nhập đánh giá môn Tiếng Việt" in teacher
    gvcn = _client(world.gvcn).get(home).content.decode()
    for name in ("class", "rating_grid", "summary_grid", "review"):
        assert reverse(f"records:{name}", args=[world.cls.pk]) in gvcn
    assert reverse("records:classes") in _client(world.principal).get(home).content.decode()
    assert "/lop/" not in _client(world.parent).get(home).content.decode()
