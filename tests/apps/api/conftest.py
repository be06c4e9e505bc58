"""Two schools for the API: A (the demo school) and B (one demo class moved to another school),
issued records with stored PDFs in both, and a token for each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from hocba.apps.api import services
from hocba.apps.directory import services as directory
from hocba.apps.directory.models import School, SchoolClass
from hocba.apps.records.demo import load_demo_school
from hocba.apps.records.models import RecordVersion
from hocba.demo.generate import demo_school

PDF = b"%PDF-1.7\n% signed record stand-in\n%%EOF\n"


@dataclass
class World:
    school: School
    other: School
    cls: SchoolClass  # school A, grade 1
    other_cls: SchoolClass  # school B
    open_cls: SchoolClass  # school A, grade 3: nothing signed, open for entry
    issued: list[RecordVersion]  # school A, ordered by pk
    other_issued: list[RecordVersion]
    token: str  # raw token of school A
    other_token: str


def issue(cls: SchoolClass) -> list[RecordVersion]:
    versions = list(RecordVersion.objects.filter(enrolment__school_class=cls).order_by("pk"))
    for v in versions:
        v.status = RecordVersion.Status.ISSUED
        v.issued_at = timezone.now()
        v.pdf.save(f"{v.record_id}.pdf", ContentFile(PDF), save=False)
        v.save()
    return versions


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    load_demo_school(demo_school(seed=7, classes_per_grade=1, students_per_class=2))
    school = School.objects.select_related("org_unit").get()
    other = directory.create_school(
        parent=school.org_unit.parent, school_code="79999", name="Trường Tiểu học B"
    )
    classes = list(
        SchoolClass.objects.filter(school=school, school_year__code="2024-2025").order_by("grade")
    )
    SchoolClass.objects.filter(pk=classes[-1].pk).update(school=other)
    other_cls = SchoolClass.objects.get(pk=classes[-1].pk)
    cls = classes[0]
    issued = issue(cls) + issue(classes[1])
    _, token = services.create_token(school, "Phần mềm A")
    _, other_token = services.create_token(other, "Phần mềm B")
    return World(
        school, other, cls, other_cls, classes[2], issued, issue(other_cls), token, other_token
    )


class ApiClient:
    """A Django test client that sends ``Authorization: Bearer <token>``."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(path, body, content_type="application/json", headers=self.headers)

    def request(self, method: str, path: str, **kw: Any) -> Any:
        return getattr(self.client, method)(path, headers=self.headers, **kw)


@pytest.fixture
def api(world: World) -> ApiClient:
    return ApiClient(world.token)


@pytest.fixture
def api_b(world: World) -> ApiClient:
    return ApiClient(world.other_token)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape: {"error": {"code", "message", "problems": [...]}}."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "problems"}
    assert error["message"] and isinstance(error["problems"], list)
    if code is not None:
        assert error["code"] == code
    return error
