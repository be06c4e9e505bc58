"""Account use cases: creating users with grants, and login throttling."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from hocba.apps.accounts import ratelimit
from hocba.apps.accounts.models import Grant, Role
from hocba.apps.accounts.policy import forget_grants
from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory import tenancy

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60


@transaction.atomic
def create_user(username: str, password: str, *, full_name: str = "", **grant: Any) -> Any:
    """A user with one grant (``role=...`` plus its scope: org_unit, school_class, subject_code
    or student). Further grants: ``add_grant``."""
    # Vietnamese names are family name first: keep the whole name in first_name so that
    # get_full_name() prints it unchanged.
    user = get_user_model().objects.create_user(
        username=username, password=password, first_name=full_name[:150]
    )
    actor = grant.pop("actor", None)
    scope = _scope_path(Grant(**grant)) if grant else ""
    audit.record(EventTag.ACCOUNT_USER_CREATED, actor=actor, subject=user, scope_path=scope)
    if grant:
        add_grant(user, actor=actor, **grant)
    return user


@transaction.atomic
def add_grant(user: Any, *, role: str, actor: Any = None, **scope: Any) -> Grant:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    forget_grants(user)
    grant = Grant.objects.create(user=user, role=role, **scope)
    audit.record(
        EventTag.ACCOUNT_GRANT_ADDED,
        actor=actor,
        subject=user,
        scope_path=_scope_path(grant),
        data={"grant": grant.pk, "role": role},
    )
    return grant


@transaction.atomic
def revoke_grant(grant: Grant, *, actor: Any = None) -> None:
    grant.active = False
    grant.save(update_fields=["active"])
    forget_grants(grant.user)
    audit.record(
        EventTag.ACCOUNT_GRANT_REVOKED,
        actor=actor,
        subject=grant.user,
        scope_path=_scope_path(grant),
        data={"grant": grant.pk, "role": grant.role},
    )


def _scope_path(grant: Grant) -> str:
    """The org path the grant's audit rows are filed under: its unit, its class's school, or
    for a family grant the school the student belongs to (issue #11)."""
    if grant.org_unit is not None:
        return grant.org_unit.path
    if grant.school_class is not None:
        return grant.school_class.school.org_unit.path
    if grant.student is not None:
        return tenancy.scope_path(grant.student)
    return ""


LOGIN_SCOPE = "login"


def login_attempt(username: str, address: str) -> bool:
    """Count one login attempt by this name from this address; False once ``MAX_FAILURES``
    attempts were made in the last ``LOCK_SECONDS`` without a success (counting before
    checking the password: parallel guesses cannot slip past the limit)."""
    name = ratelimit.normalize_username(username)
    return ratelimit.hit(LOGIN_SCOPE, name, address, window=LOCK_SECONDS) <= MAX_FAILURES


def login_locked(username: str, address: str) -> bool:
    """Whether the next attempt by this name from this address would be refused."""
    name = ratelimit.normalize_username(username)
    return ratelimit.count(LOGIN_SCOPE, name, address) >= MAX_FAILURES


def clear_login_failures(username: str, address: str) -> None:
    ratelimit.reset(LOGIN_SCOPE, ratelimit.normalize_username(username), address)
