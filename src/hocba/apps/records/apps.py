from __future__ import annotations

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """Working evaluations and the record versions built from them."""

    name = "hocba.apps.records"
    label = "records"
    verbose_name = "Học bạ"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hocba.apps.accounts import menu
        from hocba.apps.records.menu import links

        menu.register(links)
