"""The school marks a student as left (transfer, dropped out, other): the open enrolment gets
``left_on`` and ``left_reason``, audited; the student is listed as left and no longer offered;
only the owning school's leaders may do it (404 for others, nothing written)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import Enrolment

pytestmark = pytest.mark.django_db


def _url(school) -> str:
    return reverse("schooladmin:leave", args=[school.pk])


def _enrolment(world) -> Enrolment:
    return Enrolment.objects.get(student=world["student"], school_class=world["class"])


def test_the_principal_marks_a_student_as_transferred_and_it_is_audited(world, principal_client):
    enrolment = _enrolment(world)
    page = principal_client.get(_url(world["school"]))
    assert page.status_code == 200 and "Nguyễn Văn An (HS001)" in page.content.decode()
    response = principal_client.post(_url(world["school"]), {
        "enrolment": enrolment.pk, "left_on": "2025-02-10", "reason": "transferred"})  # fmt: skip
    assert response.status_code == 200 and "rời trường ngày 10/02/2025" in response.content.decode()
    enrolment.refresh_from_db()
    assert (enrolment.left_on, enrolment.left_reason) == (dt.date(2025, 2, 10), "transferred")
    event = AuditEvent.objects.get(tag=EventTag.DIRECTORY_ENROLMENT_LEFT)
    assert event.data["reason"] == "transferred" and event.data["enrolment"] == enrolment.pk
    html = principal_client.get(_url(world["school"])).content.decode()
    assert "Đã chuyển đi" in html
    assert f'value="{enrolment.pk}"' not in html  # no longer offered
    again = principal_client.post(_url(world["school"]), {
        "enrolment": enrolment.pk, "left_on": "2025-02-11", "reason": "other"})  # fmt: skip
    assert again.status_code == 400
    assert AuditEvent.objects.filter(tag=EventTag.DIRECTORY_ENROLMENT_LEFT).count() == 1


def test_the_vice_principal_records_a_dropout(world):
    client = Client()
    client.force_login(world["users"]["vice"])
    enrolment = _enrolment(world)
    response = client.post(_url(world["school"]), {
        "enrolment": enrolment.pk, "left_on": "2025-01-06", "reason": "dropped_out"})  # fmt: skip
    assert response.status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.left_reason == "dropped_out"
    assert "Đã nghỉ học (thôi học)" in client.get(_url(world["school"])).content.decode()


def test_a_date_before_the_enrolment_is_refused_and_nothing_written(world, principal_client):
    enrolment = _enrolment(world)
    response = principal_client.post(_url(world["school"]), {
        "enrolment": enrolment.pk, "left_on": "2024-09-01", "reason": "transferred"})  # fmt: skip
    assert response.status_code == 400 and "05/09/2024" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.left_on is None
    assert not AuditEvent.objects.filter(tag=EventTag.DIRECTORY_ENROLMENT_LEFT).exists()


@pytest.mark.parametrize("who", ["principal_other", "gvcn", "parent"])
def test_other_roles_and_another_schools_principal_get_404(world, who):
    client = Client()
    client.force_login(world["users"][who])
    enrolment = _enrolment(world)
    data = {"enrolment": enrolment.pk, "left_on": "2025-02-10", "reason": "transferred"}
    assert client.get(_url(world["school"])).status_code == 404
    assert client.post(_url(world["school"]), data).status_code == 404
    if who == "principal_other":  # its own school's page, A's enrolment: not offered
        assert client.post(_url(world["other"]), data).status_code == 400
    enrolment.refresh_from_db()
    assert enrolment.left_on is None
    assert not AuditEvent.objects.filter(tag=EventTag.DIRECTORY_ENROLMENT_LEFT).exists()
