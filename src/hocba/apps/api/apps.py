from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The vendor REST API (``/api/v1/``, django-ninja) and its per-school tokens."""

    name = "hocba.apps.api"
    label = "api"
    verbose_name = "API cho phần mềm nhà trường"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hocba.apps.accounts import menu
        from hocba.apps.api.views import menu_links

        menu.register(menu_links)
