from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Spreadsheet templates and imports of rosters and evaluations (DOMAIN §4, §6)."""

    name = "hocba.apps.imports"
    label = "imports"
    verbose_name = "Nhập dữ liệu"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hocba.apps.accounts import menu
        from hocba.apps.imports.menu import links

        menu.register(links)
