"""A grant = a role at a node of the org tree (covering its subtree), or on a class/student."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from hocba.apps.directory.models import OrgUnit, SchoolClass, Student


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", "Quản trị hệ thống"
    MINISTRY_OFFICER = "ministry_officer", "Cán bộ Bộ GDĐT"
    DEPARTMENT_OFFICER = "department_officer", "Cán bộ Sở GDĐT"
    LOCAL_OFFICER = "local_officer", "Cán bộ quản lý cấp xã/phòng"
    PRINCIPAL = "principal", "Hiệu trưởng"
    VICE_PRINCIPAL = "vice_principal", "Phó Hiệu trưởng"
    HOMEROOM_TEACHER = "homeroom_teacher", "Giáo viên chủ nhiệm"
    SUBJECT_TEACHER = "subject_teacher", "Giáo viên bộ môn"
    PARENT = "parent", "Cha mẹ / người giám hộ"
    STUDENT = "student", "Học sinh"


OFFICER_ROLES = frozenset({Role.MINISTRY_OFFICER, Role.DEPARTMENT_OFFICER, Role.LOCAL_OFFICER})
SCHOOL_LEADER_ROLES = frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL})
CLASS_ROLES = frozenset({Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER})
FAMILY_ROLES = frozenset({Role.PARENT, Role.STUDENT})


class Grant(models.Model):
    """What one user may do where. The scope is exactly one of: an org unit (officers,
    school leaders), a class (+ subject for subject teachers), or a student (family)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người dùng",
        on_delete=models.CASCADE,
        related_name="grants",
    )
    role = models.CharField("vai trò", max_length=24, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name="đơn vị", null=True, blank=True, on_delete=models.CASCADE
    )
    school_class = models.ForeignKey(
        SchoolClass, verbose_name="lớp", null=True, blank=True, on_delete=models.CASCADE
    )
    subject_code = models.CharField("mã môn", max_length=16, blank=True)
    student = models.ForeignKey(
        Student, verbose_name="học sinh", null=True, blank=True, on_delete=models.CASCADE
    )
    active = models.BooleanField("hiệu lực", default=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        verbose_name = "phân quyền"
        verbose_name_plural = "phân quyền"
        ordering: ClassVar = ["user_id", "role"]
        indexes: ClassVar = [models.Index(fields=["user", "active"], name="grant_user_active")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} #{self.pk}"
