"""Django admin for the directory. Lists show the masked personal ID, never the full one,
and it is not searchable (a search puts the number in the URL and the logs).
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin

from hocba.apps.directory.models import (
    AdministrativeUnit,
    Enrolment,
    Guardian,
    Guardianship,
    OrgUnit,
    School,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
)


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "valid_from", "valid_to")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "code", "parent", "valid_from", "valid_to", "path")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent", "administrative_unit")
    readonly_fields = ("path",)
    list_select_related = ("parent",)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("school_code", "name", "level", "address", "phone")
    list_filter = ("level",)
    search_fields = ("school_code", "name")
    autocomplete_fields = ("org_unit",)


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ("code", "start_date", "end_date")
    search_fields = ("code",)


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("full_name", "position", "school", "active", "user")
    list_filter = ("position", "active")
    search_fields = ("full_name", "school__name", "school__school_code")
    autocomplete_fields = ("school", "user")
    list_select_related = ("school", "user")


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ("name", "grade", "school", "school_year", "homeroom_teacher")
    list_filter = ("school_year", "grade")
    search_fields = ("name", "school__name", "school__school_code")
    autocomplete_fields = ("school", "homeroom_teacher")
    list_select_related = ("school", "school_year", "homeroom_teacher")


class GuardianshipInline(admin.TabularInline):
    model = Guardianship
    extra = 0
    autocomplete_fields = ("guardian",)


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    autocomplete_fields = ("school_class",)


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ("student_code", "full_name", "sex", "date_of_birth", "masked_id")
    list_filter = ("sex",)
    search_fields = ("student_code", "full_name")
    inlines: ClassVar = [GuardianshipInline, EnrolmentInline]

    @admin.display(description="số định danh cá nhân")
    def masked_id(self, obj: Student) -> str:
        return obj.masked_personal_id or "—"


@admin.register(Guardian)
class GuardianAdmin(admin.ModelAdmin):
    list_display = ("full_name", "year_of_birth", "occupation", "phone")
    search_fields = ("full_name", "phone")


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("student", "school_class", "register_number", "kind", "enrolled_on", "left_on")
    list_filter = ("kind", "school_class__school_year")
    search_fields = ("student__student_code", "student__full_name", "register_number")
    autocomplete_fields = ("student", "school_class")
    list_select_related = ("student", "school_class")
