"""Corrections of an issued record (DESIGN principle 2, DOMAIN §6).

The GVCN requests a correction of the student's issued version N with a reason → the principal
approves (or declines, with a reason) → approving opens version N+1 as a draft (same record
id, the reason in the document) and unlocks that student's working data (a ``StudentUnlock``)
→ the GVCN edits and finalises the student again (``workflow.finalise_student``) → version N+1
is signed by the same plan (GVCN → principal → seal, ``apps.signing``) → when it is issued,
``supersede_older`` marks version N superseded (kept, still verifiable).

Each writer is one transaction that locks the class row and appends its audit event in it.
Authority is checked here too (``policy.require``): a denial raises ``NotAllowed`` (404).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from hocba.apps.accounts import policy
from hocba.apps.accounts.permissions import Permission as P
from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import Enrolment, School, SchoolClass
from hocba.apps.records import review
from hocba.apps.records.errors import EntryRefused, InvalidEntry
from hocba.apps.records.models import CorrectionRequest, RecordVersion, StudentUnlock
from hocba.apps.records.services import store_version
from hocba.spec import load_record

MIN_REASON = 10
MAX_REASON = 1000
Status = RecordVersion.Status
Req = CorrectionRequest.Status
Req_OPEN = CorrectionRequest.OPEN


def _lock(enrolment: Enrolment) -> SchoolClass:
    return (
        SchoolClass.objects.select_for_update()
        .select_related("school__org_unit")
        .get(pk=enrolment.school_class_id)
    )


def _reason(reason: str, what: str) -> str:
    reason = " ".join((reason or "").split())
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise InvalidEntry(
            f"Cần ghi rõ lý do {what} (từ {MIN_REASON} đến {MAX_REASON} ký tự).", field="reason"
        )
    return reason


def latest_version(enrolment: Enrolment) -> RecordVersion | None:
    return RecordVersion.objects.filter(enrolment=enrolment).order_by("-version").first()


def _ensure_current_issued(enrolment: Enrolment, version: RecordVersion) -> None:
    latest = latest_version(enrolment)
    if version.status != Status.ISSUED or latest is None or latest.pk != version.pk:
        raise EntryRefused(
            "Chỉ điều chỉnh được phiên bản học bạ đang có hiệu lực (đã ban hành, mới nhất).",
            code="correction.not_current",
            detail=f"version {version.pk} is {version.status}, latest {latest and latest.pk}",
        )


@transaction.atomic
def request_correction(actor: Any, version: RecordVersion, reason: str) -> CorrectionRequest:
    """The GVCN asks to correct the student's current issued version, with a reason."""
    enrolment = version.enrolment
    policy.require(actor, P.CLASS_CORRECTION_REQUEST, enrolment)
    reason = _reason(reason, "điều chỉnh")
    cls = _lock(enrolment)
    version = RecordVersion.objects.get(pk=version.pk)
    _ensure_current_issued(enrolment, version)
    if CorrectionRequest.objects.filter(enrolment=enrolment, status__in=Req_OPEN).exists():
        raise EntryRefused(
            "Học sinh này đã có một đề nghị điều chỉnh đang xử lý.",
            code="correction.already_open",
            detail=f"enrolment {enrolment.pk} has an open correction",
        )
    request = CorrectionRequest.objects.create(
        enrolment=enrolment,
        version=version,
        reason=reason,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    audit.record(
        EventTag.RECORD_CORRECTION_REQUESTED,
        actor=actor,
        subject=version,
        scope_path=cls.school.org_unit.path,
        data={"request": request.pk, "version": version.version, "reason": reason},
    )
    return request


def _pending(request: CorrectionRequest) -> CorrectionRequest:
    locked = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != Req.REQUESTED:
        raise EntryRefused(
            "Đề nghị điều chỉnh này đã được xử lý.",
            code="correction.decided",
            detail=f"request {request.pk} is {locked.status}",
        )
    return locked


@transaction.atomic
def approve_correction(actor: Any, request: CorrectionRequest) -> CorrectionRequest:
    """The principal approves: version N+1 is opened as a draft (the content of version N, the
    reason stated in it) and the student's working data is unlocked for the GVCN."""
    enrolment = request.enrolment
    policy.require(actor, P.SCHOOL_CORRECTION_APPROVE, enrolment)
    cls = _lock(enrolment)
    request = _pending(request)
    old = RecordVersion.objects.get(pk=request.version_id)
    _ensure_current_issued(enrolment, old)
    if not review.is_locked(cls):
        raise EntryRefused(
            "Lớp đang mở khóa toàn bộ: GVCN cần chốt lại lớp trước khi duyệt điều chỉnh.",
            code="correction.class_open",
            detail=f"class {cls.pk} is not finalised",
        )
    record = load_record(bytes(old.canonical)).model_copy(
        update={"version": old.version + 1, "correction_reason": request.reason}
    )
    new = store_version(enrolment, record)  # a draft: the GVCN's finalisation rebuilds it
    StudentUnlock.objects.create(
        enrolment=enrolment,
        reason=f"Điều chỉnh học bạ phiên bản {old.version}: {request.reason}",
        unlocked_by=actor,
        unlocked_at=timezone.now(),
    )
    request.status, request.new_version = Req.APPROVED, new
    request.decided_by, request.decided_at = actor, timezone.now()
    request.save(update_fields=["status", "new_version", "decided_by", "decided_at"])
    audit.record(
        EventTag.RECORD_CORRECTION_APPROVED,
        actor=actor,
        subject=old,
        scope_path=cls.school.org_unit.path,
        data={"request": request.pk, "version": old.version, "new_version": new.version},
    )
    return request


@transaction.atomic
def decline_correction(actor: Any, request: CorrectionRequest, reason: str) -> CorrectionRequest:
    """The principal declines, with a reason: nothing is unlocked, the issued version stays."""
    enrolment = request.enrolment
    policy.require(actor, P.SCHOOL_CORRECTION_APPROVE, enrolment)
    reason = _reason(reason, "từ chối")
    cls = _lock(enrolment)
    request = _pending(request)
    request.status, request.decline_reason = Req.DECLINED, reason
    request.decided_by, request.decided_at = actor, timezone.now()
    request.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
    audit.record(
        EventTag.RECORD_CORRECTION_DECLINED,
        actor=actor,
        subject=request.version,
        scope_path=cls.school.org_unit.path,
        data={"request": request.pk, "reason": reason},
    )
    return request


def supersede_older(new: RecordVersion, *, actor: Any, scope_path: str) -> list[int]:
    """Inside the transaction that issues ``new``: every older issued version of the same
    record becomes superseded by it (kept, still verifiable) and the correction completes.
    Returns the superseded version numbers."""
    older = list(
        RecordVersion.objects.select_for_update()
        .filter(record_id=new.record_id, version__lt=new.version, status=Status.ISSUED)
        .order_by("version")
    )
    now = timezone.now()
    for old in older:
        old.status, old.superseded_by, old.superseded_at = Status.SUPERSEDED, new, now
        old.save(update_fields=["status", "superseded_by", "superseded_at"])
        audit.record(
            EventTag.RECORD_SUPERSEDED,
            actor=actor,
            subject=old,
            scope_path=scope_path,
            data={"version": old.version, "superseded_by": new.version,
                  "reason": new.correction_reason},
        )  # fmt: skip
    CorrectionRequest.objects.filter(new_version=new, status=Req.APPROVED).update(
        status=Req.COMPLETED
    )
    return [old.version for old in older]


# --- reading -----------------------------------------------------------------------------------


def requests_of_class(cls: SchoolClass) -> QuerySet[CorrectionRequest]:
    return CorrectionRequest.objects.filter(enrolment__school_class=cls).select_related(
        "enrolment__student", "version", "new_version", "requested_by", "decided_by"
    )


def pending_of_school(school: School) -> QuerySet[CorrectionRequest]:
    return (
        CorrectionRequest.objects.filter(
            enrolment__school_class__school=school, status=Req.REQUESTED
        )
        .select_related("enrolment__student", "enrolment__school_class", "version")
        .order_by("requested_at")
    )
