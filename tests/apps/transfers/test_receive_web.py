"""Receiving a transfer package on the web: upload → the full report → choose the class →
accept (the CLI's service), or a refusal with the reason and a way forward; nothing is
written before "accept", and the held upload is deleted after accept or cancel."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import Enrolment
from hocba.apps.transfers import services
from hocba.apps.transfers.models import ReceivedRecord
from hocba.apps.transfers.views import PENDING
from tests.apps.transfers.test_services import _counts, _tampered

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(principal, student, cls):
    return services.export_package(principal, student, cls.school)


@pytest.fixture
def left(student, issued):
    import datetime as dt

    Enrolment.objects.filter(student=student).update(left_on=dt.date(2025, 3, 1))


def _upload(client, school, data: bytes):
    url = reverse("transfers:receive", args=[school.pk])
    return client.post(url, {"package": SimpleUploadedFile("goi.zip", data, "application/zip")})


def _held(client) -> str:
    return client.session[PENDING]["name"]


def test_the_principal_sees_the_full_report_then_accepts_into_a_class(
    client, package, left, student, receiving_class, other_principal, other_school
):
    client.force_login(other_principal)
    before = _counts()
    page = _upload(client, other_school, package.data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "HỢP LỆ" in html and student.full_name in html and student.student_code in html
    assert "2024-2025" in html  # each record's year
    assert page.context["report"].seal_signer in html  # the seal
    for item in page.context["report"].records:
        for signature in item.pdf.signatures:
            assert signature.signer in html  # every signer
    assert f'value="{receiving_class.pk}"' in html
    assert _counts() == before  # nothing written before "accept"
    held = _held(client)
    assert default_storage.exists(held)
    response = client.post(
        reverse("transfers:accept", args=[other_school.pk]),
        {"action": "accept", "class_id": receiving_class.pk},
    )
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(student=student, school_class=receiving_class)
    assert enrolment.kind == Enrolment.Kind.TRANSFERRED_IN
    assert ReceivedRecord.objects.filter(student=student).count() == package.records
    assert AuditEvent.objects.filter(tag=EventTag.TRANSFER_PACKAGE_IMPORTED).count() == 1
    assert not default_storage.exists(held) and PENDING not in client.session


@pytest.mark.parametrize(("how", "words"), [("pdf", "đã bị thay đổi"),
                                             ("removed", "Gói thiếu tệp")])  # fmt: skip
def test_a_tampered_package_is_refused_with_the_reason_and_nothing_is_written(
    client, package, left, receiving_class, other_principal, other_school, how, words
):
    client.force_login(other_principal)
    before = _counts()
    page = _upload(client, other_school, _tampered(package, how))
    assert page.status_code == 422
    html = page.content.decode()
    assert "bị từ chối" in html and words in html
    assert reverse("transfers:receive", args=[other_school.pk]) in html  # upload another
    assert reverse("transfers:accept", args=[other_school.pk]) not in html
    assert PENDING not in client.session
    response = client.post(  # and "accept" has nothing to take in
        reverse("transfers:accept", args=[other_school.pk]),
        {"action": "accept", "class_id": receiving_class.pk},
    )
    assert response.status_code == 409 and "tải gói chuyển trường lên lại" in (
        response.content.decode())  # fmt: skip
    assert _counts() == before


def test_cancel_deletes_the_held_package_and_writes_nothing(
    client, package, left, receiving_class, other_principal, other_school
):
    client.force_login(other_principal)
    before = _counts()
    _upload(client, other_school, package.data)
    held = _held(client)
    response = client.post(reverse("transfers:accept", args=[other_school.pk]),
                           {"action": "cancel"})  # fmt: skip
    assert response.status_code == 302
    assert not default_storage.exists(held) and PENDING not in client.session
    assert _counts() == before


def test_a_class_of_another_school_is_not_accepted(
    client, package, left, cls, receiving_class, other_principal, other_school
):
    client.force_login(other_principal)
    before = _counts()
    _upload(client, other_school, package.data)
    response = client.post(reverse("transfers:accept", args=[other_school.pk]),
                           {"action": "accept", "class_id": cls.pk})  # fmt: skip
    assert response.status_code == 400 and "Chọn lớp" in response.content.decode()
    assert _counts() == before


def test_a_package_held_for_one_school_is_not_accepted_for_another(
    client, package, left, cls, receiving_class, principal, other_principal, other_school
):
    """The held upload is bound to the session AND the school it was uploaded for."""
    client.force_login(other_principal)
    _upload(client, other_school, package.data)
    session = client.session
    session[PENDING] = {**session[PENDING], "school": cls.school.pk}
    session.save()
    before = _counts()
    response = client.post(reverse("transfers:accept", args=[other_school.pk]),
                           {"action": "accept", "class_id": receiving_class.pk})  # fmt: skip
    assert response.status_code == 409
    assert _counts() == before


def test_other_roles_and_another_schools_principal_get_404(
    client, package, left, gvcn, principal, receiving_class, other_school
):
    before = _counts()
    for user in (gvcn, principal):  # the sending school's principal is not the receiver's
        client.force_login(user)
        assert _upload(client, other_school, package.data).status_code == 404
        response = client.post(reverse("transfers:accept", args=[other_school.pk]),
                               {"action": "accept", "class_id": receiving_class.pk})  # fmt: skip
        assert response.status_code == 404
    assert _counts()[:4] == before[:4]  # (logins are audited; nothing else)
    assert not AuditEvent.objects.filter(tag=EventTag.TRANSFER_PACKAGE_IMPORTED).exists()
    assert PENDING not in client.session


def test_the_export_can_mark_the_student_as_transferred_at_the_same_time(
    client, principal, student, cls
):
    client.force_login(principal)
    url = reverse("transfers:export", args=[cls.school.pk, student.pk])
    assert client.post(url).status_code == 200  # without the box: nothing marked
    assert Enrolment.objects.get(student=student, school_class=cls).left_on is None
    response = client.post(url, {"mark_left": "1"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    enrolment = Enrolment.objects.get(student=student, school_class=cls)
    assert enrolment.left_on is not None and enrolment.left_reason == "transferred"
    assert AuditEvent.objects.filter(tag=EventTag.DIRECTORY_ENROLMENT_LEFT).count() == 1
