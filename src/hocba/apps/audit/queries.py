"""Which audit rows a user may read: their school's (principals, vice-principals) or their
subtree's (officers); a system admin reads everything. Rows without a scope (logins) are
for system admins only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from hocba.apps.accounts.models import OFFICER_ROLES, SCHOOL_LEADER_ROLES, Role
from hocba.apps.accounts.policy import classes_visible_to, enrolments_visible_to, grants_of
from hocba.apps.api.models import ApiToken
from hocba.apps.audit.models import AuditEvent
from hocba.apps.directory.models import Enrolment, SchoolClass, Student
from hocba.apps.records.models import (
    RatingEvaluation,
    RecordVersion,
    SubjectEvaluation,
    YearSummary,
)
from hocba.apps.signing.models import SigningBatch
from hocba.apps.transfers.models import ReceivedRecord

READERS = OFFICER_ROLES | SCHOOL_LEADER_ROLES
API_LABEL = "api:"  # actor_label of an API token: "api:<prefix>" (accounts.policy.SchoolAgent)


def may_read_audit(user: Any) -> bool:
    return any(g.role in READERS or g.role == Role.SYSTEM_ADMIN for g in grants_of(user))


def events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    q: Q | None = None
    for grant in grants_of(user):
        if grant.role == Role.SYSTEM_ADMIN:
            return AuditEvent.objects.all()
        if grant.role in READERS and grant.org_unit is not None:
            part = Q(scope_path__startswith=grant.org_unit.path)
            q = part if q is None else q | part
    return AuditEvent.objects.none() if q is None else AuditEvent.objects.filter(q)


# --- filters (narrow what ``events_visible_to`` gave; never widen it) ---------------------------


@dataclass(frozen=True)
class EventFilter:
    """What the reader asked for; empty fields filter nothing."""

    school_class: str = ""  # a class name, e.g. "5A"
    student: str = ""  # a student's name (part of it) or code
    person: str = ""  # the actor: part of the name, the login name, or an API token
    tag: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _as_ids(qs: QuerySet[Any]) -> QuerySet[Any]:
    """Primary keys as text, to compare with ``AuditEvent.subject_id``."""
    return qs.annotate(_subject_id=Cast("pk", CharField())).values("_subject_id")


def _about_enrolments(enrolments: QuerySet[Enrolment]) -> Q:
    """Events whose subject is one of the enrolments or hangs off one of them."""
    q = Q(subject_type="Enrolment", subject_id__in=_as_ids(enrolments))
    for model in (RecordVersion, SubjectEvaluation, RatingEvaluation, YearSummary):
        rows = model.objects.filter(enrolment__in=enrolments)  # type: ignore[attr-defined]
        q |= Q(subject_type=model.__name__, subject_id__in=_as_ids(rows))
    return q


def _about_classes(classes: QuerySet[SchoolClass]) -> Q:
    enrolments = Enrolment.objects.filter(school_class__in=classes)
    batches = SigningBatch.objects.filter(school_class__in=classes)
    return (
        Q(subject_type="SchoolClass", subject_id__in=_as_ids(classes))
        | Q(subject_type="SigningBatch", subject_id__in=_as_ids(batches))
        | _about_enrolments(enrolments)
    )


def _about_students(user: Any, text: str) -> Q:
    enrolments = enrolments_visible_to(user).filter(
        Q(student__student_code__iexact=text) | Q(student__full_name__icontains=text)
    )
    students = Student.objects.filter(pk__in=enrolments.values("student_id"))
    received = ReceivedRecord.objects.filter(student__in=students)
    return (
        Q(subject_type="Student", subject_id__in=_as_ids(students))
        | Q(subject_type="ReceivedRecord", subject_id__in=_as_ids(received))
        | _about_enrolments(enrolments)
    )


def _by_person(text: str) -> Q:
    users = get_user_model().objects.filter(
        Q(username__iexact=text) | Q(first_name__icontains=text) | Q(last_name__icontains=text)
    )
    tokens = ApiToken.objects.filter(Q(name__icontains=text) | Q(prefix__iexact=text))
    labels = tokens.annotate(_label=Concat(Value(API_LABEL), "prefix")).values("_label")
    return Q(actor_id__in=users.values("pk")) | Q(actor_label__in=labels)


def filter_events(
    user: Any, events: QuerySet[AuditEvent], wanted: EventFilter
) -> QuerySet[AuditEvent]:
    """``events`` (already the user's) narrowed to what ``wanted`` asks; classes and students
    are looked up only within the user's scope (``accounts.policy``)."""
    if wanted.tag:
        events = events.filter(tag=wanted.tag)
    if wanted.date_from:
        events = events.filter(at__date__gte=wanted.date_from)
    if wanted.date_to:
        events = events.filter(at__date__lte=wanted.date_to)
    if wanted.school_class:
        classes = classes_visible_to(user).filter(name__iexact=wanted.school_class)
        events = events.filter(_about_classes(SchoolClass.objects.filter(pk__in=classes)))
    if wanted.student:
        events = events.filter(_about_students(user, wanted.student))
    if wanted.person:
        events = events.filter(_by_person(wanted.person))
    return events
