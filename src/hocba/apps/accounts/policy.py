"""Who may do what, decided in one place (DESIGN "Security model", STYLE "Authority").

- ``can(user, permission, obj)`` answers for one object (a SchoolClass, School, Enrolment,
  Student or OrgUnit). Views call it (or ``require``) and answer 404 on False, so an object
  outside the user's scope is indistinguishable from one that does not exist.
- ``*_visible_to(user)`` are the only list filters: every list a view shows starts there.
Permissions are also registered with ``rules`` so ``user.has_perm(perm, obj)`` agrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

import rules
from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.models import (
    CLASS_ROLES,
    FAMILY_ROLES,
    OFFICER_ROLES,
    SCHOOL_LEADER_ROLES,
    Grant,
    Role,
)
from hocba.apps.accounts.permissions import Permission as P
from hocba.apps.directory.models import Enrolment, OrgUnit, School, SchoolClass, Student

_CACHE = "_hocba_grants"


@dataclass(frozen=True)
class SchoolAgent:
    """A non-human actor with school-level authority over one school's data: a vendor's API
    token. It holds no grants; it may do exactly ``AGENT_PERMISSIONS`` on objects of its school
    (never sign, seal, finalise or unlock: those stay with people)."""

    school: School
    label: str  # for audit rows, e.g. "api:ab12cd34"
    pk: None = None  # not a user: audit rows carry no actor id
    is_authenticated: bool = True
    is_active: bool = True

    @property
    def username(self) -> str:
        return self.label


AGENT_PERMISSIONS = frozenset(
    {
        P.CLASS_EVALUATION_EDIT,
        P.CLASS_RATING_EDIT,
        P.CLASS_RECORD_REVIEW,
        P.SCHOOL_YEAR_MANAGE,
        P.STUDENT_RECORD_VIEW,
    }
)


def _agent_allows(agent: SchoolAgent, perm: P, obj: Any) -> bool:
    school = _school_of(obj)
    return perm in AGENT_PERMISSIONS and school is not None and school.pk == agent.school.pk


def grants_of(user: Any) -> list[Grant]:
    """The user's active grants, loaded once per request (cached on the user object)."""
    if isinstance(user, SchoolAgent):
        return []
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = list(
            Grant.objects.filter(user=user, active=True).select_related(
                "org_unit", "school_class__school__org_unit", "student"
            )
        )
        setattr(user, _CACHE, cached)
    return cached


def forget_grants(user: Any) -> None:
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


# --- scope of one object -------------------------------------------------------------------


def _school_of(obj: Any) -> School | None:
    if isinstance(obj, School):
        return obj
    if isinstance(obj, SchoolClass):
        return obj.school
    if isinstance(obj, Enrolment):
        return obj.school_class.school
    return None


def _class_of(obj: Any) -> SchoolClass | None:
    if isinstance(obj, SchoolClass):
        return obj
    if isinstance(obj, Enrolment):
        return obj.school_class
    return None


def _student_of(obj: Any) -> Student | None:
    if isinstance(obj, Student):
        return obj
    if isinstance(obj, Enrolment):
        return obj.student
    return None


def _unit_path(obj: Any) -> str | None:
    if isinstance(obj, OrgUnit):
        return obj.path
    school = _school_of(obj)
    return school.org_unit.path if school is not None else None


def _covers_unit(grant: Grant, obj: Any) -> bool:
    path = _unit_path(obj)
    return grant.org_unit is not None and path is not None and path.startswith(grant.org_unit.path)


def _leads_school(grant: Grant, obj: Any) -> bool:
    school = _school_of(obj)
    return (
        grant.role in SCHOOL_LEADER_ROLES
        and school is not None
        and grant.org_unit_id == school.org_unit_id
    )


def _homeroom_of(grant: Grant, obj: Any) -> bool:
    cls = _class_of(obj)
    return (
        grant.role == Role.HOMEROOM_TEACHER and cls is not None and grant.school_class_id == cls.pk
    )


def _teaches(grant: Grant, obj: Any, subject: str | None) -> bool:
    cls = _class_of(obj)
    return (
        grant.role == Role.SUBJECT_TEACHER
        and cls is not None
        and grant.school_class_id == cls.pk
        and (subject is None or grant.subject_code == subject)
    )


def _family_of(grant: Grant, obj: Any) -> bool:
    student = _student_of(obj)
    return grant.role in FAMILY_ROLES and student is not None and grant.student_id == student.pk


def _allows(grant: Grant, perm: P, obj: Any, subject: str | None) -> bool:
    """One grant, one permission, one object."""
    principal = grant.role == Role.PRINCIPAL and _leads_school(grant, obj)
    leader = _leads_school(grant, obj)
    officer = grant.role in OFFICER_ROLES and _covers_unit(grant, obj)
    admin = grant.role == Role.SYSTEM_ADMIN
    homeroom = _homeroom_of(grant, obj)
    match perm:
        case P.CLASS_EVALUATION_EDIT:
            return homeroom or _teaches(grant, obj, subject)
        case (
            P.CLASS_CORRECTION_REQUEST
            | P.CLASS_RATING_EDIT
            | P.CLASS_RECORD_FINALISE
            | P.CLASS_RECORD_SIGN
            | P.CLASS_SUPPLEMENTARY_EDIT
        ):
            return homeroom
        case P.CLASS_COMMENDATION_PROPOSE:
            return homeroom or principal
        case P.CLASS_RECORD_REVIEW:
            return homeroom or leader
        case P.CLASS_ROSTER_IMPORT:
            return homeroom or leader
        case (
            P.SCHOOL_CLASS_UNLOCK
            | P.SCHOOL_COMMENDATION_APPROVE
            | P.SCHOOL_CORRECTION_APPROVE
            | P.SCHOOL_PROMOTION_DECIDE
            | P.SCHOOL_RECORD_SIGN
            | P.SCHOOL_RECORD_SEAL
        ):
            return principal
        case P.SCHOOL_API_TOKEN_MANAGE:
            return principal or admin
        case P.SCHOOL_YEAR_MANAGE | P.SCHOOL_AUDIT_VIEW:
            return leader or admin
        case P.STUDENT_RECORD_VIEW:
            return homeroom or leader or officer or admin or _family_of(grant, obj)
        case P.STUDENT_PERSONAL_ID_VIEW:
            return homeroom or leader
        case P.SUBTREE_PROGRESS_VIEW:
            return officer or leader or admin
        case P.SUBTREE_AUDIT_VIEW:
            return officer or admin
    return False


def can(user: Any, perm: P, obj: Any, *, subject: str | None = None) -> bool:
    if isinstance(user, SchoolAgent):
        return _agent_allows(user, perm, obj)
    return any(_allows(g, perm, obj, subject) for g in grants_of(user))


def require(user: Any, perm: P, obj: Any, *, subject: str | None = None) -> None:
    """Raise ``NotAllowed`` (views answer 404) unless ``can``."""
    if not can(user, perm, obj, subject=subject):
        raise NotAllowed(
            "Không tìm thấy hoặc bạn không có quyền.",
            detail=f"permission {perm} denied on {type(obj).__name__}",
        )


# --- list filters ----------------------------------------------------------------------------


def _enrolment_q(grant: Grant) -> Q | None:
    if grant.role == Role.SYSTEM_ADMIN:
        return Q()
    if grant.role in OFFICER_ROLES and grant.org_unit is not None:
        return Q(school_class__school__org_unit__path__startswith=grant.org_unit.path)
    if grant.role in SCHOOL_LEADER_ROLES and grant.org_unit_id:
        return Q(school_class__school__org_unit_id=grant.org_unit_id)
    if grant.role in CLASS_ROLES and grant.school_class_id:
        return Q(school_class_id=grant.school_class_id)
    if grant.role in FAMILY_ROLES and grant.student_id:
        return Q(student_id=grant.student_id)
    return None


def _any(qs: list[Q]) -> Q | None:
    if not qs:
        return None
    combined = qs[0]
    for q in qs[1:]:
        combined |= q
    return combined


def enrolments_visible_to(user: Any) -> QuerySet[Enrolment]:
    if isinstance(user, SchoolAgent):
        return Enrolment.objects.filter(school_class__school_id=user.school.pk)
    q = _any([q for g in grants_of(user) if (q := _enrolment_q(g)) is not None])
    return Enrolment.objects.none() if q is None else Enrolment.objects.filter(q)


def classes_visible_to(user: Any) -> QuerySet[SchoolClass]:
    """Classes a staff member or officer works with (families see none: they see records)."""
    if isinstance(user, SchoolAgent):
        return SchoolClass.objects.filter(school_id=user.school.pk)
    qs = []
    for g in grants_of(user):
        if g.role in FAMILY_ROLES:
            continue
        q = _enrolment_q(g)
        if q is None:
            continue
        qs.append(Q(pk__in=Enrolment.objects.filter(q).values("school_class_id")) | _class_q(g))
    q = _any(qs)
    return SchoolClass.objects.none() if q is None else SchoolClass.objects.filter(q).distinct()


def _class_q(grant: Grant) -> Q:
    """Classes in scope even before any student is enrolled."""
    if grant.role == Role.SYSTEM_ADMIN:
        return Q()
    if grant.role in OFFICER_ROLES and grant.org_unit is not None:
        return Q(school__org_unit__path__startswith=grant.org_unit.path)
    if grant.role in SCHOOL_LEADER_ROLES:
        return Q(school__org_unit_id=grant.org_unit_id)
    return Q(pk=grant.school_class_id)


def schools_visible_to(user: Any) -> QuerySet[School]:
    if isinstance(user, SchoolAgent):
        return School.objects.filter(pk=user.school.pk)
    qs = []
    for g in grants_of(user):
        if g.role == Role.SYSTEM_ADMIN:
            qs.append(Q())
        elif g.role in OFFICER_ROLES and g.org_unit is not None:
            qs.append(Q(org_unit__path__startswith=g.org_unit.path))
        elif g.role in SCHOOL_LEADER_ROLES:
            qs.append(Q(org_unit_id=g.org_unit_id))
    q = _any(qs)
    return School.objects.none() if q is None else School.objects.filter(q)


def _predicate(perm: P) -> Any:
    def check(user: Any, obj: Any) -> bool:
        return obj is not None and can(user, perm, obj)

    return rules.predicate(check, name=perm.value)


def _register_rules() -> None:
    for perm in P:
        if not rules.perm_exists(perm.value):
            rules.add_perm(perm.value, _predicate(perm))


_register_rules()
