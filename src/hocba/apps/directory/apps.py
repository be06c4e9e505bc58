from __future__ import annotations

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    """Administrative units, the education org tree, schools, years, classes, people."""

    name = "hocba.apps.directory"
    label = "directory"
    verbose_name = "Danh mục trường lớp"
    default_auto_field = "django.db.models.BigAutoField"
