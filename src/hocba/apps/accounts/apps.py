from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users' grants (role + scope in the org tree) and the one policy that decides."""

    name = "hocba.apps.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và phân quyền"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hocba.apps.accounts import signals  # noqa: F401  (connects the receivers)
