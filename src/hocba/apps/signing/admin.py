"""Django admin for the system administrator: signer keys (they hold no secret)."""

from __future__ import annotations

from django.contrib import admin

from hocba.apps.signing.models import SignerKey


@admin.register(SignerKey)
class SignerKeyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("school", "role", "user", "kind", "location", "identifier", "pin_at_batch")
    list_filter = ("role", "kind", "pin_at_batch")
    search_fields = ("school__name", "school__school_code", "identifier")
    raw_id_fields = ("school", "user", "updated_by")
    readonly_fields = ("updated_by", "updated_at")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from hocba.apps.signing.keys import _audit

        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        _audit(request.user, obj.school, obj, "updated" if change else "created")

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        from hocba.apps.signing.keys import _audit

        _audit(request.user, obj.school, obj, "deleted")
        super().delete_model(request, obj)
