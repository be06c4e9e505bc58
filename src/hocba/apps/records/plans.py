"""The individual education plan of a student with disabilities (TT27 Art. 8): the GVCN
records that the student has a plan and, per subject, exempted (Miễn) or assessed by the plan.

One writer, one transaction: the class row locked, the state checked like any entry (an open
class, no signed record), the audit event in the same transaction. Authority is decided by
``accounts.policy`` in the view (``class:rating:edit``, the GVCN). ``services.build_record``
carries the stored plan into the record; the rules then read it (``rules.tt27``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import Enrolment, SchoolClass
from hocba.apps.records import review
from hocba.apps.records.errors import InvalidEntry
from hocba.apps.records.models import IndividualPlan as StoredPlan
from hocba.spec import IndividualPlan, PlanSubjectMode


def _lock(cls: SchoolClass) -> SchoolClass:
    return (
        SchoolClass.objects.select_for_update()
        .select_related("school__org_unit", "school_year")
        .get(pk=cls.pk)
    )


def _check(cls: SchoolClass, plan: IndividualPlan) -> None:
    catalog = review.catalog_of(cls)
    for entry in plan.subjects:
        if catalog is None or catalog.subject(entry.code) is None:
            raise InvalidEntry(
                "Môn học không có trong chương trình của lớp.", field=f"mode_{entry.code}"
            )


@transaction.atomic
def save_plan(actor: Any, enrolment: Enrolment, plan: IndividualPlan | None) -> None:
    """Store (or, with ``None``, remove) the student's individual education plan."""
    cls = _lock(enrolment.school_class)
    review.require_editable(enrolment, cls, "kế hoạch giáo dục cá nhân")
    if plan is None:
        StoredPlan.objects.filter(enrolment=enrolment).delete()
        subject: Any = enrolment
    else:
        _check(cls, plan)
        subject, _ = StoredPlan.objects.update_or_create(
            enrolment=enrolment,
            defaults={
                "reference": plan.reference,
                "subjects": [e.model_dump(mode="json") for e in plan.subjects],
                "updated_by": actor,
            },
        )
    modes = {} if plan is None else {e.code: e.mode for e in plan.subjects}
    audit.record(
        EventTag.EVALUATION_PLAN_CHANGED, actor=actor, subject=subject,
        scope_path=cls.school.org_unit.path,
        data={
            "enrolment": enrolment.pk,
            "has_plan": plan is not None,
            "exempted": sorted(c for c, m in modes.items() if m is PlanSubjectMode.EXEMPTED),
            "by_plan": sorted(c for c, m in modes.items() if m is PlanSubjectMode.BY_PLAN),
        },
    )  # fmt: skip
