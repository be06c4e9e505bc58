"""A small school (one year, class 1A with a GVCN and one student with a parent) and a school
in another district, built through the directory and account services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from hocba.apps.accounts.models import Role
from hocba.apps.accounts.services import create_user
from hocba.apps.directory import services as directory

PASSWORD = "mật-khẩu-dài-123"


@pytest.fixture
def world(db) -> dict[str, Any]:
    dept = directory.create_org_unit(kind="department", code="S01", name="Sở 01")
    local = directory.create_org_unit(kind="local_office", code="X01", name="Xã 01", parent=dept)
    other_local = directory.create_org_unit(
        kind="local_office", code="X02", name="Xã 02", parent=dept
    )
    school = directory.create_school(parent=local, school_code="T01", name="Trường Tiểu học A")
    other = directory.create_school(parent=other_local, school_code="T02", name="Trường B")
    year = directory.open_school_year("2024-2025")
    gvcn_user = create_user("gvcn", PASSWORD, full_name="Trần Thị Lan")
    staff = directory.add_staff(
        school=school, full_name="Trần Thị Lan", position="teacher", user=gvcn_user
    )
    cls = directory.create_class(
        school=school, school_year=year, grade=1, name="1A", homeroom_teacher=staff
    )
    student = directory.register_student(
        student_code="HS001", full_name="Nguyễn Văn An", sex="nam",
        date_of_birth=dt.date(2018, 3, 4),
    )  # fmt: skip
    directory.enrol_student(
        student=student, school_class=cls, register_number="1", enrolled_on=dt.date(2024, 9, 5)
    )
    from hocba.apps.accounts.services import add_grant

    add_grant(gvcn_user, role=Role.HOMEROOM_TEACHER, school_class=cls)
    users = {
        "principal": create_user(
            "principal", PASSWORD, role=Role.PRINCIPAL, org_unit=school.org_unit
        ),
        "vice": create_user("vice", PASSWORD, role=Role.VICE_PRINCIPAL, org_unit=school.org_unit),
        "principal_other": create_user(
            "principal_other", PASSWORD, role=Role.PRINCIPAL, org_unit=other.org_unit
        ),
        "gvcn": gvcn_user,
        "parent": create_user("parent", PASSWORD, role=Role.PARENT, student=student),
    }
    return {"school": school, "other": other, "year": year, "class": cls, "staff": staff,
            "student": student, "users": users}  # fmt: skip


@pytest.fixture
def principal_client(world) -> Client:
    client = Client()
    client.force_login(world["users"]["principal"])
    return client
