"""Tenant isolation: which school a student belongs to, and the scoped lookups every writer
uses (issue #11). One hocba instance serves a whole province; schools never see or touch each
other's students.

The rule, in one place:
- A student belongs to the school of their current enrolment: the one of the latest school
  year, the open one (no ``left_on``) when a transfer left two in that year. A student never
  enrolled anywhere belongs to nobody and may be taken by the first school that enrols them.
- Only the owning school writes the student, their guardians, enrolments and family grants.
  Officers above it read (the policy); a school a student left keeps read access to its own
  past enrolments (the policy, per enrolment), never write access.
- Students move between schools only with a sealed transfer package (``apps.transfers``).
- A lookup by code is scoped to the acting school: a code of another school's student gets
  exactly the answer of a code nobody has (``UnknownStudent``), so codes, which are
  sequential, never reveal names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery

from hocba.apps.directory.errors import UnknownStudent
from hocba.apps.directory.models import Enrolment, School, Student

CHUNK = 900  # ids per query (SQLite caps the number of parameters)
NOT_OF_SCHOOL = "Học sinh không học tại trường này."
FROM_ANOTHER_SCHOOL = (
    "Học sinh từ trường khác được nhận bằng gói hồ sơ chuyển trường do trường cũ gửi "
    "(hocba transfer import)."
)


def _current_enrolment(student: OuterRef | int) -> QuerySet[Enrolment]:
    """The student's enrolments, the current one first: latest school year, then the open
    one, then the latest date of entry."""
    return Enrolment.objects.filter(student=student).order_by(
        "-school_class__school_year__start_date",
        F("left_on").asc(nulls_first=True),
        "-enrolled_on",
        "-pk",
    )


def _owner_column() -> Subquery:
    return Subquery(_current_enrolment(OuterRef("pk")).values("school_class__school_id")[:1])


def owning_school_id(student: Student | int) -> int | None:
    """The id of the school the student belongs to; None for a student never enrolled."""
    pk = student.pk if isinstance(student, Student) else student
    return _current_enrolment(pk).values_list("school_class__school_id", flat=True).first()


def owning_school(student: Student | int) -> School | None:
    """The school the student belongs to (with its org node); None when never enrolled."""
    school_id = owning_school_id(student)
    if school_id is None:
        return None
    return School.objects.select_related("org_unit").get(pk=school_id)


def owners(student_ids: Iterable[int]) -> dict[int, int]:
    """``{student id: owning school id}`` for many students (never-enrolled ones left out):
    one plain query per chunk, the current enrolment picked here in the order of
    ``_current_enrolment`` (cheaper than a correlated subquery per student)."""
    ids = sorted(set(student_ids))
    best: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = Enrolment.objects.filter(student_id__in=ids[start : start + CHUNK]).values_list(
            "student_id",
            "school_class__school_year__start_date",
            "left_on",
            "enrolled_on",
            "pk",
            "school_class__school_id",
        )
        for student, year_start, left_on, enrolled_on, pk, school in rows:
            key = (year_start, left_on is None, enrolled_on, pk, school)
            if student not in best or key > best[student]:
                best[student] = key
    return {student: key[-1] for student, key in best.items()}


def students_of(school: School) -> QuerySet[Student]:
    """The students who belong to ``school`` now (not those who left it). Candidates are the
    school's own enrolments, so the province's other students are never scanned."""
    here = Enrolment.objects.filter(school_class__school=school).values("student_id")
    return (
        Student.objects.filter(pk__in=here).annotate(owner=_owner_column()).filter(owner=school.pk)
    )


def may_write(school: School, student: Student, *, or_unowned: bool = False) -> bool:
    owner = owning_school_id(student)
    return owner == school.pk or (or_unowned and owner is None)


def require_student_of(school: School, student: Student, *, or_unowned: bool = False) -> None:
    """Raise ``UnknownStudent`` unless the student belongs to ``school`` (or, with
    ``or_unowned``, belongs to nobody yet and may be taken by this school)."""
    if not may_write(school, student, or_unowned=or_unowned):
        raise UnknownStudent(
            NOT_OF_SCHOOL, detail=f"student {student.pk} does not belong to school {school.pk}"
        )


def student_of_school(school: School, code: str, *, or_unowned: bool = False) -> Student:
    """The student with this code who belongs to ``school`` (or nobody, with ``or_unowned``),
    locked for the caller's transaction so two schools cannot take one student at once.

    An unknown code and another school's code raise the same ``UnknownStudent``."""
    code = code.strip()
    student = Student.objects.select_for_update().filter(student_code=code).first()
    if student is None or not may_write(school, student, or_unowned=or_unowned):
        raise UnknownStudent(
            f"Không có học sinh mã {code} ở trường này. {FROM_ANOTHER_SCHOOL}",
            detail=f"no student of school {school.pk} by code",
        )
    return student


def scope_path(student: Student) -> str:
    """The org path audit rows about this student are filed under: their school's."""
    school = owning_school(student)
    return school.org_unit.path if school is not None else ""
