"""Signing and issuing records in batches (DOMAIN §6: GVCN → principal → school seal → issued).

``start_*`` check authority, create a batch with one item per record still to sign and enqueue
the background task; ``run_batch`` (the task) signs item by item. Each record's signature is
written in its own transaction that re-checks the record's status under a row lock, so a batch
that is re-run, resumed after a crash or raced by a second batch never signs a record twice;
one record's failure is kept on its item and the rest go on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from hocba.apps.accounts import policy
from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.permissions import Permission
from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import School, SchoolClass
from hocba.apps.records.models import ClassFinalisation, RecordVersion
from hocba.apps.signing.backends import SigningBackend, backend_for
from hocba.apps.signing.errors import NotValidAfterSigning, SigningRefused, StageOrder
from hocba.apps.signing.models import SigningBatch, SigningItem
from hocba.errors import HocbaError
from hocba.spec import Record, SignerRole, load_record

log = logging.getLogger(__name__)
S = RecordVersion.Status
Stage = SigningBatch.Stage

# Statuses a batch of each stage works on; anything later is already past the stage.
_TODO = {
    Stage.GVCN: (S.FINAL,),
    Stage.PRINCIPAL_SEAL: (S.GVCN_SIGNED, S.PRINCIPAL_SIGNED),
}
_PAST = {
    Stage.GVCN: (S.GVCN_SIGNED, S.PRINCIPAL_SIGNED, S.ISSUED, S.SUPERSEDED),
    Stage.PRINCIPAL_SEAL: (S.ISSUED, S.SUPERSEDED),
}


# --- starting a batch ------------------------------------------------------------------------


def start_gvcn_signing(user: Any, school_class: SchoolClass) -> SigningBatch:
    """The GVCN signs every finalised record of their class (one approval)."""
    policy.require(user, Permission.CLASS_RECORD_SIGN, school_class)
    if not ClassFinalisation.objects.filter(school_class=school_class, locked=True).exists():
        raise SigningRefused(
            "Lớp chưa được chốt dữ liệu: GVCN cần chốt lớp trước khi ký học bạ.",
            code="signing.class_not_finalised",
        )
    versions = current_versions(classes=[school_class]).filter(status__in=_TODO[Stage.GVCN])
    return _start(user, Stage.GVCN, school_class.school, school_class, versions)


def start_principal_signing(user: Any, target: SchoolClass | School) -> SigningBatch:
    """The principal signs and seals every GVCN-signed record of a class or the whole school."""
    policy.require(user, Permission.SCHOOL_RECORD_SIGN, target)
    policy.require(user, Permission.SCHOOL_RECORD_SEAL, target)
    if isinstance(target, SchoolClass):
        school, school_class = target.school, target
        classes: Iterable[SchoolClass] = [target]
    else:
        school, school_class = target, None
        classes = SchoolClass.objects.filter(school=target)
    versions = current_versions(classes=classes).filter(status__in=_TODO[Stage.PRINCIPAL_SEAL])
    return _start(user, Stage.PRINCIPAL_SEAL, school, school_class, versions)


def current_versions(*, classes: Iterable[SchoolClass]) -> QuerySet[RecordVersion]:
    """Record versions of the classes' students (not superseded), in register order."""
    return (
        RecordVersion.objects.filter(enrolment__school_class__in=list(classes))
        .exclude(status=S.SUPERSEDED)
        .select_related("enrolment__student", "enrolment__school_class")
        .order_by("enrolment__school_class__name", "enrolment__register_number", "pk")
    )


@transaction.atomic
def _start(
    user: Any,
    stage: str,
    school: School,
    school_class: SchoolClass | None,
    versions: QuerySet[RecordVersion],
) -> SigningBatch:
    active = SigningBatch.objects.filter(
        stage=stage,
        school=school,
        school_class=school_class,
        status__in=[SigningBatch.Status.QUEUED, SigningBatch.Status.RUNNING],
    ).first()
    if active is not None:  # a second click while one runs: show that one
        return active
    todo = list(versions)
    if not todo:
        raise SigningRefused(
            "Không có học bạ nào đang chờ ở bước ký này.", code="signing.nothing_to_sign"
        )
    batch = SigningBatch.objects.create(
        school=school, school_class=school_class, stage=stage, requested_by=user, total=len(todo)
    )
    SigningItem.objects.bulk_create(SigningItem(batch=batch, record_version=v) for v in todo)
    audit.record(
        EventTag.SIGNING_BATCH_STARTED,
        actor=user,
        subject=batch,
        scope_path=school.org_unit.path,
        data={"stage": stage, "class_id": school_class.pk if school_class else None,
              "total": len(todo)},
    )  # fmt: skip
    from hocba.apps.signing.tasks import run_signing_batch

    run_signing_batch.enqueue(batch.pk)  # in this transaction: no batch without its task
    return batch


# --- running a batch (the background task) ---------------------------------------------------


def run_batch(batch_id: int, backend: SigningBackend | None = None) -> SigningBatch:
    """Sign every pending item of the batch; safe to call again after a crash or a finish."""
    batch = SigningBatch.objects.select_related("school__org_unit", "requested_by").get(pk=batch_id)
    SigningBatch.objects.filter(pk=batch.pk, status=SigningBatch.Status.QUEUED).update(
        status=SigningBatch.Status.RUNNING
    )
    try:
        backend = backend or backend_for(batch.requested_by)
    except HocbaError as exc:  # no keys at all: every pending item fails with that reason
        backend, setup_error = None, exc
    else:
        setup_error = None
    pending = SigningItem.objects.filter(batch=batch, status=SigningItem.Status.PENDING)
    for item in pending.select_related("record_version").order_by("pk"):
        if backend is None:
            _fail(item, setup_error)  # type: ignore[arg-type]
            continue
        try:
            _sign_item(batch, item, backend)
        except HocbaError as exc:
            _fail(item, exc)
        except Exception as exc:  # one broken record must not stop the class
            log.exception("signing item %s of batch %s failed", item.pk, batch.pk)
            _fail(item, HocbaError("Lỗi hệ thống khi ký học bạ này.", code="signing.internal"))
            del exc
    return _finish(batch)


def _sign_item(batch: SigningBatch, item: SigningItem, backend: SigningBackend) -> None:
    version = item.record_version
    record = load_record(bytes(version.canonical))
    while True:
        version.refresh_from_db(fields=["status", "pdf"])
        if version.status in _PAST[batch.stage]:
            break
        if version.status not in _TODO[batch.stage]:
            raise StageOrder(_ORDER_MESSAGE[batch.stage], detail=f"version {version.pk} is "
                             f"{version.status}, batch stage {batch.stage}")  # fmt: skip
        _sign_next(batch, item, version, record, backend)
    # A worker killed between a signature's commit and here resumes at the status check above:
    # the record is past the stage, so the item is just marked done (the count is already in).
    with transaction.atomic():
        SigningItem.objects.filter(pk=item.pk).update(status=SigningItem.Status.DONE)
        SigningBatch.objects.filter(pk=batch.pk).update(done_count=F("done_count") + 1)


_ORDER_MESSAGE = {
    Stage.GVCN: "Học bạ chưa được chốt nên GVCN chưa thể ký.",
    Stage.PRINCIPAL_SEAL: "GVCN chưa ký học bạ này nên hiệu trưởng chưa thể ký.",
}
_NEXT = {
    S.FINAL: (SignerRole.GVCN, S.GVCN_SIGNED),
    S.GVCN_SIGNED: (SignerRole.PRINCIPAL, S.PRINCIPAL_SIGNED),
    S.PRINCIPAL_SIGNED: (SignerRole.SEAL, S.ISSUED),
}


def _sign_next(
    batch: SigningBatch,
    item: SigningItem,
    version: RecordVersion,
    record: Record,
    backend: SigningBackend,
) -> None:
    """Add the one signature that moves ``version`` on by one status (own transaction)."""
    from hocba.render import Renderer
    from hocba.signing import sign_record
    from hocba.verify import Verdict, verify_pdf

    before = version.status
    role, after = _NEXT[S(before)]
    planned = next(s.full_name for s in record.signers if s.role is role)
    pdf = _read_pdf(version) if version.pdf else _renderer(Renderer).render(record)
    signed = sign_record(
        pdf, role, backend.signer(role, planned), backend.timestamper(), trust=backend.trust()
    )
    verdict = ""
    if after == S.ISSUED:
        verdict = verify_pdf(signed, backend.trust()).verdict.value
        if verdict != Verdict.VALID.value:
            raise NotValidAfterSigning(
                f"Học bạ sau khi đóng dấu không hợp lệ khi xác minh ({verdict}); chưa ban hành.",
                detail=f"version {version.pk} verified {verdict} after sealing",
            )
    scope = batch.school.org_unit.path
    with transaction.atomic():
        locked = RecordVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != before:  # another batch got here first: nothing to write
            return
        locked.pdf.save(f"{locked.record_id}-v{locked.version}-{after}.pdf", ContentFile(signed),
                        save=False)  # fmt: skip
        locked.status = after
        fields = ["pdf", "status"]
        if after == S.ISSUED:
            locked.issued_at = timezone.now()
            fields.append("issued_at")
        locked.save(update_fields=fields)
        # The item's count moves with the PDF and the status, in this one transaction: a kill
        # can never leave a signature saved but uncounted, or counted but unsaved.
        SigningItem.objects.filter(pk=item.pk).update(signatures=F("signatures") + 1)
        if verdict:
            SigningItem.objects.filter(pk=item.pk).update(verdict=verdict)
        data = {"role": role.value, "batch_id": batch.pk, "version": locked.version,
                "digest": locked.digest}  # fmt: skip
        actor = batch.requested_by
        audit.record(EventTag.RECORD_SIGNATURE_ADDED, actor=actor, subject=locked,
                     scope_path=scope, data=data)  # fmt: skip
        if after == S.ISSUED:
            audit.record(EventTag.RECORD_ISSUED, actor=actor, subject=locked, scope_path=scope,
                         data={"batch_id": batch.pk, "verdict": verdict})  # fmt: skip


def _read_pdf(version: RecordVersion) -> bytes:
    with version.pdf.open("rb") as fh:
        return fh.read()


_RENDERERS: dict[type, Any] = {}


def _renderer(cls: type) -> Any:
    """One renderer per process (creating the typst compiler is the slow part)."""
    if cls not in _RENDERERS:
        _RENDERERS[cls] = cls()
    return _RENDERERS[cls]


@transaction.atomic
def _fail(item: SigningItem, exc: HocbaError) -> None:
    SigningItem.objects.filter(pk=item.pk).update(
        status=SigningItem.Status.FAILED,
        error_code=exc.code[:64],
        error_message=exc.message_vi[:500],
    )
    SigningBatch.objects.filter(pk=item.batch_id).update(failed_count=F("failed_count") + 1)


@transaction.atomic
def _finish(batch: SigningBatch) -> SigningBatch:
    batch = SigningBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.items.filter(status=SigningItem.Status.PENDING).exists():
        return batch
    if batch.status in (SigningBatch.Status.DONE, SigningBatch.Status.FAILED):
        return batch  # already finished (a re-run): nothing new to record
    batch.status = SigningBatch.Status.FAILED if batch.failed_count else SigningBatch.Status.DONE
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    audit.record(
        EventTag.SIGNING_BATCH_FINISHED,
        actor=batch.requested_by,
        subject=batch,
        scope_path=batch.school.org_unit.path,
        data={"done": batch.done_count, "failed": batch.failed_count, "status": batch.status},
    )
    return batch


# --- reading (every read checks authority first) ---------------------------------------------


def class_overview(user: Any, school_class: SchoolClass) -> dict[str, Any]:
    """The class signing page: each record with its status and verdict, the latest batches."""
    policy.require(user, Permission.CLASS_RECORD_REVIEW, school_class)
    versions = list(current_versions(classes=[school_class]))
    verdicts = dict(
        SigningItem.objects.filter(record_version__in=versions)
        .exclude(verdict="")
        .order_by("record_version_id", "updated_at")
        .values_list("record_version_id", "verdict")
    )
    for v in versions:
        v.verdict = verdicts.get(v.pk, "")  # type: ignore[attr-defined]
    finalised = ClassFinalisation.objects.filter(school_class=school_class, locked=True).exists()
    return {
        "school_class": school_class,
        "versions": versions,
        "finalised": finalised,
        "counts": {s: sum(1 for v in versions if v.status == s) for s in S.values},
        "can_sign_gvcn": policy.can(user, Permission.CLASS_RECORD_SIGN, school_class),
        "can_sign_principal": policy.can(user, Permission.SCHOOL_RECORD_SIGN, school_class)
        and policy.can(user, Permission.SCHOOL_RECORD_SEAL, school_class),
        "batches": _with_failures(SigningBatch.objects.filter(school_class=school_class)[:3]),
    }


def school_overview(user: Any, school: School) -> dict[str, Any]:
    """The principal's page: each class with how many records wait at each stage."""
    policy.require(user, Permission.SCHOOL_RECORD_SIGN, school)
    classes = list(SchoolClass.objects.filter(school=school).order_by("grade", "name"))
    versions = current_versions(classes=classes).values_list("enrolment__school_class_id", "status")
    counts: dict[int, dict[str, int]] = {c.pk: dict.fromkeys(S.values, 0) for c in classes}
    for class_id, status in versions:
        counts[class_id][status] += 1
    for c in classes:
        c.counts = counts[c.pk]  # type: ignore[attr-defined]
    return {
        "school": school,
        "classes": classes,
        "batches": _with_failures(
            SigningBatch.objects.filter(school=school, school_class=None)[:3]
        ),
    }


def batch_progress(user: Any, batch: SigningBatch) -> dict[str, Any]:
    """Progress of one batch, for whoever may see its class (or, for a school batch, sign)."""
    if batch.school_class is not None:
        policy.require(user, Permission.CLASS_RECORD_REVIEW, batch.school_class)
    else:
        policy.require(user, Permission.SCHOOL_RECORD_SIGN, batch.school)
    return {"batch": _with_failures([batch])[0]}


def _with_failures(batches: Iterable[SigningBatch]) -> list[SigningBatch]:
    out = list(batches)
    for batch in out:
        batch.failures = list(  # type: ignore[attr-defined]
            batch.items.filter(status=SigningItem.Status.FAILED)
            .select_related("record_version__enrolment__student")
            .order_by("pk")
        )
    return out


_FORMATS = {"pdf": "application/pdf", "json": "application/json", "xml": "application/xml"}


@transaction.atomic
def issued_file(user: Any, version: RecordVersion, fmt: str) -> tuple[str, str, bytes]:
    """One issued record as PDF, JSON or XML: (file name, content type, bytes).

    Staff and officers' views are audited (``RECORD_VIEWED``); a family's own are not."""
    enrolment = version.enrolment
    policy.require(user, Permission.STUDENT_RECORD_VIEW, enrolment)
    if version.status != S.ISSUED or fmt not in _FORMATS or (fmt == "pdf" and not version.pdf):
        raise NotAllowed(
            "Không tìm thấy hoặc bạn không có quyền.", detail=f"version {version.pk} {fmt}"
        )
    if fmt == "pdf":
        data = _read_pdf(version)
    elif fmt == "json":
        data = bytes(version.canonical)
    else:
        from hocba.spec.xml import to_xml

        data = to_xml(load_record(bytes(version.canonical)))
    if _is_staff(user):
        audit.record(
            EventTag.RECORD_VIEWED,
            actor=user,
            subject=version,
            scope_path=enrolment.school_class.school.org_unit.path,
            data={"format": fmt, "version": version.version},
        )
    name = f"hoc-ba-{enrolment.student.student_code}-{version.version}.{fmt}"
    return name, _FORMATS[fmt], data


def _is_staff(user: Any) -> bool:
    from hocba.apps.accounts.models import FAMILY_ROLES

    return any(g.role not in FAMILY_ROLES for g in policy.grants_of(user))
