from __future__ import annotations

from django.contrib import admin

from hocba.apps.records.models import (
    CorrectionRequest,
    RatingEvaluation,
    RecordVersion,
    SubjectEvaluation,
    YearSummary,
)


@admin.register(SubjectEvaluation)
class SubjectEvaluationAdmin(admin.ModelAdmin):
    list_display = ("enrolment", "subject_name", "level", "test_score", "updated_at")
    list_filter = ("subject_code", "level")
    raw_id_fields = ("enrolment",)


@admin.register(RatingEvaluation)
class RatingEvaluationAdmin(admin.ModelAdmin):
    list_display = ("enrolment", "kind", "name", "level", "updated_at")
    list_filter = ("kind", "level")
    raw_id_fields = ("enrolment",)


@admin.register(YearSummary)
class YearSummaryAdmin(admin.ModelAdmin):
    list_display = ("enrolment", "overall_result", "updated_at")
    list_filter = ("overall_result",)
    raw_id_fields = ("enrolment",)


@admin.register(RecordVersion)
class RecordVersionAdmin(admin.ModelAdmin):
    list_display = ("record_id", "version", "status", "overall_result", "digest", "created_at")
    list_filter = ("status", "overall_result")
    raw_id_fields = ("enrolment",)
    readonly_fields = ("record_id", "version", "digest", "canonical", "created_at")


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(admin.ModelAdmin):
    """Read-only: requests are written by ``records.corrections`` only (audited there)."""

    list_display = ("version", "status", "requested_at", "decided_at", "new_version")
    list_filter = ("status",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
