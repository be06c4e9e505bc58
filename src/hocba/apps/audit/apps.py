from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only, hash-chained log of every state change and every record view."""

    name = "hocba.apps.audit"
    label = "audit"
    verbose_name = "Nhật ký"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import reverse

        from hocba.apps.accounts import menu
        from hocba.apps.accounts.models import OFFICER_ROLES, SCHOOL_LEADER_ROLES, Role

        readers = OFFICER_ROLES | SCHOOL_LEADER_ROLES | {Role.SYSTEM_ADMIN}

        def audit_link(grant):  # type: ignore[no-untyped-def]
            if grant.role in readers:
                return [menu.Link("Nhật ký thay đổi", reverse("audit:events"))]
            return []

        menu.register(audit_link)
