"""The school's signer keys page (leaders and the system admin only; no secret stored), the
PIN typed at batch start, and the signed XML form of issued records: served under the
record policy, verifiable on the public page, with the PDF's digest."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocba.apps.accounts.services import create_user
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.records.models import RecordVersion
from hocba.apps.signing import services
from hocba.apps.signing.models import SignerKey, SigningBatch
from hocba.signing import load_pki
from hocba.verify import Verdict, verify_pdf
from hocba.verify.xml import compare_pair, verify_xml

from .conftest import finalise

pytestmark = pytest.mark.django_db
PASSWORD = "x-Pass-12345"
SEAL = {"role": "seal", "kind": "pkcs12", "location": "/etc/hocba/seal.p12",
        "secret_ref": "env:HOCBA_SEAL_P12_PASSWORD"}  # fmt: skip


def _as(client, user):
    client.force_login(user)
    return client


def _url(school) -> str:
    return reverse("signing:keys", args=[school.pk])


def test_the_principal_adds_a_key_that_holds_no_secret_and_is_audited(client, school, principal):
    page = _as(client, principal).get(_url(school))
    assert page.status_code == 200 and "Khoá ký của nhà trường" in page.content.decode()
    response = client.post(_url(school), SEAL)
    assert response.status_code == 302
    key = SignerKey.objects.get(school=school)
    assert (key.role, key.kind, key.secret_ref, key.updated_by) == (
        "seal", "pkcs12", "env:HOCBA_SEAL_P12_PASSWORD", principal)  # fmt: skip
    event = AuditEvent.objects.get(tag=EventTag.SIGNING_KEY_CHANGED)
    assert event.data["action"] == "created" and event.data["secret"] == "env"
    assert "HOCBA_SEAL_P12_PASSWORD" not in str(event.data)
    # editing and deleting
    client.post(_url(school), {**SEAL, "key_id": key.pk, "location": "/etc/hocba/new.p12"})
    assert SignerKey.objects.get(pk=key.pk).location == "/etc/hocba/new.p12"
    client.post(reverse("signing:delete_key", args=[school.pk, key.pk]))
    assert not SignerKey.objects.exists()
    assert AuditEvent.objects.filter(tag=EventTag.SIGNING_KEY_CHANGED).count() == 3


def test_a_secret_typed_into_the_form_is_refused(client, school, principal):
    response = _as(client, principal).post(_url(school), {**SEAL, "secret_ref": "123456"})
    assert response.status_code == 200
    assert "env:TEN_BIEN hoặc file:/đường/dẫn/tuyệt/đối" in response.content.decode()
    response = client.post(_url(school), {**SEAL, "secret_ref": "file:relative/pin.txt"})
    assert response.status_code == 200
    assert not SignerKey.objects.exists()


def test_the_seal_belongs_to_the_school_not_to_an_account(client, school, principal):
    response = _as(client, principal).post(_url(school), {**SEAL, "user": principal.pk})
    assert "Con dấu số là của nhà trường" in response.content.decode()
    response = client.post(_url(school), {"role": "principal", "kind": "pkcs11"})
    page = response.content.decode()
    assert "Cần khai báo nhãn token" in page and "Cần khai báo nhãn khoá" in page
    assert not SignerKey.objects.exists()


def test_a_teacher_cannot_see_or_configure_keys(client, school, gvcn, parent):
    key = SignerKey.objects.create(school=school, **SEAL)
    for user in (gvcn, parent):
        _as(client, user)
        assert client.get(_url(school)).status_code == 404
        assert client.post(_url(school), {**SEAL, "role": "principal"}).status_code == 404
        delete = reverse("signing:delete_key", args=[school.pk, key.pk])
        assert client.post(delete).status_code == 404
    assert list(SignerKey.objects.values_list("pk", flat=True)) == [key.pk]


def test_another_schools_principal_sees_nothing_of_this_schools_keys(
    client, school, other_school, other_principal
):
    key = SignerKey.objects.create(school=school, **SEAL)
    _as(client, other_principal)
    assert client.get(_url(school)).status_code == 404
    # through their own school's URLs: the key is not theirs, so not found
    own = client.get(_url(other_school))
    assert own.status_code == 200 and "/etc/hocba/seal.p12" not in own.content.decode()
    assert client.get(_url(other_school) + f"?sua={key.pk}").status_code == 404
    assert client.post(_url(other_school), {**SEAL, "key_id": key.pk}).status_code == 404
    delete = reverse("signing:delete_key", args=[other_school.pk, key.pk])
    assert client.post(delete).status_code == 404
    assert SignerKey.objects.get(pk=key.pk).school == school


def test_the_system_admin_configures_any_school(client, school):
    admin = create_user("qtv", PASSWORD, role="system_admin")
    assert _as(client, admin).post(_url(school), SEAL).status_code == 302
    assert SignerKey.objects.filter(school=school).count() == 1


def test_a_key_needing_a_pin_asks_for_it_on_the_class_page(client, school, cls, gvcn):
    finalise(cls)
    SignerKey.objects.create(school=school, role="gvcn", user=gvcn, kind="pkcs11",
                             identifier="tok", key_label="k", pin_at_batch=True)  # fmt: skip
    page = _as(client, gvcn).get(reverse("signing:class", args=[cls.pk])).content.decode()
    assert 'type="password" name="pin_gvcn"' in page
    response = client.post(reverse("signing:sign_class", args=[cls.pk]), follow=True)
    assert "Cần nhập mã PIN của khoá ký" in response.content.decode()
    assert not SigningBatch.objects.exists()


# --- the signed XML form -----------------------------------------------------------------------


@pytest.fixture
def issued(cls, gvcn, principal):
    finalise(cls)
    services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    batch = services.run_batch(services.start_principal_signing(principal, cls).pk)
    assert (batch.status, batch.failed_count) == ("done", 0)
    return RecordVersion.objects.filter(enrolment__school_class=cls).order_by("pk").first()


def test_issued_records_carry_a_signed_xml_with_the_pdfs_digest(issued, pki_path):
    trust = load_pki(pki_path).trust()
    with issued.pdf.open("rb") as fh:
        pdf = verify_pdf(fh.read(), trust)
    with issued.xml.open("rb") as fh:
        xml = fh.read()
    pair = compare_pair(pdf, verify_xml(xml, trust))
    assert pair.verdict is Verdict.VALID, pair.problems
    assert pair.record.digest == pdf.record.digest == issued.digest
    assert len(pair.signatures) == 3


def test_the_parent_downloads_the_signed_xml_and_another_parent_cannot(
    client, issued, cls, other_gvcn
):
    parent = create_user("me", PASSWORD, role="parent", student=issued.enrolment.student)
    with issued.xml.open("rb") as fh:
        signed = fh.read()
    for url in (reverse("portal:download", args=[issued.pk, "xml"]),
                reverse("signing:download", args=[issued.pk, "xml"])):  # fmt: skip
        response = _as(client, parent).get(url)
        assert response.status_code == 200 and response.content == signed
        assert b"SignatureValue" in response.content
    other = RecordVersion.objects.filter(enrolment__school_class=cls).exclude(pk=issued.pk).first()
    stranger = create_user("other", PASSWORD, role="parent", student=other.enrolment.student)
    for user in (stranger, other_gvcn):
        _as(client, user)
        assert client.get(reverse("portal:download", args=[issued.pk, "xml"])).status_code == 404
        assert client.get(reverse("signing:download", args=[issued.pk, "xml"])).status_code == 404


def test_the_verification_page_verifies_the_signed_xml(client, issued, pki_path, settings):
    cache.clear()
    settings.HOCBA_TRUST_DIR = str(load_pki(pki_path).trust_dir)
    with issued.xml.open("rb") as fh:
        xml = fh.read()
    upload = SimpleUploadedFile("hocba.xml", xml, "application/xml")
    page = client.post("/xac-minh/", {"pdf": upload}).content.decode()
    assert "(VALID)" in page and "KHÔNG HỢP LỆ" not in page
    name = issued.enrolment.school_class.school.name.encode()
    assert name in xml
    tampered = xml.replace(name, name.upper(), 1)  # the school's name, once, in signed content
    upload = SimpleUploadedFile("hocba.xml", tampered, "application/xml")
    page = client.post("/xac-minh/", {"pdf": upload}).content.decode()
    assert "(VALID)" not in page and "KHÔNG HỢP LỆ" in page
    cache.clear()
