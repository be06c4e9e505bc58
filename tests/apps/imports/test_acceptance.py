"""Issue #6 acceptance: a 1,000-student school workbook with three seeded errors reports exactly
those three with their cells and writes nothing; fixed, it imports; imported again, nothing
changes. The workbooks are generated once per module (no database needed to build them)."""

from __future__ import annotations

import pytest

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.imports.workbook import import_workbook
from hocba.apps.records.models import RatingEvaluation, SubjectEvaluation
from hocba.bench.imports import build_school, evaluation_values, school_roster, school_workbook
from hocba.ingest.read import read_workbook
from hocba.ingest.rows import ImportRejected, SubjectRow
from hocba.ingest.templates import TemplateStudent

CODE = "ACCEPT-1000"
ROSTER = school_roster(CODE, 1000)
VALUES = evaluation_values(ROSTER.students)
GHOST = TemplateStudent(f"{CODE}-99999", "Học Sinh Không Có", "4A", 4)


def _seeded() -> list:
    """Three errors: a decimal score, a level nobody uses, a student who does not exist."""
    out = []
    decimal_done = level_done = False
    for v in VALUES:
        if (
            not decimal_done
            and isinstance(v, SubjectRow)
            and v.subject_code == "TOAN"
            and v.test_score is not None
            and v.student_code.endswith("0500")
        ):
            v = SubjectRow(v.where, **{**_fields(v), "test_score": 7.5})
            decimal_done = True
        elif (
            not level_done
            and isinstance(v, SubjectRow)
            and v.subject_code == "TV"
            and v.student_code.endswith("0777")
        ):
            v = SubjectRow(v.where, **{**_fields(v), "level": "Giỏi"})
            level_done = True
        out.append(v)
    assert decimal_done and level_done
    out.append(SubjectRow(VALUES[0].where, student_code=GHOST.student_code, subject_code="KH",
                          level="T", test_score=8))  # fmt: skip
    return out


def _fields(row: SubjectRow) -> dict:
    names = ("student_code", "subject_code", "class_name", "mid_term_1_level", "mid_term_1_score",
             "end_term_1_level", "end_term_1_score", "mid_term_2_level", "mid_term_2_score",
             "level", "test_score", "comment")  # fmt: skip
    return {n: getattr(row, n) for n in names}


@pytest.fixture(scope="module")
def workbooks() -> tuple[bytes, bytes]:
    students = [*ROSTER.students, GHOST]
    bad = school_workbook(students, _seeded())
    good = school_workbook(ROSTER.students, VALUES)
    return bad, good


def _where_is(data: bytes, sheet: str, code: str) -> int:
    parsed = read_workbook(data, source="x", school_year="2024-2025")
    return next(r.where.row for r in parsed.subjects
                if r.where.sheet == sheet and r.student_code == code)  # fmt: skip


@pytest.mark.slow
def test_a_school_workbook_with_three_errors_then_fixed_then_again(db, workbooks):
    bad, good = workbooks
    bench = build_school(CODE, 1000)
    parsed = read_workbook(bad, source="truong.xlsx", school_year=bench.year.code)
    assert parsed.cells > 85_000
    events = AuditEvent.objects.count()
    with pytest.raises(ImportRejected) as err:
        import_workbook(bench.school, bench.year, parsed, actor=None)
    problems = err.value.problems
    toan_row = _where_is(bad, "Toán", f"{CODE}-00500")
    tv_row = _where_is(bad, "Tiếng Việt", f"{CODE}-00777")
    kh_row = _where_is(bad, "Khoa học", GHOST.student_code)
    assert [(p.where.sheet, p.where.cell, p.value, p.code) for p in problems] == [
        ("Khoa học", f"A{kh_row}", GHOST.student_code, "student.unknown"),
        ("Tiếng Việt", f"J{tv_row}", "Giỏi", "value.level"),
        ("Toán", f"K{toan_row}", "7.5", "value.score_decimal"),
    ]
    assert all(p.message_vi and p.where.field for p in problems)
    assert (
        SubjectEvaluation.objects.filter(enrolment__school_class__school=bench.school).count() == 0
    )
    assert AuditEvent.objects.count() == events  # nothing written at all

    parsed = read_workbook(good, source="truong.xlsx", school_year=bench.year.code)
    first = import_workbook(bench.school, bench.year, parsed, actor=None)
    n_subjects = sum(1 for v in VALUES if isinstance(v, SubjectRow))
    assert first.created == {"subjects": n_subjects, "ratings": 15_000}
    assert AuditEvent.objects.filter(tag=EventTag.IMPORT_EVALUATIONS_APPLIED).count() == 1
    stored = SubjectEvaluation.objects.filter(enrolment__school_class__school=bench.school)
    assert stored.count() == n_subjects
    assert (
        RatingEvaluation.objects.filter(enrolment__school_class__school=bench.school).count()
        == 15_000
    )

    state = (list(stored.order_by("pk").values_list()), AuditEvent.objects.count())
    again = import_workbook(bench.school, bench.year, read_workbook(good, source="truong.xlsx",
                            school_year=bench.year.code), actor=None)  # fmt: skip
    assert (again.total_created, again.total_updated) == (0, 0)
    assert again.total_unchanged == n_subjects + 15_000
    assert (list(stored.order_by("pk").values_list()), AuditEvent.objects.count()) == state
