"""The principal reads their school's log, officers their subtree's; nobody else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocba.apps.accounts.models import Role
from hocba.apps.accounts.services import create_user
from hocba.apps.audit.services import record
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory import services as directory
from hocba.apps.directory.models import OrgUnit, School, Student

pytestmark = pytest.mark.django_db
PASSWORD = "mật-khẩu-dài-123"


@pytest.fixture
def schools():
    ministry = directory.create_org_unit(kind="ministry", code="BGD", name="Bộ GDĐT")
    out = []
    for n in (1, 2):
        dept = directory.create_org_unit(
            kind="department", code=f"S{n}", name=f"Sở {n}", parent=ministry
        )
        local = directory.create_org_unit(
            kind="local_office", code=f"L{n}", name=f"Xã {n}", parent=dept
        )
        school = directory.create_school(parent=local, school_code=f"T{n}", name=f"Trường {n}")
        record(
            EventTag.CLASS_EVALUATIONS_FINALISED,
            subject=school,
            scope_path=school.org_unit.path,
            data={"school": school.pk, "n": n},
        )
    out = list(School.objects.order_by("school_code"))
    return out, OrgUnit.objects.get(code="S1")


def login(client, role, **scope):
    create_user(role, PASSWORD, role=role, **scope)
    client.login(username=role, password=PASSWORD)


def rows(client):
    response = client.get(reverse("audit:events"))
    return response.status_code, response.content.decode()


def test_the_principal_sees_only_their_schools_events(client, schools):
    (first, _second), _ = schools
    login(client, Role.PRINCIPAL, org_unit=first.org_unit)
    status, page = rows(client)
    assert status == 200
    assert "&#x27;n&#x27;: 1" in page and "&#x27;n&#x27;: 2" not in page


def test_a_department_officer_sees_their_subtree_not_another(client, schools):
    _, department = schools
    login(client, Role.DEPARTMENT_OFFICER, org_unit=department)
    status, page = rows(client)
    assert status == 200
    assert "&#x27;n&#x27;: 1" in page and "&#x27;n&#x27;: 2" not in page


def test_teachers_and_parents_get_404(client, schools):
    student = Student.objects.create(
        student_code="HS1", full_name="X", sex="nam", date_of_birth="2015-01-01"
    )
    login(client, Role.PARENT, student=student)
    assert rows(client)[0] == 404


def test_anonymous_is_sent_to_login(client, schools):
    response = client.get(reverse("audit:events"))
    assert response.status_code == 302
