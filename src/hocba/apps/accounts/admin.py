from __future__ import annotations

from django.contrib import admin

from hocba.apps.accounts.models import Grant


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "org_unit", "school_class", "subject_code", "active")
    list_filter = ("role", "active")
    raw_id_fields = ("user", "org_unit", "school_class", "student")
