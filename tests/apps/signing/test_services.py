"""Signing batches: stage order, idempotence, per-record failures (DOMAIN §6)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.services import verify_chain
from hocba.apps.audit.tags import EventTag
from hocba.apps.records.models import RecordVersion
from hocba.apps.signing import services
from hocba.apps.signing.errors import SigningRefused
from hocba.apps.signing.models import SigningBatch, SigningItem
from hocba.signing import load_pki
from hocba.verify import verify_pdf

from .conftest import finalise, statuses

pytestmark = pytest.mark.django_db
S = RecordVersion.Status


def _tags(tag):
    return AuditEvent.objects.filter(tag=tag).count()


def test_a_class_that_is_not_finalised_cannot_be_signed(cls, gvcn):
    with pytest.raises(SigningRefused) as exc:
        services.start_gvcn_signing(gvcn, cls)
    assert exc.value.code == "signing.class_not_finalised"
    assert not SigningBatch.objects.exists()


def test_only_the_classes_own_gvcn_may_sign(cls, other_gvcn, principal):
    finalise(cls)
    for user in (other_gvcn, principal):
        with pytest.raises(NotAllowed):
            services.start_gvcn_signing(user, cls)


def test_gvcn_signs_every_final_record_of_the_class_once(cls, gvcn):
    finalise(cls)
    batch = services.start_gvcn_signing(gvcn, cls)
    assert (batch.status, batch.total) == ("queued", 2)
    batch = services.run_batch(batch.pk)
    assert (batch.status, batch.done_count, batch.failed_count) == ("done", 2, 0)
    assert statuses(cls) == [S.GVCN_SIGNED, S.GVCN_SIGNED]
    assert _tags(EventTag.RECORD_SIGNATURE_ADDED) == 2
    assert _tags(EventTag.SIGNING_BATCH_STARTED) == _tags(EventTag.SIGNING_BATCH_FINISHED) == 1
    version = RecordVersion.objects.filter(enrolment__school_class=cls).first()
    assert version.pdf.read()[:5] == b"%PDF-"
    assert verify_chain() is None


def test_re_running_a_batch_or_a_second_batch_signs_nothing_twice(cls, gvcn):
    finalise(cls)
    first = services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    pdfs = [v.pdf.name for v in RecordVersion.objects.filter(enrolment__school_class=cls)]
    services.run_batch(first.pk)  # e.g. the task requeued after a crash
    with pytest.raises(SigningRefused):  # nothing is left at the GVCN stage
        services.start_gvcn_signing(gvcn, cls)
    # A batch that still lists the records (raced by the first one) skips them.
    raced = SigningBatch.objects.create(school=cls.school, school_class=cls, stage="gvcn", total=2)
    for v in RecordVersion.objects.filter(enrolment__school_class=cls):
        SigningItem.objects.create(batch=raced, record_version=v)
    raced = services.run_batch(raced.pk)
    assert (raced.done_count, raced.failed_count) == (2, 0)
    assert set(raced.items.values_list("signatures", flat=True)) == {0}
    assert [v.pdf.name for v in RecordVersion.objects.filter(enrolment__school_class=cls)] == pdfs
    assert _tags(EventTag.RECORD_SIGNATURE_ADDED) == 2
    assert _tags(EventTag.SIGNING_BATCH_FINISHED) == 2


def test_a_batch_interrupted_half_way_resumes_with_the_records_left(cls, gvcn):
    finalise(cls)
    batch = services.start_gvcn_signing(gvcn, cls)
    first = batch.items.order_by("pk").first()
    SigningItem.objects.exclude(pk=first.pk).update(status="done")  # pretend: stop after one
    services.run_batch(batch.pk)
    assert statuses(cls).count(S.GVCN_SIGNED) == 1
    SigningItem.objects.exclude(pk=first.pk).update(status="pending")  # the rest, on resume
    SigningBatch.objects.filter(pk=batch.pk).update(status="running")
    batch = services.run_batch(batch.pk)
    assert statuses(cls) == [S.GVCN_SIGNED, S.GVCN_SIGNED]
    assert _tags(EventTag.RECORD_SIGNATURE_ADDED) == 2


def test_the_principal_cannot_sign_before_the_gvcn(cls, principal):
    finalise(cls)
    with pytest.raises(SigningRefused) as exc:
        services.start_principal_signing(principal, cls)
    assert exc.value.code == "signing.nothing_to_sign"
    batch = SigningBatch.objects.create(
        school=cls.school, school_class=cls, stage="principal_seal", total=2
    )
    for v in RecordVersion.objects.filter(enrolment__school_class=cls):
        SigningItem.objects.create(batch=batch, record_version=v)
    batch = services.run_batch(batch.pk)
    assert (batch.status, batch.failed_count) == ("failed", 2)
    assert set(batch.items.values_list("error_code", flat=True)) == {"signing.stage_order"}
    assert statuses(cls) == [S.FINAL, S.FINAL]


def test_the_principal_signs_seals_verifies_and_issues(cls, gvcn, principal, pki_path):
    finalise(cls)
    services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    batch = services.run_batch(services.start_principal_signing(principal, cls.school).pk)
    assert (batch.status, batch.done_count, batch.school_class) == ("done", 2, None)
    assert statuses(cls) == [S.ISSUED, S.ISSUED]
    assert set(batch.items.values_list("verdict", flat=True)) == {"VALID"}
    assert set(batch.items.values_list("signatures", flat=True)) == {2}
    version = RecordVersion.objects.filter(enrolment__school_class=cls).first()
    assert version.issued_at is not None
    report = verify_pdf(version.pdf.read(), load_pki(pki_path).trust())
    assert report.verdict.value == "VALID"
    assert _tags(EventTag.RECORD_ISSUED) == 2
    assert _tags(EventTag.RECORD_SIGNATURE_ADDED) == 6


def test_a_failing_record_is_reported_and_the_others_are_signed(cls, gvcn):
    finalise(cls)
    broken, _fine = RecordVersion.objects.filter(enrolment__school_class=cls).order_by("pk")
    broken.pdf.save("broken.pdf", ContentFile(b"not a pdf at all"))
    batch = services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    assert (batch.status, batch.done_count, batch.failed_count) == ("failed", 1, 1)
    item = batch.items.get(record_version=broken)
    assert item.status == "failed" and item.error_code and item.error_message
    assert statuses(cls) == [S.FINAL, S.GVCN_SIGNED]


def test_a_missing_pki_fails_each_record_with_its_reason(cls, gvcn, settings, tmp_path):
    settings.HOCBA_PKI_DIR = str(tmp_path / "none")
    finalise(cls)
    batch = services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    assert (batch.status, batch.failed_count) == ("failed", 2)
    assert set(batch.items.values_list("error_code", flat=True)) == {"pki.unreadable"}


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection
def test_the_worker_runs_the_enqueued_batch(cls, gvcn):
    finalise(cls)
    batch = services.start_gvcn_signing(gvcn, cls)
    call_command("db_worker", batch=True, reload=False, startup_delay=False)
    batch.refresh_from_db()
    assert (batch.status, batch.done_count) == ("done", 2)
    assert statuses(cls) == [S.GVCN_SIGNED, S.GVCN_SIGNED]
