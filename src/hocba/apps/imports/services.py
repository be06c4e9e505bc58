"""Apply imported rows (from a workbook or the REST API) to a school year: validate everything
against the database first, then write every change in one transaction, or nothing.

- ``apply_roster``: students (upsert by student code), their enrolment in a class of the school
  year (by class name) and guardians (by relation).
- ``apply_evaluations``: subject evaluations (upsert by enrolment + subject code) and quality /
  competence ratings (by enrolment + kind + code), as the entry grids save them.

Both raise ``ImportRejected`` with EVERY problem (each pointing at its cell) and write nothing,
or write only the rows that differ (bulk) and one audit event, filed under the school whose
students changed; an unchanged import writes nothing at all. A value that is ``None`` in a row
means "not given: keep what is stored". Authority over the school is the caller's (views check
the policy; the CLI runs as the operator); which students a school may write is the
directory's tenancy rule (``hocba.apps.directory.tenancy``, issue #11).

The work is split by reason to change: ``validation`` (row checks), ``roster`` and
``evaluations`` (plans against the database), ``writes`` (bulk writes); this module holds the
entry points, the transaction and the audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import School, SchoolClass, SchoolYear
from hocba.apps.imports import writes
from hocba.apps.imports.evaluations import (
    R_INSERT,
    R_VALUES,
    S_INSERT,
    S_VALUES,
    enrolments_by_code,
    plan_evaluations,
)
from hocba.apps.imports.roster import plan_roster
from hocba.apps.records.models import RatingEvaluation, SubjectEvaluation
from hocba.ingest.rows import (
    ImportRejected,
    ImportSummary,
    RatingRow,
    RosterRow,
    SubjectRow,
    gc_paused,
)

__all__ = ["ImportRejected", "ImportSummary", "apply_evaluations", "apply_roster"]


def _scope(school: School) -> str:
    return school.org_unit.path


def _classes(school: School, school_year: SchoolYear) -> dict[str, SchoolClass]:
    return {
        c.name.casefold(): c
        for c in SchoolClass.objects.filter(school=school, school_year=school_year)
    }


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

    With ``only_class`` (a GVCN's upload) every row must be of that class. A student code of a
    student who belongs to another school is refused (the same problem whichever school):
    students of other schools move only with a transfer package. A student never enrolled
    anywhere may be reached, and then belongs to this school."""
    with gc_paused(), transaction.atomic():
        classes = _classes(school, school_year)
        writes.lock_classes(c.pk for c in classes.values())
        plan = plan_roster(school, school_year, rows, classes, only_class)
        if plan.problems:
            raise ImportRejected(plan.problems)
        created = writes.write_roster(plan)
        summary = plan.summary
        if summary.changed:
            touched = {cls.pk for _, cls in plan.new_enrolments}
            touched |= {e.school_class_id for e in plan.changed_enrolments}
            touched |= {
                plan.enrolments[s.pk].school_class_id
                for s in plan.changed_students
                if s.pk in plan.enrolments
            }
            audit.record(
                EventTag.IMPORT_ROSTER_APPLIED,
                actor=actor,
                subject=school,
                scope_path=_scope(school),  # every student written belongs to ``school``
                data={
                    "via": via,
                    "school_year": school_year.code,
                    "classes": sorted(touched),
                    "enrolments_created": sorted(e.pk for e in created),
                    **summary.as_dict(),
                },
            )
    return summary


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
        enrolments = enrolments_by_code(school, school_year, codes)
        if only_class is not None:
            enrolments = {c: e for c, e in enrolments.items() if e.school_class_id == only_class.pk}
        writes.lock_classes(e.school_class_id for e in enrolments.values())
        plan = plan_evaluations(school_year, enrolments, subject_rows, rating_rows)
        if plan.problems:
            raise ImportRejected(plan.problems)
        for (kind, what), count in plan.tally.items():
            summary.count(kind, **{what: count})
        writes.insert(SubjectEvaluation, S_INSERT, plan.s_new)
        writes.executemany(
            writes.update_sql(SubjectEvaluation, [*S_VALUES, "updated_at"]), plan.s_changed
        )
        writes.insert(RatingEvaluation, R_INSERT, plan.r_new)
        writes.executemany(
            writes.update_sql(RatingEvaluation, [*R_VALUES, "updated_at"]), plan.r_changed
        )
        if summary.changed:
            audit.record(
                EventTag.IMPORT_EVALUATIONS_APPLIED,
                actor=actor,
                subject=school,
                scope_path=_scope(school),
                data={
                    "via": via,
                    "school_year": school_year.code,
                    "classes": sorted(plan.touched),
                    **summary.as_dict(),
                    "changes": plan.changes,
                },
            )
    return summary
