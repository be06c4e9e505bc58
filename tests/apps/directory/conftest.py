"""A small current-structure tree: ministry → department → commune office → school."""

from __future__ import annotations

import datetime as dt

import pytest

from hocba.apps.directory import services
from hocba.apps.directory.models import OrgUnit, School, SchoolClass, SchoolYear, Student

Kind = OrgUnit.Kind


@pytest.fixture
def ministry(db: None) -> OrgUnit:
    return services.create_org_unit(kind=Kind.MINISTRY, code="BGD", name="Bộ Giáo dục và Đào tạo")


@pytest.fixture
def department(ministry: OrgUnit) -> OrgUnit:
    return services.create_org_unit(
        kind=Kind.DEPARTMENT, code="SGD01", name="Sở GDĐT Hà Nội", parent=ministry
    )


@pytest.fixture
def commune(department: OrgUnit) -> OrgUnit:
    return services.create_org_unit(
        kind=Kind.LOCAL_OFFICE, code="UBND-HK", name="UBND phường Hoàn Kiếm", parent=department
    )


@pytest.fixture
def school(commune: OrgUnit) -> School:
    return services.create_school(
        parent=commune, school_code="01001", name="Trường Tiểu học Hoàn Kiếm", address="Hà Nội"
    )


@pytest.fixture
def year(db: None) -> SchoolYear:
    return services.open_school_year("2024-2025")


@pytest.fixture
def class_3a(school: School, year: SchoolYear) -> SchoolClass:
    return services.create_class(school=school, school_year=year, grade=3, name="3A")


@pytest.fixture
def student(db: None) -> Student:
    return services.register_student(
        student_code="HS0001",
        full_name="Nguyễn Thị Lan",
        sex="nữ",
        date_of_birth=dt.date(2016, 3, 14),
        personal_id="001216001234",
    )
