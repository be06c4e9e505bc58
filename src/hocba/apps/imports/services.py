"""Apply imported rows (from a workbook or the REST API) to a school year: validate everything
against the database first, then write every change in one transaction, or nothing.

- ``apply_roster``: students (upsert by student code), their enrolment in a class of the school
  year (by class name) and guardians (by relation).
- ``apply_evaluations``: subject evaluations (upsert by enrolment + subject code) and quality /
  competence ratings (by enrolment + kind + code), as the entry grids save them.

Both raise ``ImportRejected`` with EVERY problem (each pointing at its cell) and write nothing,
or write only the rows that differ (bulk) and one audit event; an unchanged import writes
nothing at all. A value that is ``None`` in a row means "not given: keep what is stored".
Authority is the caller's (views check the policy; the CLI runs as the operator).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import (
    Enrolment,
    Guardian,
    Guardianship,
    School,
    SchoolClass,
    SchoolYear,
    Student,
)
from hocba.apps.records.models import (
    ClassFinalisation,
    RatingEvaluation,
    RatingLevel,
    RecordVersion,
    StudentUnlock,
    SubjectEvaluation,
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
    GuardianRow,
    ImportRejected,
    ImportSummary,
    IngestProblem,
    RatingRow,
    RosterRow,
    SubjectRow,
    gc_paused,
)
from hocba.spec import RatingSpec, grade_catalog
from hocba.spec.catalog import SubjectSpec

__all__ = ["ImportRejected", "ImportSummary", "apply_evaluations", "apply_roster"]

BATCH = 1000
STUDENT_FIELDS = (
    "full_name",
    "sex",
    "date_of_birth",
    "ethnicity",
    "nationality",
    "place_of_birth",
    "home_town",
    "residence",
    "personal_id",
)
GUARDIAN_FIELDS = ("full_name", "year_of_birth", "occupation", "phone")
LOCKED_MESSAGE = (
    "lớp đã chốt dữ liệu (hoặc học bạ đã ký) nên không thể thay đổi; cần hiệu trưởng mở khóa trước"
)


def _scope(school: School) -> str:
    return school.org_unit.path


def _lock_classes(class_ids: Iterable[int]) -> None:
    """Lock the class rows (in id order) until the transaction ends, as the grids do, so an
    import and a finalisation or a cell edit of the same class serialise."""
    ids = sorted(set(class_ids))
    for start in range(0, len(ids), BATCH):
        list(
            SchoolClass.objects.select_for_update()
            .filter(pk__in=ids[start : start + BATCH])
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _read_only(class_ids: Iterable[int], enrolment_ids: Iterable[int]) -> set[int]:
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


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _classes(school: School, school_year: SchoolYear) -> dict[str, SchoolClass]:
    return {
        c.name.casefold(): c
        for c in SchoolClass.objects.filter(school=school, school_year=school_year)
    }


# --- roster ----------------------------------------------------------------------------------


def _student_values(row: RosterRow) -> dict[str, Any]:
    return {f: getattr(row, f) for f in STUDENT_FIELDS}


def _check_roster_row(
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
                _mask(row.personal_id),
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


def _mask(personal_id: str) -> str:
    return "*" * max(len(personal_id) - 4, 0) + personal_id[-4:]


def apply_roster(
    school: School,
    school_year: SchoolYear,
    rows: Sequence[RosterRow],
    *,
    actor: Any,
    via: str = "api",
    only_class: SchoolClass | None = None,
) -> ImportSummary:
    """Upsert students, their enrolment in this year's classes and their guardians.

    With ``only_class`` (a GVCN's upload) every row must be of that class. A student code that
    belongs to a student never enrolled at this school is refused: identities of other schools'
    students move only with a transfer package."""
    summary = ImportSummary()
    with gc_paused(), transaction.atomic():
        classes = _classes(school, school_year)
        _lock_classes(c.pk for c in classes.values())
        problems: list[IngestProblem] = []
        seen: dict[str, RosterRow] = {}
        for row in rows:
            problems += _check_roster_row(row, school_year, classes)
            if only_class is not None and row.class_name.casefold() != only_class.name.casefold():
                problems.append(
                    row.problem(
                        "class_name",
                        row.class_name,
                        "class.outside",
                        f"chỉ được nhập học sinh của lớp {only_class.name}",
                    )
                )
            if row.student_code in seen:
                problems.append(
                    row.problem(
                        "student_code",
                        row.student_code,
                        "student.duplicate",
                        f"mã học sinh lặp lại (đã có ở {seen[row.student_code].where.cell or 'dòng trước'})",
                    )
                )
            elif row.student_code:
                seen[row.student_code] = row
        codes = list(seen)
        students = {s.student_code: s for s in _in_bulk(Student.objects, "student_code", codes)}
        pids = [r.personal_id for r in seen.values() if r.personal_id]
        pid_owner = dict(
            _values_in_bulk(Student.objects, "personal_id", pids, ("personal_id", "student_code"))
        )
        pid_rows: dict[str, RosterRow] = {}
        for row in seen.values():
            pid = row.personal_id
            if not pid:
                continue
            owner = pid_owner.get(pid)
            if (owner is not None and owner != row.student_code) or pid in pid_rows:
                problems.append(
                    row.problem(
                        "personal_id",
                        _mask(pid),
                        "student.personal_id_taken",
                        "số định danh cá nhân này đã gắn với một học sinh khác",
                    )
                )
            pid_rows[pid] = row
        student_ids = [s.pk for s in students.values()]
        here, elsewhere = set(), set()
        for student_id, school_id in _values_in_bulk(
            Enrolment.objects.all(),
            "student_id",
            student_ids,
            ("student_id", "school_class__school_id"),
        ):
            (here if school_id == school.pk else elsewhere).add(student_id)
        for code, student in list(students.items()):
            if student.pk in elsewhere and student.pk not in here:
                problems.append(
                    seen[code].problem(
                        "student_code",
                        code,
                        "student.other_school",
                        "mã học sinh này thuộc về học sinh của trường khác; học sinh chuyển "
                        "đến được nhận bằng hồ sơ chuyển trường",
                    )
                )
                del students[code]
                seen.pop(code)
        student_ids = [s.pk for s in students.values()]
        enrolments: dict[int, Enrolment] = {}
        for e in _in_bulk(
            Enrolment.objects.filter(school_class__school_year=school_year).select_related(
                "school_class"
            ),
            "student_id",
            student_ids,
        ):
            current = enrolments.get(e.student_id)
            if current is None or (current.left_on is not None and e.left_on is None):
                enrolments[e.student_id] = e
        guardians: dict[tuple[int, str], Guardian] = {}
        for link in _in_bulk(
            Guardianship.objects.select_related("guardian").order_by("pk"),
            "student_id",
            student_ids,
        ):
            guardians.setdefault((link.student_id, link.relation), link.guardian)
        read_only = _read_only(
            [c.pk for c in classes.values()], [e.pk for e in enrolments.values()]
        )
        locked_classes = set(
            ClassFinalisation.objects.filter(
                school_class__in=list(classes.values()), locked=True
            ).values_list("school_class_id", flat=True)
        )

        new_students: list[tuple[RosterRow, Student]] = []
        changed_students: list[Student] = []
        new_enrolments: list[tuple[RosterRow, SchoolClass]] = []
        changed_enrolments: list[Enrolment] = []
        new_guardians: list[tuple[RosterRow, GuardianRow]] = []
        changed_guardians: list[Guardian] = []
        for code, row in seen.items():
            cls = classes.get(row.class_name.casefold()) if row.class_name else None
            student = students.get(code)
            row_changed = False
            if student is None:
                new_students.append((row, Student(student_code=code, **_student_values(row))))
                summary.count("students", created=1)
                row_changed = True
            else:
                diff = [f for f, v in _student_values(row).items() if getattr(student, f) != v]
                if diff:
                    for f in diff:
                        setattr(student, f, getattr(row, f))
                    changed_students.append(student)
                    row_changed = True
                summary.count("students", updated=bool(diff), unchanged=not diff)
            enrolment = enrolments.get(student.pk) if student is not None else None
            enrolled_on = row.enrolled_on or (
                enrolment.enrolled_on if enrolment else school_year.start_date
            )
            if enrolment is not None and cls is not None and enrolment.school_class_id != cls.pk:
                problems.append(
                    row.problem(
                        "class_name",
                        row.class_name,
                        "enrolment.other_class",
                        (
                            "học sinh này đang học một lớp khác trong năm học"
                            if only_class is not None  # a GVCN sees only their own class
                            else f"học sinh đang học lớp {enrolment.school_class.name} trong "
                            "năm học này"
                        )
                        + "; chuyển lớp cần làm ở trang quản trị trường",
                    )
                )
            elif enrolment is None and cls is not None:
                new_enrolments.append((row, cls))
                summary.count("enrolments", created=1)
                row_changed = True
            elif enrolment is not None:
                new = {"register_number": row.register_number, "enrolled_on": enrolled_on}
                diff = [f for f, v in new.items() if getattr(enrolment, f) != v]
                if diff:
                    for f in diff:
                        setattr(enrolment, f, new[f])
                    changed_enrolments.append(enrolment)
                    row_changed = True
                summary.count("enrolments", updated=bool(diff), unchanged=not diff)
            for g in row.guardians:
                if not g.full_name:
                    continue
                existing = guardians.get((student.pk, g.relation)) if student else None
                if existing is None:
                    new_guardians.append((row, g))
                    summary.count("guardians", created=1)
                    row_changed = True
                    continue
                values = {f: getattr(g, f) for f in GUARDIAN_FIELDS}
                diff = [f for f, v in values.items() if getattr(existing, f) != v]
                if diff:
                    for f in diff:
                        setattr(existing, f, values[f])
                    changed_guardians.append(existing)
                    row_changed = True
                summary.count("guardians", updated=bool(diff), unchanged=not diff)
            locked = (enrolment is not None and enrolment.pk in read_only) or (
                enrolment is None and cls is not None and cls.pk in locked_classes
            )
            if row_changed and locked:
                problems.append(
                    row.problem("class_name", row.class_name, "class.locked", LOCKED_MESSAGE)
                )
        if problems:
            raise ImportRejected(problems)

        Student.objects.bulk_create([s for _, s in new_students], batch_size=BATCH)
        Student.objects.bulk_update(changed_students, STUDENT_FIELDS, batch_size=BATCH)
        by_code = {s.student_code: s for s in students.values()}
        by_code.update({s.student_code: s for _, s in new_students})
        if any(s.pk is None for _, s in new_students):  # a backend without RETURNING
            by_code.update(
                {s.student_code: s for s in _in_bulk(Student.objects, "student_code", codes)}
            )
        created_enrolments = [
            Enrolment(
                student=by_code[row.student_code],
                school_class=cls,
                register_number=row.register_number,
                enrolled_on=row.enrolled_on or school_year.start_date,
            )
            for row, cls in new_enrolments
        ]
        Enrolment.objects.bulk_create(created_enrolments, batch_size=BATCH)
        Enrolment.objects.bulk_update(
            changed_enrolments, ["register_number", "enrolled_on"], batch_size=BATCH
        )
        created_guardians = [
            Guardian(**{f: getattr(g, f) for f in GUARDIAN_FIELDS}) for _, g in new_guardians
        ]
        Guardian.objects.bulk_create(created_guardians, batch_size=BATCH)
        Guardianship.objects.bulk_create(
            [
                Guardianship(
                    student=by_code[row.student_code], guardian=guardian, relation=g.relation
                )
                for (row, g), guardian in zip(new_guardians, created_guardians, strict=True)
            ],
            batch_size=BATCH,
        )
        Guardian.objects.bulk_update(changed_guardians, GUARDIAN_FIELDS, batch_size=BATCH)
        if summary.changed:
            touched = {cls.pk for _, cls in new_enrolments}
            touched |= {e.school_class_id for e in changed_enrolments}
            touched |= {
                enrolments[s.pk].school_class_id for s in changed_students if s.pk in enrolments
            }
            audit.record(
                EventTag.IMPORT_ROSTER_APPLIED,
                actor=actor,
                subject=school,
                scope_path=_scope(school),
                data={
                    "via": via,
                    "school_year": school_year.code,
                    "classes": sorted(touched),
                    "enrolments_created": sorted(e.pk for e in created_enrolments),
                    **summary.as_dict(),
                },
            )
    return summary


def _in_bulk(qs: Any, field: str, values: Sequence[Any]) -> list[Any]:
    """``qs.filter(<field>__in=values)`` in chunks (SQLite caps the number of parameters)."""
    out: list[Any] = []
    values = list(values)
    for chunk in _chunks(values):
        out.extend(qs.filter(**{f"{field}__in": chunk}))
    return out


def _values_in_bulk(
    qs: Any, field: str, values: Sequence[Any], columns: tuple[str, ...]
) -> list[Any]:
    out: list[Any] = []
    for chunk in _chunks(list(values)):
        out.extend(qs.filter(**{f"{field}__in": chunk}).values_list(*columns))
    return out


# --- evaluations -----------------------------------------------------------------------------


def _enrolments_by_code(
    school: School, school_year: SchoolYear, codes: Sequence[str]
) -> dict[str, Enrolment]:
    """The student's enrolment this year at this school (the open one when there are two)."""
    qs = (
        Enrolment.objects.filter(school_class__school=school, school_class__school_year=school_year)
        .select_related("school_class")
        .annotate(code=F("student__student_code"))
        .order_by("enrolled_on", "pk")
    )
    out: dict[str, Enrolment] = {}
    for e in _in_bulk(qs, "student__student_code", codes):
        current = out.get(e.code)
        if current is None or not (current.left_on is None and e.left_on is not None):
            out[e.code] = e
    return out


SUBJECT_LEVELS = frozenset(("", *SubjectLevel.values))
RATING_LEVELS = frozenset(("", *RatingLevel.values))
RATING_KINDS = frozenset(RatingEvaluation.Kind.values)
_EMPTY_SUBJECT = {
    f: ("" if f.endswith("level") or f == "comment" else None) for f in SUBJECT_VALUE_FIELDS
}
_MIDTERM = frozenset(MIDTERM_SCORE_FIELDS)


class _Catalogs:
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


def _merge(
    current: list[Any], index: dict[str, int], given: dict[str, Any]
) -> tuple[list[str], dict[str, Any]]:
    """Write ``given`` into the stored row ``current``: the fields that changed and their
    values before (comments left out of the audit trail: free text may be personal)."""
    diff = [f for f, v in given.items() if current[index[f]] != v]
    before = {f: current[index[f]] for f in diff if f != "comment"}
    for f in diff:
        current[index[f]] = given[f]
    return diff, before


def _student_problem(
    row: SubjectRow | RatingRow, enrolment: Enrolment | None
) -> list[IngestProblem]:
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


def _check_subject_row(
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
        elif not (spec.midterm_tested if f in _MIDTERM else spec.tested):
            when = "giữa kỳ" if f in _MIDTERM else "định kỳ"
            problems.append(
                row.problem(
                    f,
                    value,
                    "value.untested_subject",
                    f"môn {spec.name} lớp {grade} không có bài kiểm tra {when} nên không ghi điểm",
                )
            )
    if row.comment is not None and len(row.comment) > COMMENT_MAX:
        problems.append(_too_long(row))
    return problems


COMMENT_MAX = 2000


def _too_long(row: SubjectRow | RatingRow) -> IngestProblem:
    return row.problem(
        "comment",
        (row.comment or "")[:40] + "…",
        "value.too_long",
        f"nhận xét dài quá {COMMENT_MAX} ký tự",
    )


def _check_rating_row(row: RatingRow, found: tuple[RatingSpec, int] | None) -> list[IngestProblem]:
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
        problems.append(_too_long(row))
    return problems


# Stored evaluations are compared as tuples (no model instances: an import touches ~25k rows).
S_VALUES = SUBJECT_VALUE_FIELDS
R_VALUES = ("level", "comment")


def _stored(
    model: Any, enrolment_ids: Sequence[int], key_fields: tuple[str, ...], values: tuple[str, ...]
) -> dict[tuple[Any, ...], tuple[int, list[Any]]]:
    """key -> (pk, [value fields]) of the stored rows of these enrolments (one raw SELECT per
    chunk of enrolments: the ORM's per-row work would cost more than the comparison)."""
    q = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(
        q(meta.get_field(f).column) for f in ("pk", *key_fields, *values) if f != "pk"
    )
    n_key = len(key_fields)
    out = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(sorted(set(enrolment_ids))):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {q(meta.pk.column)}, {columns} FROM {q(meta.db_table)} "
                f"WHERE {q(meta.get_field('enrolment').column)} IN ({marks})",
                list(chunk),
            )
            for t in cursor.fetchall():
                out[t[1 : 1 + n_key]] = (t[0], list(t[1 + n_key :]))
    return out


def _executemany(sql: str, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 5000):
            cursor.executemany(sql, chunk)


def _insert(model: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """New rows: PostgreSQL's COPY (one stream instead of a statement per row), elsewhere
    ``executemany`` of one INSERT."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        _executemany(_insert_sql(model, columns), rows)
        return
    q = connection.ops.quote_name
    cols = ", ".join(q(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {q(model._meta.db_table)} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _insert_sql(model: Any, columns: Sequence[str]) -> str:
    q = connection.ops.quote_name
    cols = ", ".join(q(model._meta.get_field(c).column) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {q(model._meta.db_table)} ({cols}) VALUES ({marks})"


def _update_sql(model: Any, columns: Sequence[str]) -> str:
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(model._meta.get_field(c).column)} = %s" for c in columns)
    return f"UPDATE {q(model._meta.db_table)} SET {sets} WHERE {q(model._meta.pk.column)} = %s"


def apply_evaluations(
    school: School,
    school_year: SchoolYear,
    subject_rows: Sequence[SubjectRow],
    rating_rows: Sequence[RatingRow],
    *,
    actor: Any,
    via: str = "api",
    only_class: SchoolClass | None = None,
) -> ImportSummary:
    """Upsert subject evaluations and quality/competence ratings of the school year's students
    (with ``only_class``: only that class's students).

    A new row gets the catalog's name and position, as the entry grid gives it; a stored row
    changes only in the fields the import gives and that differ. Writes are raw ``executemany``
    of the changed rows only (the models have no save() logic; ``updated_at`` is set here)."""
    summary = ImportSummary()
    with gc_paused(), transaction.atomic():
        codes = sorted({r.student_code for r in (*subject_rows, *rating_rows) if r.student_code})
        enrolments = _enrolments_by_code(school, school_year, codes)
        if only_class is not None:
            enrolments = {c: e for c, e in enrolments.items() if e.school_class_id == only_class.pk}
        _lock_classes(e.school_class_id for e in enrolments.values())
        catalogs = _Catalogs(school_year)
        enrolment_ids = [e.pk for e in enrolments.values()]
        read_only = _read_only({e.school_class_id for e in enrolments.values()}, enrolment_ids)
        subjects = _stored(
            SubjectEvaluation, enrolment_ids, ("enrolment_id", "subject_code"), S_VALUES
        )
        ratings = _stored(
            RatingEvaluation, enrolment_ids, ("enrolment_id", "kind", "code"), R_VALUES
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        problems: list[IngestProblem] = []
        seen: dict[tuple[Any, ...], Any] = {}
        s_new: list[tuple[Any, ...]] = []
        s_changed: list[tuple[Any, ...]] = []
        r_new: list[tuple[Any, ...]] = []
        r_changed: list[tuple[Any, ...]] = []
        changes: list[dict[str, Any]] = []
        touched: set[int] = set()
        tally: dict[tuple[str, str], int] = defaultdict(int)

        def duplicate(row: Any, key: tuple[Any, ...]) -> bool:
            if key in seen:
                problems.append(
                    row.problem(
                        "student_code",
                        row.student_code,
                        "row.duplicate",
                        f"học sinh này đã có ở {seen[key].where.describe_vi()}",
                    )
                )
                return True
            seen[key] = row
            return False

        def locked(row: Any, enrolment: Enrolment) -> None:
            touched.add(enrolment.school_class_id)
            if enrolment.pk in read_only:
                problems.append(
                    row.problem("student_code", row.student_code, "class.locked", LOCKED_MESSAGE)
                )

        for row in subject_rows:
            given = row.given()
            if not given:
                continue  # a pre-filled template row left empty: nothing to check or write
            enrolment = enrolments.get(row.student_code)
            found = _student_problem(row, enrolment)
            if found:
                problems += found
                continue
            assert enrolment is not None
            grade = enrolment.school_class.grade
            spec = catalogs.subject(grade, row.subject_code)
            found = _check_subject_row(row, spec, grade)
            if found or spec is None:
                problems += found
                continue
            if duplicate(row, ("s", enrolment.pk, row.subject_code)):
                continue
            stored = subjects.get((enrolment.pk, row.subject_code))
            if stored is None:
                values = {**_EMPTY_SUBJECT, **given}
                s_new.append(
                    (
                        enrolment.pk,
                        spec[0].code,
                        spec[0].name,
                        *(values[f] for f in S_VALUES),
                        spec[1],
                        now,
                    )
                )
                tally["subjects", "created"] += 1
            else:
                pk, current = stored
                diff, before = _merge(current, S_INDEX, given)
                if not diff:
                    tally["subjects", "unchanged"] += 1
                    continue
                s_changed.append((*current, now, pk))
                changes.append(
                    {
                        "enrolment": enrolment.pk,
                        "subject": spec[0].code,
                        "fields": diff,
                        "before": before,
                        "after": {f: given[f] for f in before},
                    }
                )
                tally["subjects", "updated"] += 1
            locked(row, enrolment)

        for row in rating_rows:
            given = row.given()
            if not given:
                continue
            enrolment = enrolments.get(row.student_code)
            found = _student_problem(row, enrolment)
            if found:
                problems += found
                continue
            assert enrolment is not None
            rating = (
                catalogs.rating(enrolment.school_class.grade, row.kind, row.code)
                if row.kind in RATING_KINDS
                else None
            )
            found = _check_rating_row(row, rating)
            if found or rating is None:
                problems += found
                continue
            if duplicate(row, ("r", enrolment.pk, row.kind, row.code)):
                continue
            stored = ratings.get((enrolment.pk, row.kind, row.code))
            if stored is None:
                r_new.append(
                    (
                        enrolment.pk,
                        row.kind,
                        rating[0].code,
                        rating[0].name,
                        given.get("level", ""),
                        given.get("comment", ""),
                        rating[1],
                        now,
                    )
                )
                tally["ratings", "created"] += 1
            else:
                pk, current = stored
                diff, before = _merge(current, R_INDEX, given)
                if not diff:
                    tally["ratings", "unchanged"] += 1
                    continue
                r_changed.append((*current, now, pk))
                changes.append(
                    {
                        "enrolment": enrolment.pk,
                        "kind": row.kind,
                        "code": rating[0].code,
                        "fields": diff,
                        "before": before,
                        "after": {f: given[f] for f in before},
                    }
                )
                tally["ratings", "updated"] += 1
            locked(row, enrolment)

        if problems:
            raise ImportRejected(problems)
        for (kind, what), count in tally.items():
            summary.count(kind, **{what: count})
        _insert(SubjectEvaluation, S_INSERT, s_new)
        _executemany(_update_sql(SubjectEvaluation, [*S_VALUES, "updated_at"]), s_changed)
        _insert(RatingEvaluation, R_INSERT, r_new)
        _executemany(_update_sql(RatingEvaluation, [*R_VALUES, "updated_at"]), r_changed)
        if summary.changed:
            audit.record(
                EventTag.IMPORT_EVALUATIONS_APPLIED,
                actor=actor,
                subject=school,
                scope_path=_scope(school),
                data={
                    "via": via,
                    "school_year": school_year.code,
                    "classes": sorted(touched),
                    **summary.as_dict(),
                    "changes": changes,
                },
            )
    return summary


S_INDEX = {f: i for i, f in enumerate(S_VALUES)}
R_INDEX = {f: i for i, f in enumerate(R_VALUES)}
S_INSERT = ("enrolment_id", "subject_code", "subject_name", *S_VALUES, "position", "updated_at")
R_INSERT = ("enrolment_id", "kind", "code", "name", "level", "comment", "position", "updated_at")
