"""Signing pages: who may see, start and download — and the 404 one step outside scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.records.models import RecordVersion
from hocba.apps.signing import services
from hocba.apps.signing.models import SigningBatch

from .conftest import finalise

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _issue(cls, gvcn, principal):
    finalise(cls)
    services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    services.run_batch(services.start_principal_signing(principal, cls).pk)
    return RecordVersion.objects.filter(enrolment__school_class=cls).order_by("pk").first()


def test_the_gvcn_sees_the_sign_button_and_starts_a_batch(client, cls, gvcn):
    finalise(cls)
    page = _as(client, gvcn).get(reverse("signing:class", args=[cls.pk]))
    assert page.status_code == 200
    assert "Ký học bạ của lớp" in page.content.decode()
    response = client.post(reverse("signing:sign_class", args=[cls.pk]))
    assert response.status_code == 302
    batch = SigningBatch.objects.get()
    assert (batch.stage, batch.requested_by) == ("gvcn", gvcn)
    fragment = client.get(reverse("signing:progress", args=[batch.pk]))
    assert fragment.status_code == 200
    assert 'hx-trigger="every 2s"' in fragment.content.decode()


def test_the_home_page_links_to_signing(client, cls, gvcn, principal, school):
    assert reverse("signing:class", args=[cls.pk]) in _as(client, gvcn).get("/").content.decode()
    home = _as(client, principal).get("/").content.decode()
    assert reverse("signing:school", args=[school.pk]) in home


def test_a_finished_batch_stops_polling_and_lists_failures(client, cls, gvcn, settings, tmp_path):
    settings.HOCBA_PKI_DIR = str(tmp_path / "none")
    finalise(cls)
    batch = services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    html = _as(client, gvcn).get(reverse("signing:progress", args=[batch.pk])).content.decode()
    assert "hx-get" not in html
    assert "pki.unreadable" in html and "Có lỗi" in html


def test_outside_scope_is_404(client, cls, gvcn, other_gvcn, parent, other_principal, school):
    finalise(cls)
    batch = services.start_gvcn_signing(gvcn, cls)
    for user in (other_gvcn, parent, other_principal):
        c = _as(client, user)
        assert c.get(reverse("signing:class", args=[cls.pk])).status_code == 404
        assert c.post(reverse("signing:sign_class", args=[cls.pk])).status_code == 404
        assert c.post(reverse("signing:seal_class", args=[cls.pk])).status_code == 404
        assert c.get(reverse("signing:progress", args=[batch.pk])).status_code == 404
        assert c.get(reverse("signing:school", args=[school.pk])).status_code == 404
        assert c.post(reverse("signing:seal_school", args=[school.pk])).status_code == 404
    assert SigningBatch.objects.count() == 1


def test_a_parent_cannot_sign(client, cls, parent):
    finalise(cls)
    assert _as(client, parent).post(reverse("signing:sign_class", args=[cls.pk])).status_code == 404
    assert not SigningBatch.objects.exists()


def test_the_gvcn_cannot_seal(client, cls, gvcn, school):
    finalise(cls)
    c = _as(client, gvcn)
    assert c.post(reverse("signing:seal_class", args=[cls.pk])).status_code == 404
    assert c.get(reverse("signing:school", args=[school.pk])).status_code == 404


def test_the_principal_seals_a_class_and_the_whole_school(client, cls, gvcn, principal, school):
    finalise(cls)
    services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    c = _as(client, principal)
    page = c.get(reverse("signing:school", args=[school.pk])).content.decode()
    assert "Ký và đóng dấu toàn trường" in page
    assert c.post(reverse("signing:seal_class", args=[cls.pk])).status_code == 302
    assert c.post(reverse("signing:seal_school", args=[school.pk])).status_code == 302
    stages = set(SigningBatch.objects.values_list("stage", "school_class_id"))
    assert stages == {("gvcn", cls.pk), ("principal_seal", cls.pk), ("principal_seal", None)}


def test_issued_records_are_listed_with_verdict_and_downloads(client, cls, gvcn, principal):
    version = _issue(cls, gvcn, principal)
    html = _as(client, gvcn).get(reverse("signing:class", args=[cls.pk])).content.decode()
    assert "Đã ban hành" in html and "Hợp lệ" in html
    for fmt, start in (("pdf", b"%PDF-"), ("json", b"{"), ("xml", b"<?xml")):
        url = reverse("signing:download", args=[version.pk, fmt])
        assert url in html
        response = client.get(url)
        assert response.status_code == 200
        assert response.content.startswith(start)
    viewed = AuditEvent.objects.filter(tag=EventTag.RECORD_VIEWED, actor_id=gvcn.pk)
    assert viewed.count() == 3


def test_downloads_deny_another_schools_user(client, cls, gvcn, principal, other_principal):
    version = _issue(cls, gvcn, principal)
    for fmt in ("pdf", "json", "xml"):
        url = reverse("signing:download", args=[version.pk, fmt])
        assert _as(client, other_principal).get(url).status_code == 404


def test_a_parent_downloads_their_childs_issued_record_unaudited(
    client, cls, gvcn, principal, parent
):
    version = _issue(cls, gvcn, principal)
    other = RecordVersion.objects.filter(enrolment__school_class=cls).exclude(pk=version.pk).get()
    c = _as(client, parent)
    assert c.get(reverse("signing:download", args=[version.pk, "pdf"])).status_code == 200
    assert c.get(reverse("signing:download", args=[other.pk, "pdf"])).status_code == 404
    assert not AuditEvent.objects.filter(tag=EventTag.RECORD_VIEWED).exists()


def test_records_not_yet_issued_cannot_be_downloaded(client, cls, gvcn):
    finalise(cls)
    services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    version = RecordVersion.objects.filter(enrolment__school_class=cls).first()
    url = reverse("signing:download", args=[version.pk, "pdf"])
    assert _as(client, gvcn).get(url).status_code == 404
