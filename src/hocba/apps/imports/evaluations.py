"""The evaluation plan: subject and rating rows checked against the school year's enrolments
and catalogs, compared with what is stored, sorted into raw rows to insert and to update.
Nothing is written here.

Tenancy (issue #11): a code finds only an enrolment at this school of a student who belongs
to this school now; a student who left for another school answers as an unknown code (the
sending school keeps reading its past records, never writing them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F
from django.utils import timezone

from hocba.apps.directory import tenancy
from hocba.apps.directory.models import Enrolment, School, SchoolYear
from hocba.apps.imports import validation
from hocba.apps.imports.writes import in_bulk, stored
from hocba.apps.records.models import RatingEvaluation, SubjectEvaluation
from hocba.ingest.rows import SUBJECT_VALUE_FIELDS, IngestProblem, RatingRow, SubjectRow

# Stored evaluations are compared as tuples (no model instances: an import touches ~25k rows).
S_VALUES = SUBJECT_VALUE_FIELDS
R_VALUES = ("level", "comment")
S_INDEX = {f: i for i, f in enumerate(S_VALUES)}
R_INDEX = {f: i for i, f in enumerate(R_VALUES)}
S_INSERT = ("enrolment_id", "subject_code", "subject_name", *S_VALUES, "position", "updated_at")
R_INSERT = ("enrolment_id", "kind", "code", "name", "level", "comment", "position", "updated_at")


def enrolments_by_code(
    school: School, school_year: SchoolYear, codes: Sequence[str]
) -> dict[str, Enrolment]:
    """The student's enrolment this year at this school (the open one when there are two),
    for students who belong to this school now."""
    qs = (
        Enrolment.objects.filter(school_class__school=school, school_class__school_year=school_year)
        .select_related("school_class")
        .annotate(code=F("student__student_code"))
        .order_by("enrolled_on", "pk")
    )
    out: dict[str, Enrolment] = {}
    found = in_bulk(qs, "student__student_code", codes)
    owner = tenancy.owners(e.student_id for e in found)
    for e in found:
        if owner.get(e.student_id) != school.pk:
            continue
        current = out.get(e.code)
        if current is None or not (current.left_on is None and e.left_on is not None):
            out[e.code] = e
    return out


def merge(
    current: list[Any], index: dict[str, int], given: dict[str, Any]
) -> tuple[list[str], dict[str, Any]]:
    """Write ``given`` into the stored row ``current``: the fields that changed and their
    values before (comments left out of the audit trail: free text may be personal)."""
    diff = [f for f, v in given.items() if current[index[f]] != v]
    before = {f: current[index[f]] for f in diff if f != "comment"}
    for f in diff:
        current[index[f]] = given[f]
    return diff, before


@dataclass
class EvaluationPlan:
    """Raw rows to insert and update; written only when ``problems`` is empty."""

    enrolments: dict[str, Enrolment]
    now: Any = field(
        default_factory=lambda: connection.ops.adapt_datetimefield_value(timezone.now())
    )
    problems: list[IngestProblem] = field(default_factory=list)
    s_new: list[tuple[Any, ...]] = field(default_factory=list)
    s_changed: list[tuple[Any, ...]] = field(default_factory=list)
    r_new: list[tuple[Any, ...]] = field(default_factory=list)
    r_changed: list[tuple[Any, ...]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)
    tally: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    seen: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    read_only: set[int] = field(default_factory=set)

    def duplicate(self, row: Any, key: tuple[Any, ...]) -> bool:
        if key in self.seen:
            self.problems.append(
                row.problem(
                    "student_code",
                    row.student_code,
                    "row.duplicate",
                    f"học sinh này đã có ở {self.seen[key].where.describe_vi()}",
                )
            )
            return True
        self.seen[key] = row
        return False

    def locked(self, row: Any, enrolment: Enrolment) -> None:
        self.touched.add(enrolment.school_class_id)
        if enrolment.pk in self.read_only:
            self.problems.append(
                row.problem(
                    "student_code", row.student_code, "class.locked", validation.LOCKED_MESSAGE
                )
            )


def plan_evaluations(
    school_year: SchoolYear,
    enrolments: dict[str, Enrolment],
    subject_rows: Sequence[SubjectRow],
    rating_rows: Sequence[RatingRow],
) -> EvaluationPlan:
    plan = EvaluationPlan(enrolments)
    enrolment_ids = [e.pk for e in enrolments.values()]
    plan.read_only = validation.read_only(
        {e.school_class_id for e in enrolments.values()}, enrolment_ids
    )
    catalogs = validation.Catalogs(school_year)
    subjects = stored(SubjectEvaluation, enrolment_ids, ("enrolment_id", "subject_code"), S_VALUES)
    ratings = stored(RatingEvaluation, enrolment_ids, ("enrolment_id", "kind", "code"), R_VALUES)
    for row in subject_rows:
        _plan_subject(plan, row, catalogs, subjects)
    for row in rating_rows:
        _plan_rating(plan, row, catalogs, ratings)
    return plan


def _plan_subject(
    plan: EvaluationPlan, row: SubjectRow, catalogs: validation.Catalogs, subjects: dict
) -> None:
    given = row.given()
    if not given:
        return  # a pre-filled template row left empty: nothing to check or write
    enrolment = plan.enrolments.get(row.student_code)
    found = validation.student_problem(row, enrolment)
    if found:
        plan.problems += found
        return
    assert enrolment is not None
    grade = enrolment.school_class.grade
    spec = catalogs.subject(grade, row.subject_code)
    found = validation.check_subject_row(row, spec, grade)
    if found or spec is None:
        plan.problems += found
        return
    if plan.duplicate(row, ("s", enrolment.pk, row.subject_code)):
        return
    current_row = subjects.get((enrolment.pk, row.subject_code))
    if current_row is None:
        values = {**validation.EMPTY_SUBJECT, **given}
        plan.s_new.append(
            (enrolment.pk, spec[0].code, spec[0].name, *(values[f] for f in S_VALUES), spec[1],
             plan.now)
        )  # fmt: skip
        plan.tally["subjects", "created"] += 1
    else:
        identity = {"enrolment": enrolment.pk, "subject": spec[0].code}
        if not _merge_row(plan, "subjects", current_row, S_INDEX, given, plan.s_changed, identity):
            return
    plan.locked(row, enrolment)


def _merge_row(
    plan: EvaluationPlan,
    table: str,
    current_row: tuple[int, list[Any]],
    index: dict[str, int],
    given: dict[str, Any],
    changed: list[tuple[Any, ...]],
    identity: dict[str, Any],
) -> bool:
    """Merge ``given`` into a stored row: queue the update and its audit change, or count it
    unchanged. Returns whether anything changed."""
    pk, current = current_row
    diff, before = merge(current, index, given)
    if not diff:
        plan.tally[table, "unchanged"] += 1
        return False
    changed.append((*current, plan.now, pk))
    plan.changes.append(
        {**identity, "fields": diff, "before": before, "after": {f: given[f] for f in before}}
    )
    plan.tally[table, "updated"] += 1
    return True


def _plan_rating(
    plan: EvaluationPlan, row: RatingRow, catalogs: validation.Catalogs, ratings: dict
) -> None:
    given = row.given()
    if not given:
        return
    enrolment = plan.enrolments.get(row.student_code)
    found = validation.student_problem(row, enrolment)
    if found:
        plan.problems += found
        return
    assert enrolment is not None
    rating = (
        catalogs.rating(enrolment.school_class.grade, row.kind, row.code)
        if row.kind in validation.RATING_KINDS
        else None
    )
    found = validation.check_rating_row(row, rating)
    if found or rating is None:
        plan.problems += found
        return
    if plan.duplicate(row, ("r", enrolment.pk, row.kind, row.code)):
        return
    current_row = ratings.get((enrolment.pk, row.kind, row.code))
    if current_row is None:
        plan.r_new.append(
            (enrolment.pk, row.kind, rating[0].code, rating[0].name, given.get("level", ""),
             given.get("comment", ""), rating[1], plan.now)
        )  # fmt: skip
        plan.tally["ratings", "created"] += 1
    else:
        identity = {"enrolment": enrolment.pk, "kind": row.kind, "code": rating[0].code}
        if not _merge_row(plan, "ratings", current_row, R_INDEX, given, plan.r_changed, identity):
            return
    plan.locked(row, enrolment)
