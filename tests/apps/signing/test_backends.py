"""Web batches through configured signer keys (issue 5): a PKCS#12 file, a PKCS#11 token
(SoftHSM, PIN typed at batch start), a CSC service (certomancer-csc-dummy) and the phone
gateway each sign; the principal's whole school costs ONE phone confirmation; every issued
record's PDF and XML verify VALID with the same digest; production refuses unconfigured
signers at batch start."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.db import OperationalError

from hocba.apps.accounts.services import create_user
from hocba.apps.directory.models import SchoolClass
from hocba.apps.records.models import RecordVersion
from hocba.apps.signing import services
from hocba.apps.signing.errors import SigningRefused
from hocba.apps.signing.models import SignerKey, SigningBatch
from hocba.signing import load_pki
from hocba.signing.pki import issue_for_public_key
from hocba.spec import SignerRole, load_record
from hocba.verify import Verdict, load_trust, verify_pdf
from hocba.verify.xml import compare_pair, verify_xml
from tests.pki_fixtures import pki  # noqa: F401 — the session PKI the SoftHSM token is made with
from tests.signing.csc_server import CscServer, make_csc_pki
from tests.signing.gateway_server import GatewayServer
from tests.signing.softhsm import add_certificate, session_token, token_public_key

from .conftest import finalise

pytestmark = pytest.mark.django_db
S = RecordVersion.Status


@pytest.fixture
def inline(monkeypatch):
    """Batches started with a typed PIN run inline (not in a thread) in these tests."""
    monkeypatch.setattr(services, "run_in_background", lambda work: work())


def _planned(version: RecordVersion, role: SignerRole) -> str:
    record = load_record(bytes(version.canonical))
    return next(s.full_name for s in record.signers if s.role is role)


def _read(field) -> bytes:
    with field.open("rb") as fh:
        return fh.read()


def _seal_on_token(pki_path: Path, tmp_path_factory, session_pki) -> dict[str, str]:
    """The session SoftHSM token's key, certified by THIS school's demo CA as its seal, with
    that CA on the token too (as a CA's token carries its chain)."""
    apps_pki = load_pki(pki_path)
    token = session_token(tmp_path_factory.mktemp("softhsm"), session_pki)
    label = "seal-web"  # the session's token and this session's school PKI: made once
    cert = issue_for_public_key(apps_pki, SignerRole.SEAL, apps_pki.school, token_public_key(token))
    add_certificate(token, cert.public_bytes(serialization.Encoding.DER), label, "21")
    add_certificate(token, apps_pki.issuing_ca_cert.read_bytes(), f"{label}-ca", "22")
    return {"module": token.module, "token": token.label, "key": token.key, "cert": label,
            "pin": token.pin}  # fmt: skip


def _gvcn_sign_all(school, keyed_class, keyed_gvcn) -> None:
    """Every class signed by its GVCN (the keyed class's GVCN with a configured key)."""
    classes = SchoolClass.objects.filter(school=school, enrolments__records__isnull=False)
    for n, c in enumerate(classes.distinct().order_by("pk")):
        user = keyed_gvcn if c.pk == keyed_class.pk else create_user(
            f"gv{n}", "x-Pass-12345", role="homeroom_teacher", school_class=c
        )  # fmt: skip
        finalise(c)
        batch = services.run_batch(services.start_gvcn_signing(user, c).pk)
        assert (batch.status, batch.failed_count) == ("done", 0), list(
            batch.items.values_list("error_code", "error_message")
        )


def test_a_school_signed_with_a_p12_file_a_phone_gateway_and_a_usb_token_verifies_valid(
    school, cls, gvcn, principal, pki_path, monkeypatch, inline, tmp_path_factory, pki,  # noqa: F811
    django_capture_on_commit_callbacks,
):  # fmt: skip
    apps_pki = load_pki(pki_path)
    version = RecordVersion.objects.filter(enrolment__school_class=cls).first()
    gvcn_entry = apps_pki.signer_entry(SignerRole.GVCN, _planned(version, SignerRole.GVCN))
    principal_entry = apps_pki.signer_entry(
        SignerRole.PRINCIPAL, _planned(version, SignerRole.PRINCIPAL)
    )
    # the GVCN of `cls`: a .p12 file, its password in the worker's environment
    monkeypatch.setenv("HOCBA_TEST_GVCN_P12", apps_pki.password)
    SignerKey.objects.create(school=school, role="gvcn", user=gvcn, kind="pkcs12",
                             location=str(gvcn_entry.p12), secret_ref="env:HOCBA_TEST_GVCN_P12")  # fmt: skip
    _gvcn_sign_all(school, cls, gvcn)
    xml = _read(RecordVersion.objects.get(pk=version.pk).xml)
    assert b'Id="' in xml and b"SignatureTimeStamp" in xml

    token = _seal_on_token(pki_path, tmp_path_factory, pki)
    gateway = GatewayServer({"ht": (principal_entry.p12, apps_pki.password)})
    with gateway as url:
        SignerKey.objects.create(school=school, role="principal", user=principal,
                                      kind="gateway", location=url, identifier="ht")  # fmt: skip
        SignerKey.objects.create(school=school, role="seal", kind="pkcs11",
                                 location=token["module"], identifier=token["token"],
                                 key_label=token["key"], cert_label=token["cert"],
                                 pin_at_batch=True)  # fmt: skip
        with pytest.raises(SigningRefused) as refused:  # the seal's PIN is typed at the start
            services.start_principal_signing(principal, school)
        assert refused.value.code == "signing.pin_required"
        with pytest.raises(SigningRefused) as refused:
            services.start_principal_signing(principal, school, {"seal": "000000"})
        assert refused.value.code == "signing.pkcs11_pin"
        assert "000000" not in f"{refused.value.message_vi} {refused.value.detail}"
        assert not SigningBatch.objects.filter(stage="principal_seal").exists()

        with django_capture_on_commit_callbacks(execute=True):
            batch = services.start_principal_signing(principal, school, {"seal": token["pin"]})
        batch.refresh_from_db()
        assert (batch.status, batch.done_count, batch.failed_count) == (
            "done", batch.total, 0), list(batch.items.values_list("error_code", "error_message"))  # fmt: skip
        assert (
            batch.total
            == RecordVersion.objects.filter(enrolment__school_class__school=school).count()
        )
        assert gateway.confirmations == 1  # ONE confirmation on the phone for the whole school
    trust = load_trust(apps_pki.trust_dir)
    for v in RecordVersion.objects.filter(enrolment__school_class__school=school):
        assert v.status == S.ISSUED
        pdf_report = verify_pdf(_read(v.pdf), trust)
        assert pdf_report.verdict is Verdict.VALID, pdf_report.problems
        pair = compare_pair(pdf_report, verify_xml(_read(v.xml), trust))
        assert pair.verdict is Verdict.VALID, pair.problems
        assert pair.record.digest == pdf_report.record.digest == v.digest
        assert [s.role for s in pair.signatures] == [SignerRole.GVCN, SignerRole.PRINCIPAL,
                                                     SignerRole.SEAL]  # fmt: skip
    # the PIN is nowhere in the database's audit data
    from hocba.apps.audit.models import AuditEvent

    assert token["pin"] not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_a_gvcn_signs_through_a_csc_remote_service(
    school, cls, gvcn, principal, pki_path, settings, tmp_path
):
    apps_pki = load_pki(pki_path)
    version = RecordVersion.objects.filter(enrolment__school_class=cls).first()
    teacher = _planned(version, SignerRole.GVCN)
    csc_pki = make_csc_pki(tmp_path / "csc", teacher=teacher, other="Người Khác",
                           school=apps_pki.school)  # fmt: skip
    trust_dir = tmp_path / "trust"  # the school trusts the service's CA, as a licensed CA's root
    shutil.copytree(apps_pki.trust_dir, trust_dir)
    (trust_dir / "csc-root.der").write_bytes(csc_pki.root.dump())
    for n, crl in enumerate(csc_pki.crls):
        (trust_dir / f"csc-{n}.crl").write_bytes(crl.dump())
    settings.HOCBA_TRUST_DIR = str(trust_dir)
    finalise(cls)
    with CscServer(csc_pki.config) as url:
        SignerKey.objects.create(school=school, role="gvcn", user=gvcn, kind="csc",
                                 location=url, identifier="hocba/teacher")  # fmt: skip
        batch = services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    assert (batch.status, batch.failed_count) == ("done", 0), list(
        batch.items.values_list("error_code", "error_message")
    )
    trust = load_trust(trust_dir)
    for v in RecordVersion.objects.filter(enrolment__school_class=cls):
        assert v.status == S.GVCN_SIGNED
        for report in (verify_pdf(_read(v.pdf), trust), verify_xml(_read(v.xml), trust)):
            assert [(s.role, s.intact, s.valid) for s in report.signatures] == [
                (SignerRole.GVCN, True, True)
            ], report.problems
            assert report.record.digest == v.digest
    # the principal and the seal (the demo PKI in development) finish it: VALID, PDF and XML
    batch = services.run_batch(services.start_principal_signing(principal, cls).pk)
    assert (batch.status, batch.failed_count) == ("done", 0)
    for v in RecordVersion.objects.filter(enrolment__school_class=cls):
        pdf_report = verify_pdf(_read(v.pdf), trust)
        pair = compare_pair(pdf_report, verify_xml(_read(v.xml), trust))
        assert (v.status, pdf_report.verdict, pair.verdict) == (
            S.ISSUED, Verdict.VALID, Verdict.VALID)  # fmt: skip


def test_production_refuses_an_unconfigured_signer_at_batch_start(cls, gvcn, monkeypatch):
    finalise(cls)
    monkeypatch.setenv("HOCBA_ENV", "production")
    with pytest.raises(SigningRefused) as refused:
        services.start_gvcn_signing(gvcn, cls)
    assert refused.value.code == "signing.not_configured"
    assert "Chưa cấu hình khoá ký cho giáo viên chủ nhiệm" in refused.value.message_vi
    assert not SigningBatch.objects.exists()


def test_a_key_configured_for_another_school_is_not_used(
    school, cls, gvcn, other_school, monkeypatch
):
    finalise(cls)
    SignerKey.objects.create(school=other_school, role="gvcn", kind="pkcs12",
                             location="/nowhere.p12")  # fmt: skip
    monkeypatch.setenv("HOCBA_ENV", "production")
    with pytest.raises(SigningRefused):
        services.start_gvcn_signing(gvcn, cls)


def test_a_broken_key_fails_the_records_with_its_reason_and_signs_nothing(school, cls, gvcn):
    finalise(cls)
    SignerKey.objects.create(school=school, role="gvcn", user=gvcn, kind="pkcs12",
                             location="/nowhere/gvcn.p12")  # fmt: skip
    batch = services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    assert (batch.status, batch.done_count, batch.failed_count) == ("failed", 0, batch.total)
    assert set(batch.items.values_list("error_code", "error_message")) == {
        ("signing.key_unreadable", "Không mở được tệp khoá /nowhere/gvcn.p12.")
    }
    assert set(RecordVersion.objects.filter(enrolment__school_class=cls)
               .values_list("status", flat=True)) == {S.FINAL}  # fmt: skip


def _typed_p12_key(school, gvcn, cls, pki_path) -> str:
    """The GVCN's .p12 whose password the GVCN types for each batch; returns the password."""
    apps_pki = load_pki(pki_path)
    version = RecordVersion.objects.filter(enrolment__school_class=cls).first()
    entry = apps_pki.signer_entry(SignerRole.GVCN, _planned(version, SignerRole.GVCN))
    SignerKey.objects.create(school=school, role="gvcn", user=gvcn, kind="pkcs12",
                             location=str(entry.p12), pin_at_batch=True)  # fmt: skip
    return apps_pki.password


def test_a_typed_pin_batch_cut_off_by_a_restart_resumes_when_the_pin_is_typed_again(
    school, cls, gvcn, pki_path, monkeypatch, django_capture_on_commit_callbacks
):
    password = _typed_p12_key(school, gvcn, cls, pki_path)
    finalise(cls)
    lost = []
    monkeypatch.setattr(services, "run_in_background", lost.append)  # the process "dies"
    with django_capture_on_commit_callbacks(execute=True):
        first = services.start_gvcn_signing(gvcn, cls, {"gvcn": password})
    assert lost and first.pk in services._LIVE
    # a second click while it still runs in this process: the same batch, nothing new started
    with django_capture_on_commit_callbacks(execute=True):
        assert services.start_gvcn_signing(gvcn, cls, {"gvcn": password}).pk == first.pk
    assert len(lost) == 1
    services._LIVE.clear()  # the process stopped: the opened key and its PIN are gone
    monkeypatch.setattr(services, "run_in_background", lambda work: work())
    with django_capture_on_commit_callbacks(execute=True):
        again = services.start_gvcn_signing(gvcn, cls, {"gvcn": password})
    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.status, again.done_count, again.failed_count) == ("done", again.total, 0)
    assert set(RecordVersion.objects.filter(enrolment__school_class=cls)
               .values_list("status", flat=True)) == {S.GVCN_SIGNED}  # fmt: skip
    assert SigningBatch.objects.count() == 1 and not services._LIVE


@pytest.mark.django_db(transaction=True)
def test_a_typed_pin_batch_runs_in_a_background_thread(school, cls, gvcn, pki_path):
    import time

    password = _typed_p12_key(school, gvcn, cls, pki_path)
    finalise(cls)
    batch = services.start_gvcn_signing(gvcn, cls, {"gvcn": password})
    deadline = time.monotonic() + 60
    while batch.status != "done" and time.monotonic() < deadline:
        time.sleep(0.1)
        try:
            batch.refresh_from_db()
        except OperationalError:  # the test's in-memory SQLite: the runner holds a table lock
            continue
    assert (batch.status, batch.done_count) == ("done", batch.total)
    while services._LIVE and time.monotonic() < deadline:  # the thread drops the key last
        time.sleep(0.05)
    assert not services._LIVE
