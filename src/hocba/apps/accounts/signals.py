"""Logins are audited (success with the user; failure without the typed name)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from hocba.apps.audit.services import record
from hocba.apps.audit.tags import EventTag


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(EventTag.ACCOUNT_LOGIN_SUCCEEDED, actor=user, subject=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    record(EventTag.ACCOUNT_LOGIN_FAILED)
