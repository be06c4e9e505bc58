from __future__ import annotations

from django.apps import AppConfig


class VerificationConfig(AppConfig):
    """The public verification page: a presented PDF or QR code, no account."""

    name = "hocba.apps.verification"
    label = "verification"
    verbose_name = "Xác minh học bạ"
    default_auto_field = "django.db.models.BigAutoField"
