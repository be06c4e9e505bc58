"""Workbooks in and out of the database: the templates pre-filled with what is stored, and the
import of a filled workbook (read, validate everything, write all or nothing).

Used by the web pages (one class) and by ``hocba import`` / ``hocba import-template`` (a whole
school, or some classes).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from django.db import transaction

from hocba.apps.directory.models import Enrolment, Guardianship, School, SchoolClass, SchoolYear
from hocba.apps.imports.services import apply_evaluations, apply_roster
from hocba.apps.records.models import RatingEvaluation, SubjectEvaluation
from hocba.ingest import layout as L
from hocba.ingest.read import ParsedWorkbook, read_workbook
from hocba.ingest.rows import (
    SUBJECT_VALUE_FIELDS,
    GuardianRow,
    ImportRejected,
    ImportSummary,
    IngestProblem,
    Location,
    RatingRow,
    RosterRow,
    SubjectRow,
)
from hocba.ingest.templates import TemplateStudent, evaluation_template, roster_template

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Abort(Exception):
    pass


def import_workbook(
    school: School,
    school_year: SchoolYear,
    parsed: ParsedWorkbook,
    *,
    actor: Any,
    only_class: SchoolClass | None = None,
    check: Callable[[ParsedWorkbook], list[IngestProblem]] | None = None,
) -> ImportSummary:
    """Apply a read workbook: the roster first, then evaluations, in ONE transaction; every
    problem (of the reading, of ``check`` and of the database checks) in one ``ImportRejected``."""
    problems = [*parsed.problems, *(check(parsed) if check else [])]
    summary = ImportSummary()
    try:
        with transaction.atomic():
            if parsed.roster:
                try:
                    summary.merge(
                        apply_roster(
                            school,
                            school_year,
                            parsed.roster,
                            actor=actor,
                            via="xlsx",
                            only_class=only_class,
                        )
                    )
                except ImportRejected as rejected:
                    # students the roster would add are unknown to the evaluation checks:
                    # report the roster's problems (and the reading's) first
                    problems += rejected.problems
                    raise _Abort from None
            if parsed.subjects or parsed.ratings:
                try:
                    summary.merge(
                        apply_evaluations(
                            school,
                            school_year,
                            parsed.subjects,
                            parsed.ratings,
                            actor=actor,
                            via="xlsx",
                            only_class=only_class,
                        )
                    )
                except ImportRejected as rejected:
                    problems += rejected.problems
            if problems:
                raise _Abort
    except _Abort:
        raise ImportRejected(problems) from None
    return summary


def read_upload(data: bytes, *, source: str, school_year: SchoolYear) -> ParsedWorkbook:
    return read_workbook(data, source=source, school_year=school_year.code)


def subject_check(
    subjects: Collection[str], ratings: bool
) -> Callable[[ParsedWorkbook], list[IngestProblem]]:
    """For a subject teacher: only the sheets of their subjects (and no qualities/competences
    unless ``ratings``), and no roster."""

    def check(parsed: ParsedWorkbook) -> list[IngestProblem]:
        out: dict[str, IngestProblem] = {}
        for row in parsed.subjects:
            if row.subject_code not in subjects and row.where.sheet not in out:
                out[row.where.sheet or ""] = IngestProblem(
                    Location(row.where.source, row.where.sheet, None, None, L.SUBJECT_FIELD),
                    row.where.sheet or "",
                    "subject.not_allowed",
                    "bạn không được phân công nhập đánh giá môn này",
                    "subject not assigned",
                )
        for row in parsed.ratings if not ratings else []:
            out.setdefault(
                row.where.sheet or "",
                IngestProblem(
                    Location(row.where.source, row.where.sheet),
                    row.where.sheet or "",
                    "rating.not_allowed",
                    "chỉ giáo viên chủ nhiệm nhập đánh giá phẩm chất, năng lực",
                    "ratings not allowed",
                ),
            )
        if parsed.roster:
            row = parsed.roster[0]
            out.setdefault(
                row.where.sheet or "",
                IngestProblem(
                    Location(row.where.source, row.where.sheet),
                    row.where.sheet or "",
                    "roster.not_allowed",
                    "chỉ giáo viên chủ nhiệm hoặc ban giám hiệu nhập danh sách học sinh",
                    "roster not allowed",
                ),
            )
        return list(out.values())

    return check


def roster_only(parsed: ParsedWorkbook) -> list[IngestProblem]:
    """For a roster upload: evaluations belong to their own template."""
    sheets = {r.where.sheet for r in (*parsed.subjects, *parsed.ratings)}
    return [
        IngestProblem(
            Location(parsed.source, s),
            s or "",
            "sheet.not_roster",
            f"trang này thuộc mẫu nhập đánh giá; mẫu danh sách chỉ có trang '{L.ROSTER_SHEET}'",
            "evaluation sheet in a roster upload",
        )
        for s in sorted(sheets, key=str)
    ]


# --- templates from the database ----------------------------------------------------------------


def _enrolments(classes: Sequence[SchoolClass]) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(school_class__in=classes, left_on__isnull=True)
        .select_related("student", "school_class")
        .order_by("school_class__grade", "school_class__name", "student__full_name", "pk")
    )


def roster_rows(classes: Sequence[SchoolClass]) -> list[RosterRow]:
    """The stored roster of ``classes`` as rows (to pre-fill the template)."""
    enrolments = _enrolments(classes)
    guardians: dict[int, list[GuardianRow]] = {}
    for link in (
        Guardianship.objects.filter(student_id__in=[e.student_id for e in enrolments])
        .select_related("guardian")
        .order_by("pk")
    ):
        g = link.guardian
        guardians.setdefault(link.student_id, []).append(
            GuardianRow(
                Location("db"),
                relation=link.relation,
                full_name=g.full_name,
                year_of_birth=g.year_of_birth,
                occupation=g.occupation,
                phone=g.phone,
            )
        )
    out = []
    for e in enrolments:
        s = e.student
        out.append(
            RosterRow(
                Location("db"),
                student_code=s.student_code,
                full_name=s.full_name,
                sex=s.sex,
                date_of_birth=s.date_of_birth,
                ethnicity=s.ethnicity,
                nationality=s.nationality,
                place_of_birth=s.place_of_birth,
                home_town=s.home_town,
                residence=s.residence,
                personal_id=s.personal_id,
                class_name=e.school_class.name,
                register_number=e.register_number,
                enrolled_on=e.enrolled_on,
                guardians=tuple(guardians.get(s.pk, [])),
            )
        )
    return out


def roster_workbook(
    school: School, school_year: SchoolYear, classes: Sequence[SchoolClass]
) -> bytes:
    names = [c.name for c in classes]
    return roster_template(
        school_name=school.name,
        school_year=school_year.code,
        class_names=names,
        rows=roster_rows(classes),
    )


def evaluation_workbook(
    school: School,
    school_year: SchoolYear,
    classes: Sequence[SchoolClass],
    *,
    subjects: Sequence[str] | None = None,
    ratings: bool = True,
) -> bytes:
    """The evaluation template of ``classes``, pre-filled with the stored evaluations."""
    enrolments = _enrolments(classes)
    by_pk = {e.pk: e for e in enrolments}
    students = [
        TemplateStudent(
            e.student.student_code, e.student.full_name, e.school_class.name, e.school_class.grade
        )
        for e in enrolments
    ]
    values: list[SubjectRow | RatingRow] = []
    subject_qs = SubjectEvaluation.objects.filter(enrolment_id__in=list(by_pk))
    if subjects is not None:
        subject_qs = subject_qs.filter(subject_code__in=list(subjects))
    for s in subject_qs:
        code = by_pk[s.enrolment_id].student.student_code
        fields = {f: (getattr(s, f) if getattr(s, f) != "" else None) for f in SUBJECT_VALUE_FIELDS}
        values.append(
            SubjectRow(Location("db"), student_code=code, subject_code=s.subject_code, **fields)
        )
    if ratings:
        for r in RatingEvaluation.objects.filter(enrolment_id__in=list(by_pk)):
            code = by_pk[r.enrolment_id].student.student_code
            values.append(
                RatingRow(
                    Location("db"),
                    student_code=code,
                    kind=r.kind,
                    code=r.code,
                    level=r.level or None,
                    comment=r.comment or None,
                )
            )
    return evaluation_template(
        school_name=school.name,
        school_year=school_year.code,
        students=students,
        subjects=subjects,
        ratings=ratings,
        values=values,
    )
