"""The roster plan: every roster row checked against the database, and the rows that differ
sorted into what to create and what to update. Nothing is written here; ``writes`` applies a
plan without problems.

Tenancy (issue #11): a code finds only a student who belongs to this school, or one never
enrolled anywhere (a roster may reach them, the school takes them); another school's student
is a problem with the same words whichever school it is, and nothing of them is read into the
plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hocba.apps.directory import tenancy
from hocba.apps.directory.models import (
    Enrolment,
    Guardian,
    Guardianship,
    School,
    SchoolClass,
    SchoolYear,
    Student,
)
from hocba.apps.imports import validation
from hocba.apps.imports.writes import (
    GUARDIAN_FIELDS,
    STUDENT_FIELDS,
    in_bulk,
    lock_students,
    values_in_bulk,
)
from hocba.apps.records.models import ClassFinalisation
from hocba.ingest.rows import GuardianRow, ImportSummary, IngestProblem, RosterRow


@dataclass
class RosterPlan:
    """What a roster import changes; written only when ``problems`` is empty."""

    school_year: SchoolYear
    codes: list[str]
    students: dict[str, Student]  # stored students the rows name, by code
    enrolments: dict[int, Enrolment]  # their enrolment this year, by student id
    problems: list[IngestProblem] = field(default_factory=list)
    summary: ImportSummary = field(default_factory=ImportSummary)
    new_students: list[tuple[RosterRow, Student]] = field(default_factory=list)
    changed_students: list[Student] = field(default_factory=list)
    new_enrolments: list[tuple[RosterRow, SchoolClass]] = field(default_factory=list)
    changed_enrolments: list[Enrolment] = field(default_factory=list)
    new_guardians: list[tuple[RosterRow, GuardianRow]] = field(default_factory=list)
    changed_guardians: list[Guardian] = field(default_factory=list)


def student_values(row: RosterRow) -> dict[str, Any]:
    return {f: getattr(row, f) for f in STUDENT_FIELDS}


def _rows(
    rows: Sequence[RosterRow],
    school_year: SchoolYear,
    classes: dict[str, SchoolClass],
    only_class: SchoolClass | None,
    problems: list[IngestProblem],
) -> dict[str, RosterRow]:
    """Each row's own problems; the rows by student code (a repeated code is a problem)."""
    seen: dict[str, RosterRow] = {}
    for row in rows:
        problems += validation.check_roster_row(row, school_year, classes)
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
    return seen


def _personal_ids(seen: dict[str, RosterRow], problems: list[IngestProblem]) -> None:
    pids = [r.personal_id for r in seen.values() if r.personal_id]
    pid_owner = dict(
        values_in_bulk(Student.objects, "personal_id", pids, ("personal_id", "student_code"))
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
                    validation.mask(pid),
                    "student.personal_id_taken",
                    "số định danh cá nhân này đã gắn với một học sinh khác",
                )
            )
        pid_rows[pid] = row


def _students_of_school(
    school: School, seen: dict[str, RosterRow], problems: list[IngestProblem]
) -> dict[str, Student]:
    """The stored students the rows name that this school may write (locked until the end of
    the transaction); a row naming another school's student becomes a problem and is dropped."""
    students = {s.student_code: s for s in in_bulk(Student.objects, "student_code", list(seen))}
    lock_students(s.pk for s in students.values())
    owner = tenancy.owners(s.pk for s in students.values())
    for code, student in list(students.items()):
        if owner.get(student.pk, school.pk) != school.pk:
            problems.append(validation.other_school(seen.pop(code)))
            del students[code]
    return students


def _enrolments(school_year: SchoolYear, student_ids: list[int]) -> dict[int, Enrolment]:
    """Each student's enrolment this school year (the open one when there are two)."""
    enrolments: dict[int, Enrolment] = {}
    qs = Enrolment.objects.filter(school_class__school_year=school_year).select_related(
        "school_class"
    )
    for e in in_bulk(qs, "student_id", student_ids):
        current = enrolments.get(e.student_id)
        if current is None or (current.left_on is not None and e.left_on is None):
            enrolments[e.student_id] = e
    return enrolments


def plan_roster(
    school: School,
    school_year: SchoolYear,
    rows: Sequence[RosterRow],
    classes: dict[str, SchoolClass],
    only_class: SchoolClass | None,
) -> RosterPlan:
    problems: list[IngestProblem] = []
    seen = _rows(rows, school_year, classes, only_class, problems)
    codes = list(seen)
    _personal_ids(seen, problems)
    students = _students_of_school(school, seen, problems)
    student_ids = [s.pk for s in students.values()]
    plan = RosterPlan(school_year, codes, students, _enrolments(school_year, student_ids))
    plan.problems = problems
    guardians: dict[tuple[int, str], Guardian] = {}
    for link in in_bulk(
        Guardianship.objects.select_related("guardian").order_by("pk"), "student_id", student_ids
    ):
        guardians.setdefault((link.student_id, link.relation), link.guardian)
    read_only = validation.read_only(
        [c.pk for c in classes.values()], [e.pk for e in plan.enrolments.values()]
    )
    locked_classes = set(
        ClassFinalisation.objects.filter(
            school_class__in=list(classes.values()), locked=True
        ).values_list("school_class_id", flat=True)
    )
    for code, row in seen.items():
        cls = classes.get(row.class_name.casefold()) if row.class_name else None
        student = students.get(code)
        changed = _plan_student(plan, row, code, student)
        enrolment = plan.enrolments.get(student.pk) if student is not None else None
        changed |= _plan_enrolment(plan, school, row, cls, enrolment, only_class)
        changed |= _plan_guardians(plan, row, student, guardians)
        locked = (enrolment is not None and enrolment.pk in read_only) or (
            enrolment is None and cls is not None and cls.pk in locked_classes
        )
        if changed and locked:
            problems.append(
                row.problem("class_name", row.class_name, "class.locked", validation.LOCKED_MESSAGE)
            )
    return plan


def _plan_student(plan: RosterPlan, row: RosterRow, code: str, student: Student | None) -> bool:
    if student is None:
        plan.new_students.append((row, Student(student_code=code, **student_values(row))))
        plan.summary.count("students", created=1)
        return True
    diff = [f for f, v in student_values(row).items() if getattr(student, f) != v]
    for f in diff:
        setattr(student, f, getattr(row, f))
    if diff:
        plan.changed_students.append(student)
    plan.summary.count("students", updated=bool(diff), unchanged=not diff)
    return bool(diff)


def _plan_enrolment(
    plan: RosterPlan,
    school: School,
    row: RosterRow,
    cls: SchoolClass | None,
    enrolment: Enrolment | None,
    only_class: SchoolClass | None,
) -> bool:
    year = plan.school_year
    if enrolment is not None and cls is not None and enrolment.school_class_id != cls.pk:
        # a GVCN sees only their own class; nobody sees a class of another school
        generic = only_class is not None or enrolment.school_class.school_id != school.pk
        plan.problems.append(
            row.problem(
                "class_name",
                row.class_name,
                "enrolment.other_class",
                (
                    "học sinh này đang học một lớp khác trong năm học"
                    if generic
                    else f"học sinh đang học lớp {enrolment.school_class.name} trong năm học này"
                )
                + "; chuyển lớp cần làm ở trang quản trị trường",
            )
        )
        return False
    if enrolment is None:
        if cls is None:
            return False
        plan.new_enrolments.append((row, cls))
        plan.summary.count("enrolments", created=1)
        return True
    enrolled_on = row.enrolled_on or enrolment.enrolled_on or year.start_date
    new = {"register_number": row.register_number, "enrolled_on": enrolled_on}
    diff = [f for f, v in new.items() if getattr(enrolment, f) != v]
    for f in diff:
        setattr(enrolment, f, new[f])
    if diff:
        plan.changed_enrolments.append(enrolment)
    plan.summary.count("enrolments", updated=bool(diff), unchanged=not diff)
    return bool(diff)


def _plan_guardians(
    plan: RosterPlan,
    row: RosterRow,
    student: Student | None,
    guardians: dict[tuple[int, str], Guardian],
) -> bool:
    changed = False
    for g in row.guardians:
        if not g.full_name:
            continue
        existing = guardians.get((student.pk, g.relation)) if student else None
        if existing is None:
            plan.new_guardians.append((row, g))
            plan.summary.count("guardians", created=1)
            changed = True
            continue
        values = {f: getattr(g, f) for f in GUARDIAN_FIELDS}
        diff = [f for f, v in values.items() if getattr(existing, f) != v]
        for f in diff:
            setattr(existing, f, values[f])
        if diff:
            plan.changed_guardians.append(existing)
            changed = True
        plan.summary.count("guardians", updated=bool(diff), unchanged=not diff)
    return changed
