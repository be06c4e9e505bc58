"""Account use cases: creating users with grants, and login throttling."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

from hocba.apps.accounts.models import Grant, Role
from hocba.apps.accounts.policy import forget_grants

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60


@transaction.atomic
def create_user(username: str, password: str, *, full_name: str = "", **grant: Any) -> Any:
    """A user with one grant (``role=...`` plus its scope: org_unit, school_class, subject_code
    or student). Further grants: ``add_grant``."""
    first, _, last = full_name.rpartition(" ")
    user = get_user_model().objects.create_user(
        username=username, password=password, first_name=last, last_name=first
    )
    if grant:
        add_grant(user, **grant)
    return user


def add_grant(user: Any, *, role: str, **scope: Any) -> Grant:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    forget_grants(user)
    return Grant.objects.create(user=user, role=role, **scope)


def _key(username: str, ip: str) -> str:
    return f"hocba:login-failures:{username.strip().lower()}:{ip}"


def login_locked(username: str, ip: str) -> bool:
    return int(cache.get(_key(username, ip), 0)) >= MAX_FAILURES


def record_login_failure(username: str, ip: str) -> None:
    key = _key(username, ip)
    cache.add(key, 0, LOCK_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, LOCK_SECONDS)


def clear_login_failures(username: str, ip: str) -> None:
    cache.delete(_key(username, ip))
