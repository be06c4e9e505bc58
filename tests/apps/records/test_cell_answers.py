"""A grid cell always shows what is stored: a refused entry answers with its error for that
cell only and redraws the box (out of band) with the kept value; a saved entry answers
"Đã lưu" with no error beside it, the rules' findings going to their own place."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

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


def _subject_cell(world, subject="TV"):
    return reverse("records:subject_cell", args=[world.cls.pk, subject, world.enrolments[0].pk])


def _box(body: str, cid: str) -> str:
    """The markup of the box with id ``cid`` (an <input> or a whole <select>)."""
    found = re.search(rf'<select id="{cid}".*?</select>|<input id="{cid}"[^>]*>', body, re.S)
    assert found, f"no box {cid}"
    return found.group(0)


def _msg(body: str) -> str:
    """What goes into the cell's message span: the answer before any out-of-band part."""
    return re.split(r"<(?:input|select|div) id=", body, maxsplit=1)[0]


def test_a_refused_score_puts_the_stored_score_back_and_shows_only_the_error(world):
    enrolment = world.enrolments[0]
    SubjectEvaluation.objects.filter(enrolment=enrolment, subject_code="TV").update(test_score=9)
    response = _client(world.teacher_tv).post(_subject_cell(world), {"test_score": "11"})
    body = response.content.decode()
    assert response.status_code == 422
    assert "số nguyên từ 0 đến 10" in _msg(body) and 'role="alert"' in _msg(body)
    assert "Đã lưu" not in body
    box = _box(body, f"c-{enrolment.pk}-test_score")
    assert 'value="9"' in box and 'hx-swap-oob="true"' in box and "disabled" not in box
    # only the box that was changed is redrawn
    assert f'id="c-{enrolment.pk}-level"' not in body
    assert f'id="c-{enrolment.pk}-comment"' not in body


def test_a_refused_level_selects_the_stored_level_again(world):
    enrolment = world.enrolments[0]
    SubjectEvaluation.objects.filter(enrolment=enrolment, subject_code="TV").update(level="H")
    response = _client(world.teacher_tv).post(_subject_cell(world), {"level": "X"})
    assert response.status_code == 422
    box = _box(response.content.decode(), f"c-{enrolment.pk}-level")
    assert '<option value="H" selected>' in box and "selected" not in box.replace(
        '<option value="H" selected>', ""
    )


def test_the_grid_page_and_the_answer_draw_the_same_box(world):
    enrolment = world.enrolments[0]
    client = _client(world.teacher_tv)
    page = client.get(reverse("records:subject_grid", args=[world.cls.pk, "TV"])).content.decode()
    answer = client.post(_subject_cell(world), {"test_score": "mười"}).content.decode()
    cid = f"c-{enrolment.pk}-test_score"
    assert _box(answer, cid).replace(' hx-swap-oob="true"', "") == _box(page, cid)


def test_a_refused_entry_in_a_finalised_class_redraws_the_box_locked(world):
    enrolment = world.enrolments[0]
    ClassFinalisation.objects.create(school_class=world.cls, finalised_at="2025-05-25T10:00Z")
    stored = SubjectEvaluation.objects.get(enrolment=enrolment, subject_code="TV").comment
    response = _client(world.teacher_tv).post(_subject_cell(world), {"comment": "Sửa sau khi chốt"})
    assert response.status_code == 409
    body = response.content.decode()
    box = _box(body, f"c-{enrolment.pk}-comment")
    assert "Sửa sau khi chốt" not in body and " disabled" in box
    assert f'value="{stored}"' in box


def test_a_saved_entry_answers_saved_with_no_error_beside_it(world):
    enrolment = world.enrolments[0]
    SubjectEvaluation.objects.filter(enrolment=enrolment, subject_code="TV").update(
        level="T", comment=""
    )
    response = _client(world.teacher_tv).post(_subject_cell(world), {"level": "C"})
    body = response.content.decode()
    assert response.status_code == 200
    msg = _msg(body)
    assert "Đã lưu" in msg
    assert 'class="bad"' not in msg and "alert" not in msg and "nhận xét" not in msg
    # the finding (a C needs a comment, TT27 Art. 9) goes to the row's findings only
    findings = body.split(f'<div id="f-{enrolment.pk}"', 1)[1]
    assert "Chưa hoàn thành cần có nhận xét" in findings
    # no box is redrawn over what the teacher typed
    assert f'id="c-{enrolment.pk}-' not in body


def test_fixing_the_comment_clears_the_rows_finding(world):
    enrolment = world.enrolments[0]
    SubjectEvaluation.objects.filter(enrolment=enrolment, subject_code="TV").update(
        level="C", comment=""
    )
    client = _client(world.teacher_tv)
    page = client.get(reverse("records:subject_grid", args=[world.cls.pk, "TV"])).content.decode()
    assert "Chưa hoàn thành cần có nhận xét" in page
    body = client.post(_subject_cell(world), {"comment": "Cần luyện đọc thêm."}).content.decode()
    findings = body.split(f'<div id="f-{enrolment.pk}"', 1)[1]
    assert 'hx-swap-oob="true"' in findings[:80]
    assert "cần có nhận xét" not in findings


def _rating_cell(world, code="yeu_nuoc"):
    return reverse(
        "records:rating_cell", args=[world.cls.pk, world.enrolments[0].pk, "quality", code]
    )


def test_a_refused_rating_level_puts_the_stored_level_back(world):
    enrolment = world.enrolments[0]
    RatingEvaluation.objects.filter(enrolment=enrolment, code="yeu_nuoc").update(level="Đ")
    response = _client(world.gvcn).post(_rating_cell(world), {"level": "H"})
    body = response.content.decode()
    assert response.status_code == 422
    assert "T, Đ hoặc C" in _msg(body) and "Đã lưu" not in body
    box = _box(body, f"c-{enrolment.pk}-quality-yeu_nuoc-level")
    assert '<option value="Đ" selected>' in box


def test_a_saved_rating_sends_its_findings_to_the_cells_own_place(world):
    enrolment = world.enrolments[0]
    response = _client(world.gvcn).post(_rating_cell(world), {"comment": "Yêu quê hương."})
    body = response.content.decode()
    assert response.status_code == 200 and "Đã lưu" in _msg(body)
    assert f'<div id="f-{enrolment.pk}-quality-yeu_nuoc" class="findings" hx-swap-oob' in body
    grid = _client(world.gvcn).get(reverse("records:rating_grid", args=[world.cls.pk]))
    assert f'id="f-{enrolment.pk}-quality-yeu_nuoc"' in grid.content.decode()


def test_a_refused_height_puts_the_stored_height_back(world):
    enrolment = world.enrolments[0]
    YearSummary.objects.update_or_create(enrolment=enrolment, defaults={"height_cm": 131})
    url = reverse("records:summary_cell", args=[world.cls.pk, enrolment.pk])
    response = _client(world.gvcn).post(url, {"height_cm": "300"})
    body = response.content.decode()
    assert response.status_code == 422
    assert "Chiều cao (cm) phải là số nguyên từ 50 đến 250" in _msg(body)
    assert 'value="131"' in _box(body, f"c-{enrolment.pk}-height_cm")
    assert "Đã lưu" not in body


@pytest.mark.parametrize("who", ["gvcn_other", "parent", "principal"])
def test_others_get_a_404_and_no_stored_value(world, who):
    enrolment = world.enrolments[0]
    url = reverse("records:summary_cell", args=[world.cls.pk, enrolment.pk])
    response = _client(getattr(world, who)).post(url, {"height_cm": "300"})
    assert response.status_code == 404
    assert f"c-{enrolment.pk}-" not in response.content.decode()


def test_a_principal_of_another_school_gets_a_404_and_no_stored_value(world, stranger):
    response = _client(stranger).post(_subject_cell(world), {"test_score": "11"})
    assert response.status_code == 404
    assert f"c-{world.enrolments[0].pk}-" not in response.content.decode()
