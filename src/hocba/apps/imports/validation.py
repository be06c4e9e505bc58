"""Checks of imported rows, each problem pointing at its cell: one roster row, one subject or
rating row against the grade's catalog, the student a row names, and which enrolments are
read-only (a finalised class, a signed record). The plans (``roster``, ``evaluations``) call
these; nothing here writes."""

from __future__ import annotations

from collections.abc import Iterable

from hocba.apps.directory.models import Enrolment, Guardianship, SchoolClass, SchoolYear, Student
from hocba.apps.records.models import (
    ClassFinalisation,
    RatingEvaluation,
    RatingLevel,
    RecordVersion,
    StudentUnlock,
    SubjectLevel,
)
from hocba.apps.records.review import SIGNED
from hocba.errors import CatalogError
from hocba.ingest.normalize import RATING_LEVEL_MESSAGE, SCORE_MESSAGE, SUBJECT_LEVEL_MESSAGE
from hocba.ingest.rows import (
    MIDTERM_SCORE_FIELDS,
    SUBJECT_LEVEL_FIELDS,
    SUBJECT_SCORE_FIELDS,
    SUBJECT_VALUE_FIELDS,
    IngestProblem,
    RatingRow,
    RosterRow,
    SubjectRow,
)
from hocba.spec import RatingSpec, grade_catalog
from hocba.spec.catalog import SubjectSpec

LOCKED_MESSAGE = (
    "lớp đã chốt dữ liệu (hoặc học bạ đã ký) nên không thể thay đổi; cần hiệu trưởng mở khóa trước"
)
# The same words whichever school the student belongs to: a code never tells whose it is.
OTHER_SCHOOL_MESSAGE = (
    "mã học sinh này đã được dùng cho một học sinh không thuộc trường; học sinh chuyển đến "
    "được nhận bằng hồ sơ chuyển trường"
)
COMMENT_MAX = 2000
SUBJECT_LEVELS = frozenset(("", *SubjectLevel.values))
RATING_LEVELS = frozenset(("", *RatingLevel.values))
RATING_KINDS = frozenset(RatingEvaluation.Kind.values)
EMPTY_SUBJECT = {
    f: ("" if f.endswith("level") or f == "comment" else None) for f in SUBJECT_VALUE_FIELDS
}
MIDTERM = frozenset(MIDTERM_SCORE_FIELDS)


def mask(personal_id: str) -> str:
    return "*" * max(len(personal_id) - 4, 0) + personal_id[-4:]


def read_only(class_ids: Iterable[int], enrolment_ids: Iterable[int]) -> set[int]:
    """The enrolments whose working data cannot change: in a finalised class (unless the
    principal unlocked that student) or with a signed record — the grids' rule, in bulk."""
    enrolment_ids = set(enrolment_ids)
    locked_classes = set(
        ClassFinalisation.objects.filter(
            school_class_id__in=set(class_ids), locked=True
        ).values_list("school_class_id", flat=True)
    )
    out: set[int] = set()
    if locked_classes:
        in_locked = set(
            Enrolment.objects.filter(
                pk__in=enrolment_ids, school_class_id__in=locked_classes
            ).values_list("pk", flat=True)
        )
        unlocked = set(
            StudentUnlock.objects.filter(
                enrolment_id__in=in_locked, relocked_at__isnull=True
            ).values_list("enrolment_id", flat=True)
        )
        out |= in_locked - unlocked
    signed = RecordVersion.objects.filter(enrolment_id__in=enrolment_ids, status__in=SIGNED)
    out |= set(signed.values_list("enrolment_id", flat=True))
    return out


# --- roster ----------------------------------------------------------------------------------


def check_roster_row(
    row: RosterRow, school_year: SchoolYear, classes: dict[str, SchoolClass]
) -> list[IngestProblem]:
    problems = []
    required = {
        "student_code": "thiếu mã học sinh",
        "full_name": "thiếu họ và tên",
        "sex": "thiếu giới tính (Nam hoặc Nữ)",
        "date_of_birth": "thiếu ngày sinh",
        "class_name": "thiếu tên lớp",
    }
    for attr, message in required.items():
        if not getattr(row, attr):
            problems.append(row.problem(attr, "", "value.required", message))
    if row.sex and row.sex not in Student.Sex.values:
        problems.append(row.problem("sex", row.sex, "value.sex", "giới tính phải là Nam hoặc Nữ"))
    if row.personal_id is not None and not (
        row.personal_id.isdigit() and len(row.personal_id) == 12
    ):
        problems.append(
            row.problem(
                "personal_id",
                mask(row.personal_id),
                "value.personal_id",
                "số định danh cá nhân phải gồm đúng 12 chữ số",
            )
        )
    if row.class_name and row.class_name.casefold() not in classes:
        problems.append(
            row.problem(
                "class_name",
                row.class_name,
                "class.unknown",
                f"trường không có lớp này trong năm học {school_year.code}",
            )
        )
    on = row.enrolled_on
    if on is not None and not school_year.start_date <= on <= school_year.end_date:
        problems.append(
            row.problem(
                "enrolled_on",
                on.strftime("%d/%m/%Y"),
                "value.enrolled_on",
                f"ngày vào lớp phải nằm trong năm học {school_year.code}",
            )
        )
    if row.date_of_birth is not None and row.date_of_birth >= school_year.start_date:
        problems.append(
            row.problem(
                "date_of_birth",
                row.date_of_birth.strftime("%d/%m/%Y"),
                "value.date",
                "ngày sinh phải trước năm học",
            )
        )
    for g in row.guardians:
        if g.relation not in Guardianship.Relation.values:
            problems.append(g.problem("relation", g.relation, "value.relation", "quan hệ không rõ"))
        if not g.full_name and (g.year_of_birth or g.occupation or g.phone):
            problems.append(g.problem("full_name", "", "value.required", "thiếu họ tên phụ huynh"))
    return problems


def other_school(row: RosterRow) -> IngestProblem:
    """A code of a student who belongs to another school (issue #11)."""
    return row.problem("student_code", row.student_code, "student.other_school",
                       OTHER_SCHOOL_MESSAGE)  # fmt: skip


# --- evaluations -------------------------------------------------------------------------------


def student_problem(
    row: SubjectRow | RatingRow, enrolment: Enrolment | None
) -> list[IngestProblem]:
    """A row must name a student of this school's year (another school's student answers
    exactly as an unknown code) and, when it gives one, their class."""
    if not row.student_code:
        return [row.problem("student_code", "", "value.required", "thiếu mã học sinh")]
    if enrolment is None:
        return [
            row.problem(
                "student_code",
                row.student_code,
                "student.unknown",
                "không tìm thấy học sinh mang mã này trong danh sách của năm học",
            )
        ]
    if row.class_name and row.class_name.casefold() != enrolment.school_class.name.casefold():
        return [
            row.problem(
                "class_name",
                row.class_name,
                "enrolment.other_class",
                f"học sinh này học lớp {enrolment.school_class.name}",
            )
        ]
    return []


def check_subject_row(
    row: SubjectRow, found: tuple[SubjectSpec, int] | None, grade: int
) -> list[IngestProblem]:
    """Problems of one subject row against the grade's catalog entry."""
    if found is None:
        return [
            row.problem(
                "subject_code",
                row.subject_code,
                "subject.unknown",
                f"môn học này không có trong chương trình lớp {grade}",
            )
        ]
    spec = found[0]
    problems = []
    for f in SUBJECT_LEVEL_FIELDS:
        value = getattr(row, f)
        if value is not None and value not in SUBJECT_LEVELS:
            problems.append(row.problem(f, value, "value.level", SUBJECT_LEVEL_MESSAGE))
    for f in SUBJECT_SCORE_FIELDS:
        value = getattr(row, f)
        if value is None:
            continue
        if type(value) is not int or not 0 <= value <= 10:
            problems.append(row.problem(f, value, "value.score", SCORE_MESSAGE))
        elif not (spec.midterm_tested if f in MIDTERM else spec.tested):
            when = "giữa kỳ" if f in MIDTERM else "định kỳ"
            problems.append(
                row.problem(
                    f,
                    value,
                    "value.untested_subject",
                    f"môn {spec.name} lớp {grade} không có bài kiểm tra {when} nên không ghi điểm",
                )
            )
    if row.comment is not None and len(row.comment) > COMMENT_MAX:
        problems.append(too_long(row))
    return problems


def too_long(row: SubjectRow | RatingRow) -> IngestProblem:
    return row.problem(
        "comment",
        (row.comment or "")[:40] + "…",
        "value.too_long",
        f"nhận xét dài quá {COMMENT_MAX} ký tự",
    )


def check_rating_row(row: RatingRow, found: tuple[RatingSpec, int] | None) -> list[IngestProblem]:
    if found is None:
        return [
            row.problem(
                "code", row.code, "rating.unknown", "phẩm chất/năng lực không có trong danh mục"
            )
        ]
    problems = []
    if row.level is not None and row.level not in RATING_LEVELS:
        problems.append(row.problem("level", row.level, "value.level", RATING_LEVEL_MESSAGE))
    if row.comment is not None and len(row.comment) > COMMENT_MAX:
        problems.append(too_long(row))
    return problems


class Catalogs:
    """The grade catalogs of the school year, loaded once per import, with lookups by code."""

    def __init__(self, school_year: SchoolYear) -> None:
        self.year = school_year.code
        self._subjects: dict[int, dict[str, tuple[SubjectSpec, int]] | None] = {}
        self._ratings: dict[int, dict[tuple[str, str], tuple[RatingSpec, int]]] = {}

    def _load(self, grade: int) -> None:
        try:
            catalog = grade_catalog(self.year, grade)
        except CatalogError:
            self._subjects[grade], self._ratings[grade] = None, {}
            return
        self._subjects[grade] = {s.code: (s, i) for i, s in enumerate(catalog.subjects)}
        self._ratings[grade] = {
            (kind, r.code): (r, i)
            for kind, specs in (
                (RatingEvaluation.Kind.QUALITY, catalog.qualities),
                (RatingEvaluation.Kind.COMPETENCE, catalog.competences),
            )
            for i, r in enumerate(specs)
        }

    def subject(self, grade: int, code: str) -> tuple[SubjectSpec, int] | None:
        if grade not in self._subjects:
            self._load(grade)
        subjects = self._subjects[grade]
        return subjects.get(code) if subjects is not None else None

    def rating(self, grade: int, kind: str, code: str) -> tuple[RatingSpec, int] | None:
        if grade not in self._ratings:
            self._load(grade)
        return self._ratings[grade].get((kind, code))
