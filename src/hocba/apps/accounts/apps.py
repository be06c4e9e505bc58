from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    """Users' grants (role + scope in the org tree) and the one policy that decides."""

    name = "hocba.apps.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và phân quyền"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hocba.apps.accounts import signals  # noqa: F401  (connects the receivers)

        post_migrate.connect(create_cache_table, sender=self)


def create_cache_table(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """``migrate`` also creates the database cache's table (login lockout and rate limits
    count there; ``createcachetable`` skips a table that exists and non-database caches)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
