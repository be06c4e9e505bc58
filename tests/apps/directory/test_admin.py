"""The admin lists students with the masked personal ID only."""

from __future__ import annotations

import pytest
from django.test import Client

from hocba.apps.directory.models import OrgUnit, SchoolClass, Student


@pytest.mark.parametrize(
    "model",
    [
        "administrativeunit",
        "orgunit",
        "school",
        "schoolyear",
        "schoolclass",
        "student",
        "guardian",
        "staff",
        "enrolment",
    ],
)
def test_every_changelist_opens(admin_client: Client, class_3a: SchoolClass, model: str) -> None:
    assert admin_client.get(f"/admin/directory/{model}/").status_code == 200


def test_the_student_list_shows_only_the_masked_personal_id(
    admin_client: Client, student: Student
) -> None:
    page = admin_client.get("/admin/directory/student/").content.decode()
    assert "********1234" in page
    assert "001216001234" not in page
    assert "Nguyễn Thị Lan" in page


def test_the_admin_keeps_org_paths_right(admin_client: Client, ministry: OrgUnit) -> None:
    response = admin_client.post(
        "/admin/directory/orgunit/add/",
        {
            "kind": "department",
            "code": "SGD48",
            "name": "Sở GDĐT Đà Nẵng",
            "parent": ministry.pk,
            "valid_from": "01/07/2025",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = OrgUnit.objects.get(code="SGD48")
    assert unit.path == f"{ministry.path}{unit.pk}/"
