from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Parents, guardians and students: their own issued records."""

    name = "hocba.apps.portal"
    label = "portal"
    verbose_name = "Cổng gia đình"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hocba.apps.accounts import menu
        from hocba.apps.portal.views import menu_links

        menu.register(menu_links)
