"""Families see their own issued records only; every download is checked and audited."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from hocba.apps.accounts.models import Role
from hocba.apps.accounts.services import add_grant, create_user
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from tests.apps.portal.conftest import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(class_3a, client):
    """A parent of two children of 3A: the first one's record is issued, the second's is a
    draft; the third student of 3A (another family) also has an issued record."""
    (child, child_v), (second, second_v), (_other, other_v) = class_3a
    issue(child_v)
    issue(other_v)
    parent = create_user("phuhuynh", "pw-12345", role=Role.PARENT, student=child.student)
    add_grant(parent, role=Role.PARENT, student=second.student)
    client.force_login(parent)
    return {"child": child_v, "draft": second_v, "other": other_v, "parent": parent}


def _url(version, fmt="pdf"):
    return reverse("portal:download", args=[version.pk, fmt])


def test_a_parent_sees_each_child_and_only_the_issued_records(client, family):
    page = client.get(reverse("portal:index")).content.decode()
    child, draft, other = family["child"], family["draft"], family["other"]
    assert child.enrolment.student.full_name in page
    assert draft.enrolment.student.full_name in page  # the child is listed…
    assert _url(child) in page
    assert _url(draft) not in page  # …but never a draft
    assert other.enrolment.student.full_name not in page
    assert _url(other) not in page
    assert "Chưa có học bạ nào được ban hành." in page


def test_a_parent_downloads_their_child_s_pdf_json_and_xml(client, family):
    version = family["child"]
    response = client.get(_url(version))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(client.get(_url(version, "json")).content)
    assert data["record_id"] == str(version.record_id)
    assert client.get(_url(version, "xml")).content.lstrip().startswith(b"<")
    event = AuditEvent.objects.filter(tag=EventTag.RECORD_VIEWED).last()
    assert event.actor_id == family["parent"].pk and event.subject_id == str(version.pk)
    assert "full_name" not in json.dumps(event.data)


def test_another_family_s_record_and_drafts_are_not_found(client, family):
    assert client.get(_url(family["other"])).status_code == 404
    assert client.get(_url(family["draft"])).status_code == 404
    assert client.get(_url(family["child"], "docx")).status_code == 404


def test_a_student_sees_their_own_record(client, class_3a):
    (own, own_v), (_, other_v) = class_3a[0], class_3a[1]
    issue(own_v)
    issue(other_v)
    student = create_user("hocsinh", "pw-12345", role=Role.STUDENT, student=own.student)
    client.force_login(student)
    page = client.get(reverse("portal:index")).content.decode()
    assert _url(own_v) in page and _url(other_v) not in page
    assert client.get(_url(own_v)).status_code == 200
    assert client.get(_url(other_v)).status_code == 404


def test_the_portal_needs_a_login(client, family):
    client.logout()
    assert client.get(reverse("portal:index")).status_code == 302
    assert client.get(_url(family["child"])).status_code == 302


def test_the_home_page_links_a_parent_to_the_portal(client, family):
    page = client.get(reverse("accounts:home")).content.decode()
    assert reverse("portal:index") in page
