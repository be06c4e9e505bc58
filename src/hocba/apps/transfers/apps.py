from __future__ import annotations

from django.apps import AppConfig


class TransfersConfig(AppConfig):
    """School transfers (chuyển trường): signed packages out, verified history in."""

    name = "hocba.apps.transfers"
    label = "transfers"
    verbose_name = "Chuyển trường"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hocba.apps.accounts import menu
        from hocba.apps.transfers.views import menu_links

        menu.register(menu_links)
