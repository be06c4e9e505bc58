from __future__ import annotations

from django.apps import AppConfig


class SchoolAdminConfig(AppConfig):
    """School administration: school years, classes, teachers, enrolments, parent accounts."""

    name = "hocba.apps.schooladmin"
    label = "schooladmin"
    verbose_name = "Quản trị nhà trường"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hocba.apps.accounts import menu
        from hocba.apps.schooladmin.views import menu_links

        menu.register(menu_links)
