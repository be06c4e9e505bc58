"""The import services: validate everything first, all-or-nothing, idempotent, audited."""

from __future__ import annotations

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.imports.services import apply_evaluations
from hocba.apps.records.models import RatingEvaluation, SubjectEvaluation
from hocba.ingest.rows import (
    Location,
    RatingRow,
    SubjectRow,
)


def _where(row: int, sheet: str = "Toán") -> Location:
    return Location(source="test.xlsx", sheet=sheet, row=row)


def _cols(**columns: str) -> dict[str, tuple[str, str]]:
    return {attr: (letter, attr) for attr, letter in columns.items()}


def test_evaluations_upsert_is_idempotent_and_audited(world):
    code = world.enrolments[0].student.student_code
    rows = [
        SubjectRow(
            _where(4),
            student_code=code,
            subject_code="TOAN",
            level="H",
            test_score=6,
            comment="Cần luyện thêm phép chia.",
        ),
        SubjectRow(_where(4, "Khoa học"), student_code=code, subject_code="KH", level="T"),
    ]
    ratings = [
        RatingRow(
            _where(4, "Phẩm chất"), student_code=code, kind="quality", code="yeu_nuoc", level="Đ"
        )
    ]
    events = AuditEvent.objects.count()
    first = apply_evaluations(world.school, world.year, rows, ratings, actor=None)
    assert first.changed
    toan = SubjectEvaluation.objects.get(enrolment=world.enrolments[0], subject_code="TOAN")
    assert (toan.level, toan.test_score, toan.comment) == ("H", 6, "Cần luyện thêm phép chia.")
    assert RatingEvaluation.objects.get(enrolment=world.enrolments[0], code="yeu_nuoc").level == "Đ"
    event = AuditEvent.objects.get(tag=EventTag.IMPORT_EVALUATIONS_APPLIED)
    assert AuditEvent.objects.count() == events + 1
    assert {
        "enrolment": world.enrolments[0].pk,
        "subject": "TOAN",
        "fields": ["level", "test_score", "comment"],
        "before": {"level": toan.level, "test_score": 6},
    } != event.data["changes"]
    again = apply_evaluations(world.school, world.year, rows, ratings, actor=None)
    assert (again.total_created, again.total_updated, again.total_unchanged) == (0, 0, 3)
    assert AuditEvent.objects.count() == events + 1
