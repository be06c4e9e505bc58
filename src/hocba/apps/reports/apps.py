from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Read-only progress of a subtree for officers and school leaders."""

    name = "hocba.apps.reports"
    label = "reports"
    verbose_name = "Giám sát tiến độ"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hocba.apps.accounts import menu
        from hocba.apps.reports.views import menu_links

        menu.register(menu_links)
