"""Home-page links to the spreadsheet import of each class a grant covers."""

from __future__ import annotations

from django.urls import reverse

from hocba.apps.accounts.menu import Link
from hocba.apps.accounts.models import SCHOOL_LEADER_ROLES, Grant, Role
from hocba.apps.directory.models import School


def links(grant: Grant) -> list[Link]:
    cid = grant.school_class_id
    if grant.role in SCHOOL_LEADER_ROLES and grant.org_unit_id:
        school = School.objects.filter(org_unit_id=grant.org_unit_id).only("pk").first()
        if school is not None:
            return [
                Link(
                    "Nhập danh sách học sinh từ bảng tính (Excel)",
                    reverse("imports:school", args=[school.pk]),
                )
            ]
    if grant.role in (Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER) and cid:
        return [Link("Nhập dữ liệu từ bảng tính (Excel)", reverse("imports:class", args=[cid]))]
    return []
