"""Demo accounts: one user per role on each demo school, so a newcomer can log in as anyone.

The first demo school's accounts have plain names (``hieutruong``, ``gvcn1a``…); the second
school's (``hocba.demo.generate.SECOND_SCHOOL``, another ward) end in ``_b`` (``hieutruong_b``,
``gvcn1a_b``, ``xa_b`` for its ward's officer) — a counterpart of every role in another school.

``create_demo_accounts()`` runs after ``hocba.apps.records.demo.load_demo_school`` (``hocba
demo`` calls it); ``demo_accounts()`` lists the ones that exist (``hocba serve`` prints them).
Every demo account has the password ``DEMO_PASSWORD`` (documented in docs/cli.md). Refused
with ``HOCBA_ENV=production``: a known password must never exist on a real instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from hocba.apps.accounts import services
from hocba.apps.accounts.models import Grant, Role
from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import Enrolment, OrgUnit, School, SchoolClass, Staff
from hocba.demo.generate import SCHOOL as DEMO_SCHOOL
from hocba.demo.generate import SECOND_SCHOOL
from hocba.errors import HocbaError

DEMO_PASSWORD = "hocba-demo"
FIXED_USERNAMES = (
    "bo",
    "so",
    "xa",
    "hieutruong",
    "phohieutruong",
    "gvnn1",
    "phuhuynh",
    "hocsinh",
)
HOMEROOM_PREFIX = "gvcn"
SCHOOL_SUFFIXES = {DEMO_SCHOOL.code: "", SECOND_SCHOOL.code: "_b"}
"""The username suffix of each demo school's accounts (officers above the ward: none)."""
SUBJECT_TEACHER_CLASS = "3A"
SUBJECT_TEACHER_SUBJECT = "NN1"


class DemoRefused(HocbaError):
    code = "demo.refused_in_production"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    """The role's Vietnamese name."""
    scope: str
    """Where the role applies, in Vietnamese."""


def _refuse_in_production() -> None:
    if getattr(settings, "HOCBA_ENV", "development") == "production":
        raise DemoRefused(
            "Không tạo tài khoản mẫu khi HOCBA_ENV=production.",
            detail="demo accounts refused in production",
        )


def _demo_users() -> Any:
    names = [name + suffix for suffix in SCHOOL_SUFFIXES.values() for name in FIXED_USERNAMES]
    return get_user_model().objects.filter(
        Q(username__in=names) | Q(username__startswith=HOMEROOM_PREFIX)
    )


def _schools(school: School | None) -> list[School]:
    """``[school]``, else the demo schools that exist (the first one first), else the first
    school of the instance."""
    if school is not None:
        return [school]
    by_code = {s.school_code: s for s in School.objects.filter(school_code__in=SCHOOL_SUFFIXES)}
    found = [by_code[code] for code in SCHOOL_SUFFIXES if code in by_code]
    first = School.objects.first()
    if not found and first is not None:
        found = [first]
    if not found:
        raise DemoRefused(
            "Chưa có trường mẫu: hãy chạy `hocba demo` trước.", detail="no demo school"
        )
    return found


@transaction.atomic
def create_demo_accounts(
    school: School | None = None, *, password: str = DEMO_PASSWORD
) -> list[DemoAccount]:
    """(Re)create one account per role with grants on ``school`` (default: every demo school,
    each with its username suffix) and its org tree; earlier demo accounts are replaced."""
    _refuse_in_production()
    schools = _schools(school)
    _demo_users().delete()
    plan: list[tuple[str, str, dict[str, Any]]] = []
    local = schools[0].org_unit.parent
    department = local.parent if local else None
    ministry = department.parent if department else None
    for username, role, unit in (
        ("bo", Role.MINISTRY_OFFICER, ministry),
        ("so", Role.DEPARTMENT_OFFICER, department),
    ):
        if isinstance(unit, OrgUnit):
            plan.append((username, role, {"org_unit": unit}))
    locals_seen: set[int] = set()
    # The staff member each account is: linked to the login, so the school administration
    # pages know the GVCN has an account and the audit log names the person.
    staff_of: dict[str, Staff | None] = {}
    for each in schools:
        suffix = SCHOOL_SUFFIXES.get(each.school_code, "")
        plan += _school_plan(each, suffix, locals_seen, staff_of)

    accounts = []
    for username, role, scope in plan:
        staff = staff_of.get(username)
        full_name = staff.full_name if staff is not None else ""
        user = services.create_user(username, password, full_name=full_name, role=role, **scope)
        if staff is not None:
            Staff.objects.filter(pk=staff.pk).update(user=user)
        grant = Grant.objects.select_related("org_unit", "school_class__school", "student").get(
            user=user
        )
        audit.record(
            EventTag.ACCOUNT_USER_CREATED,
            subject=user,
            scope_path=_scope_path(grant),
            data={"role": str(role), "demo": True},
        )
        accounts.append(DemoAccount(username, password, Role(role).label, describe_scope(grant)))
    return accounts


def _school_plan(
    school: School, suffix: str, locals_seen: set[int], staff_of: dict[str, Staff | None]
) -> list[tuple[str, str, dict[str, Any]]]:
    """The accounts of one school (and its ward's officer, once per ward)."""
    plan: list[tuple[str, str, dict[str, Any]]] = []
    local = school.org_unit.parent
    if isinstance(local, OrgUnit) and local.pk not in locals_seen:
        locals_seen.add(local.pk)
        plan.append((f"xa{suffix}", Role.LOCAL_OFFICER, {"org_unit": local}))
    classes = list(
        SchoolClass.objects.filter(school=school)
        .select_related("school_year", "homeroom_teacher")
        .order_by("-school_year__code", "grade", "name")
    )
    current_year = classes[0].school_year_id if classes else None
    current = [c for c in classes if c.school_year_id == current_year]
    staff_of[f"hieutruong{suffix}"] = (
        Staff.objects.filter(school=school, position=Staff.Position.PRINCIPAL, active=True)
        .order_by("id")
        .first()
    )
    plan.append((f"hieutruong{suffix}", Role.PRINCIPAL, {"org_unit": school.org_unit}))
    plan.append((f"phohieutruong{suffix}", Role.VICE_PRINCIPAL, {"org_unit": school.org_unit}))
    for cls in current:
        username = f"{HOMEROOM_PREFIX}{cls.name.lower()}{suffix}"
        plan.append((username, Role.HOMEROOM_TEACHER, {"school_class": cls}))
        staff_of[username] = cls.homeroom_teacher
    english = next((c for c in current if c.name == SUBJECT_TEACHER_CLASS), None)
    english = english or next((c for c in current if c.grade >= 3), None)
    if english is not None:
        scope = {"school_class": english, "subject_code": SUBJECT_TEACHER_SUBJECT}
        plan.append((f"gvnn1{suffix}", Role.SUBJECT_TEACHER, scope))
    enrolment = (
        Enrolment.objects.filter(school_class__in=current)
        .select_related("student")
        .order_by("school_class__grade", "school_class__name", "student__student_code")
        .first()
    )
    if enrolment is not None:
        plan.append((f"phuhuynh{suffix}", Role.PARENT, {"student": enrolment.student}))
        plan.append((f"hocsinh{suffix}", Role.STUDENT, {"student": enrolment.student}))
    return plan


def _scope_path(grant: Grant) -> str:
    if grant.org_unit is not None:
        return grant.org_unit.path
    if grant.school_class is not None:
        return grant.school_class.school.org_unit.path
    return ""


def describe_scope(grant: Grant) -> str:
    """Where a grant applies, as a user would say it."""
    if grant.school_class is not None:
        cls = grant.school_class
        subject = f", môn {grant.subject_code}" if grant.subject_code else ""
        return f"Lớp {cls.name}{subject} — {cls.school.name}"
    if grant.student is not None:
        return f"Học sinh {grant.student.full_name}"
    if grant.org_unit is not None:
        return grant.org_unit.name
    return "Toàn hệ thống"


def demo_accounts(password: str = DEMO_PASSWORD) -> list[DemoAccount]:
    """The demo accounts that exist now, one row per grant (none outside development)."""
    if getattr(settings, "HOCBA_ENV", "development") == "production":
        return []
    grants = (
        Grant.objects.filter(user__in=_demo_users(), active=True)
        .select_related("user", "org_unit", "school_class__school", "student")
        .order_by("id")
    )
    return [
        DemoAccount(g.user.username, password, Role(g.role).label, describe_scope(g))
        for g in grants
    ]


def ensure_demo_accounts() -> list[DemoAccount]:
    """The demo accounts; created first if the demo school exists without them (a database
    from before demo accounts existed). None in production or without the demo school."""
    if getattr(settings, "HOCBA_ENV", "development") == "production":
        return []
    accounts = demo_accounts()
    if accounts or not School.objects.filter(school_code=DEMO_SCHOOL.code).exists():
        return accounts
    create_demo_accounts()
    return demo_accounts()
