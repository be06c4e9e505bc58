"""Transfers between schools (DOMAIN §6): the principal exports a sealed package; the receiving
school takes it in only when every part verifies, all or nothing, once."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse

from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.services import create_user
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.services import verify_chain
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import Enrolment, Student
from hocba.apps.records.models import RecordVersion
from hocba.apps.transfers import services
from hocba.apps.transfers.errors import PackageRefused
from hocba.apps.transfers.models import ReceivedRecord, Transfer
from hocba.signing import load_pki
from hocba.spec.transfer import MANIFEST_NAME, TransferManifest
from hocba.verify.bundle import verify_bundle

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 3, 3)


@pytest.fixture
def trust(pki_path):
    return load_pki(pki_path).trust()


@pytest.fixture
def package(principal, student, cls):
    return services.export_package(principal, student, cls.school)


@pytest.fixture
def left(student, issued):
    """The student left the sending school (in one database, both schools share the row)."""
    Enrolment.objects.filter(student=student).update(left_on=dt.date(2025, 3, 1))


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    return out.getvalue()


def _import(user, data, school, trust):
    return services.import_package(
        user, data, school, class_name="4A", enrolled_on=ON, register_number="CD-01", trust=trust
    )


def _counts():
    return (Transfer.objects.count(), ReceivedRecord.objects.count(), Enrolment.objects.count(),
            Student.objects.count(), AuditEvent.objects.count())  # fmt: skip


def test_the_principal_exports_a_sealed_package_of_the_students_issued_records(
    package, student, issued, trust
):
    report = verify_bundle(package.data, trust)
    assert report.ok, report.problems
    mine = [v for v in issued if v.enrolment.student_id == student.pk]
    assert package.records == len(mine) == len(report.records)
    assert {r.entry.digest for r in report.records} == {v.digest for v in mine}
    manifest = TransferManifest.model_validate_json(_members(package.data)[MANIFEST_NAME])
    assert manifest.student.student_code == student.student_code
    assert all(v.xml for v in mine)  # the XAdES-signed XML kept with each issued version
    assert {r.entry.file("application/xml").signed for r in report.records} == {True}
    assert {r.xml.verdict.value for r in report.records} == {"VALID"}
    assert AuditEvent.objects.filter(tag=EventTag.TRANSFER_PACKAGE_EXPORTED).count() == 1


def test_a_record_issued_without_its_xml_travels_with_an_unsigned_copy_of_the_same_data(
    principal, student, cls, issued, trust
):
    RecordVersion.objects.filter(enrolment__student=student).update(xml="")
    package = services.export_package(principal, student, cls.school)
    report = verify_bundle(package.data, trust)
    assert report.ok, report.problems
    assert {r.entry.file("application/xml").signed for r in report.records} == {False}


def test_only_the_principal_of_the_students_school_may_export(
    student, cls, gvcn, other_principal, other_school, principal
):
    parent = create_user("me", "x-Pass-12345", role="parent", student=student)
    for user in (gvcn, other_principal, parent):
        with pytest.raises(NotAllowed):
            services.export_package(user, student, cls.school)
    with pytest.raises(NotAllowed):  # a school the student never attended
        services.export_package(other_principal, student, other_school)
    assert not AuditEvent.objects.filter(tag=EventTag.TRANSFER_PACKAGE_EXPORTED).exists()


def test_the_receiving_school_takes_the_history_in_once(
    package, left, student, receiving_class, other_principal, other_school, trust
):
    result = _import(other_principal, package.data, other_school, trust)
    assert (result.created, result.records) == (True, package.records)
    enrolment = result.transfer.enrolment
    assert (enrolment.kind, enrolment.school_class, enrolment.enrolled_on) == (
        Enrolment.Kind.TRANSFERRED_IN,
        receiving_class,
        ON,
    )
    members = _members(package.data)
    for received in ReceivedRecord.objects.filter(student=student):
        assert received.pdf.read() == members[f"records/{received.record_id}-v1.pdf"]
        assert received.xml.read() == members[f"records/{received.record_id}-v1.xml"]
    assert AuditEvent.objects.filter(tag=EventTag.TRANSFER_PACKAGE_IMPORTED).count() == 1
    before = _counts()
    again = _import(other_principal, package.data, other_school, trust)
    assert (again.created, again.records, again.transfer) == (False, 0, result.transfer)
    assert _counts() == before
    assert verify_chain() is None


def test_the_received_history_is_seen_at_the_new_school_not_by_others(
    package, left, student, receiving_class, other_principal, other_school, principal, trust
):
    _import(other_principal, package.data, other_school, trust)
    received = ReceivedRecord.objects.filter(student=student).first()
    parent = create_user("me", "x-Pass-12345", role="parent", student=student)
    for user in (other_principal, parent):
        _, kind, data = services.received_file(user, received.pk, "pdf")
        assert data[:5] == b"%PDF-" and kind == "application/pdf"
    with pytest.raises(NotAllowed):  # the sending school's principal: not their enrolment
        services.received_file(principal, received.pk, "pdf")
    stranger = create_user("x", "x-Pass-12345", role="parent", student=Student.objects.exclude(
        pk=student.pk).first())  # fmt: skip
    with pytest.raises(NotAllowed):
        services.received_file(stranger, received.pk, "xml")


def _tampered(package, how: str) -> bytes:
    members = _members(package.data)
    pdf = next(n for n in members if n.endswith(".pdf"))
    xml = next(n for n in members if n.endswith(".xml"))
    if how == "pdf":
        members[pdf] = members[pdf][:1000] + bytes([members[pdf][1000] ^ 1]) + members[pdf][1001:]
    elif how == "xml":
        at = members[xml].index(b"<class_name>") + len(b"<class_name>")
        members[xml] = members[xml][:at] + bytes([members[xml][at] ^ 1]) + members[xml][at + 1 :]
    elif how == "manifest":
        members[MANIFEST_NAME] = members[MANIFEST_NAME].replace(b'"version":1', b'"version":2', 1)
    elif how == "removed":
        del members[pdf]
    elif how == "traversal":
        members["../evil.pdf"] = b"%PDF-"
    return _zip(members)


@pytest.mark.parametrize(
    ("how", "code", "words"),
    [
        ("pdf", "transfer.file_modified", "đã bị thay đổi"),
        ("xml", "transfer.file_modified", "đã bị thay đổi"),
        ("manifest", "transfer.manifest_modified", "chữ ký của nhà trường không khớp"),
        ("removed", "transfer.file_missing", "Gói thiếu tệp"),
        ("traversal", "transfer.unsafe_member", "đường dẫn không an toàn"),
    ],
)
def test_a_tampered_package_is_refused_with_the_reason_and_nothing_is_written(
    package, left, receiving_class, other_principal, other_school, trust, how, code, words
):
    before = _counts()
    with pytest.raises(PackageRefused) as exc:
        _import(other_principal, _tampered(package, how), other_school, trust)
    assert code in exc.value.report.codes()
    assert words in exc.value.message_vi
    assert _counts() == before


def test_only_the_receiving_principal_may_import(package, left, receiving_class, principal,
                                                 other_school, trust):  # fmt: skip
    with pytest.raises(NotAllowed):
        _import(principal, package.data, other_school, trust)


def test_the_principal_downloads_a_package_from_the_web(client, principal, student, cls):
    client.force_login(principal)
    page = client.get(reverse("transfers:school", args=[cls.school.pk]))
    assert page.status_code == 200 and student.student_code in page.content.decode()
    url = reverse("transfers:export", args=[cls.school.pk, student.pk])
    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert MANIFEST_NAME in _members(response.content)


def test_other_roles_and_schools_get_404_on_the_web(
    client, gvcn, other_principal, student, cls, other_school
):
    url = reverse("transfers:export", args=[cls.school.pk, student.pk])
    for user in (gvcn, other_principal):
        client.force_login(user)
        assert client.get(reverse("transfers:school", args=[cls.school.pk])).status_code == 404
        assert client.post(url).status_code == 404
    client.force_login(other_principal)
    other = reverse("transfers:export", args=[other_school.pk, student.pk])
    assert client.post(other).status_code == 404  # not a student of that school


def test_the_family_and_the_new_school_see_the_received_history_on_the_web(
    client,
    package,
    left,
    student,
    receiving_class,
    other_principal,
    other_school,
    principal,
    trust,
):
    _import(other_principal, package.data, other_school, trust)
    url = reverse("transfers:history", args=[student.pk])
    parent = create_user("me", "x-Pass-12345", role="parent", student=student)
    client.force_login(parent)
    home = client.get(reverse("accounts:home")).content.decode()
    assert url in home  # the menu links the family to it
    page = client.get(url)
    assert page.status_code == 200
    received = ReceivedRecord.objects.get(student=student)
    assert reverse("transfers:received", args=[received.pk, "pdf"]) in page.content.decode()
    client.force_login(other_principal)
    assert client.get(url).status_code == 200
    assert student.student_code in client.get(
        reverse("transfers:school", args=[other_school.pk])).content.decode()  # fmt: skip
    client.force_login(principal)  # the sending school: not its enrolment any more
    assert client.get(url).status_code == 404


def test_a_failure_while_storing_leaves_no_rows_and_no_files(
    package, left, receiving_class, other_principal, other_school, trust, settings, monkeypatch
):
    from pathlib import Path

    before = _counts()

    def broken(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ReceivedRecord, "save", broken)
    with pytest.raises(RuntimeError):
        _import(other_principal, package.data, other_school, trust)
    assert _counts() == before
    assert not [p for p in (Path(settings.MEDIA_ROOT) / "transfers").rglob("*") if p.is_file()]


def test_a_package_resealed_by_a_foreign_seal_is_refused_and_nothing_is_written(
    package, left, receiving_class, other_principal, other_school, trust, tmp_path
):
    from hocba.signing import init_pki
    from hocba.signing.transfer import sign_manifest
    from hocba.spec import SignerRole
    from hocba.spec.transfer import SIGNATURE_NAME

    foreign = init_pki(tmp_path / "foreign", teachers=["A"], principal="B",
                       school="Trường Tiểu học Khác", key_type="ec")  # fmt: skip
    members = _members(package.data)
    members[SIGNATURE_NAME] = sign_manifest(
        members[MANIFEST_NAME], foreign.load_signer(SignerRole.SEAL)
    )
    before = _counts()
    with pytest.raises(PackageRefused) as exc:
        _import(other_principal, _zip(members), other_school, trust)
    assert "transfer.seal_untrusted" in exc.value.report.codes()
    assert "danh sách tin cậy" in exc.value.message_vi
    assert _counts() == before


def _configured_seal(school, pki_path, *, location: str | None = None, typed: bool = False) -> str:
    """Configure the school seal as a .p12 file (the demo PKI's seal); returns its password."""
    from hocba.apps.signing.models import SignerKey
    from hocba.spec import SignerRole

    pki = load_pki(pki_path)
    entry = pki.signer_entry(SignerRole.SEAL, school.name)
    SignerKey.objects.create(school=school, role="seal", kind="pkcs12",
                             location=location or str(entry.p12), pin_at_batch=typed)  # fmt: skip
    return pki.password


def test_export_seals_with_the_key_configured_for_the_school(principal, student, cls, pki_path):
    from hocba.errors import HocbaError

    _configured_seal(cls.school, pki_path, location="/nowhere/seal.p12")
    with pytest.raises(HocbaError, match=r"/nowhere/seal\.p12"):
        services.export_package(principal, student, cls.school)
    assert not AuditEvent.objects.filter(tag=EventTag.TRANSFER_PACKAGE_EXPORTED).exists()


def test_a_seal_key_with_a_typed_pin_asks_for_it_on_the_export_form(
    client, principal, student, cls, pki_path, trust
):
    from hocba.apps.transfers.errors import SealPinRequired

    password = _configured_seal(cls.school, pki_path, typed=True)
    with pytest.raises(SealPinRequired):
        services.export_package(principal, student, cls.school)
    client.force_login(principal)
    page = client.get(reverse("transfers:school", args=[cls.school.pk])).content.decode()
    assert 'name="pin"' in page
    url = reverse("transfers:export", args=[cls.school.pk, student.pk])
    refused = client.post(url)
    assert refused.status_code == 409 and "mã PIN" in refused.content.decode()
    response = client.post(url, {"pin": password})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert verify_bundle(response.content, trust).ok
    assert password not in "".join(str(e.data) for e in AuditEvent.objects.all())
