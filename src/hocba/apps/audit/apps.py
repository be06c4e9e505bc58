from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only, hash-chained log of every state change and every record view."""

    name = "hocba.apps.audit"
    label = "audit"
    verbose_name = "Nhật ký"
    default_auto_field = "django.db.models.BigAutoField"
