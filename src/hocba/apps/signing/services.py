"""Signing and issuing records in batches (DOMAIN §6: GVCN → principal → school seal → issued).

``start_*`` check authority and that every signer of the stage has a key (production), create
a batch with one item per record still to sign and enqueue the background task — or, when a
key's PIN was typed for this batch, run it in a thread of this process with the key held in
memory. ``run_batch`` (the task) signs groups of records with one approval each (PDF and XML
form together, docs/signing.md). Each record's signature is written in its own transaction
that re-checks the record's status under a row lock, so a batch that is re-run, resumed after
a crash or raced by a second batch never signs a record twice; one record's failure is kept on
its item and the rest go on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from hocba import public_url
from hocba.apps.accounts import policy
from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.permissions import Permission
from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import School, SchoolClass
from hocba.apps.records import corrections
from hocba.apps.records.models import ClassFinalisation, RecordVersion
from hocba.apps.records.review import latest_only
from hocba.apps.signing.backends import (
    ConfiguredBackend,
    SigningBackend,
    backend_for_batch,
    missing_roles,
    signer_keys,
    stage_roles,
)
from hocba.apps.signing.errors import NotValidAfterSigning, SigningRefused, StageOrder
from hocba.apps.signing.models import SigningBatch, SigningItem
from hocba.errors import HocbaError
from hocba.signing.demo import is_production
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


def start_gvcn_signing(
    user: Any, school_class: SchoolClass, pins: dict[str, str] | None = None
) -> SigningBatch:
    """The GVCN signs every finalised record of their class (one approval). ``pins``: role →
    PIN typed for this batch, for keys configured so (kept in memory only)."""
    policy.require(user, Permission.CLASS_RECORD_SIGN, school_class)
    if not ClassFinalisation.objects.filter(school_class=school_class, locked=True).exists():
        raise SigningRefused(
            "Lớp chưa được chốt dữ liệu: GVCN cần chốt lớp trước khi ký học bạ.",
            code="signing.class_not_finalised",
        )
    versions = current_versions(classes=[school_class]).filter(status__in=_TODO[Stage.GVCN])
    return _start(user, Stage.GVCN, school_class.school, school_class, versions, pins)


def start_principal_signing(
    user: Any, target: SchoolClass | School, pins: dict[str, str] | None = None
) -> SigningBatch:
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
    return _start(user, Stage.PRINCIPAL_SEAL, school, school_class, versions, pins)


def current_versions(*, classes: Iterable[SchoolClass]) -> QuerySet[RecordVersion]:
    """The current record version of each of the classes' students (the newest: never a
    superseded one; while a correction runs, its new version), in register order."""
    return (
        latest_only(RecordVersion.objects.filter(enrolment__school_class__in=list(classes)))
        .select_related("enrolment__student", "enrolment__school_class")
        .order_by("enrolment__school_class__name", "enrolment__register_number", "pk")
    )


def issuing_verify_url() -> str:
    """The verification page issued records print and point their QR code to, from
    ``settings.HOCBA_PUBLIC_URL`` (``hocba.public_url``). In production a missing or local
    address refuses the batch: a record must not be issued pointing nowhere."""
    production = is_production() or getattr(settings, "HOCBA_ENV", "") == "production"
    try:
        base = public_url.resolve(
            getattr(settings, public_url.SETTING, None), production=production
        )
    except public_url.PublicUrlError as exc:
        raise SigningRefused(exc.message_vi, code=exc.code, detail=exc.detail) from exc
    return public_url.verify_url(base)


def _start(
    user: Any,
    stage: str,
    school: School,
    school_class: SchoolClass | None,
    versions: QuerySet[RecordVersion],
    pins: dict[str, str] | None = None,
) -> SigningBatch:
    roles = stage_roles(stage)
    missing = missing_roles(school, user, roles)
    if missing:
        raise SigningRefused(
            "Chưa cấu hình khoá ký cho "
            + ", ".join(r.label_vi.lower() for r in missing)
            + f" của {school.name}. Máy chủ chạy chế độ chính thức nên không ký bằng PKI demo; "
            "quản trị hoặc hiệu trưởng cần khai báo khoá ký trước khi ký.",
            code="signing.not_configured",
            detail=f"school {school.pk}: no signer key for {[r.value for r in missing]}",
        )
    issuing_verify_url()  # refused now, at batch start, rather than record by record
    needing = [r for r, key in signer_keys(school, user, roles).items() if key.pin_at_batch]
    if not needing:
        return _create(user, stage, school, school_class, versions, None)
    typed = {r.value: (pins or {}).get(r.value, "") for r in needing}
    if not all(typed.values()):
        raise SigningRefused(
            "Cần nhập mã PIN của khoá ký ("
            + ", ".join(r.label_vi.lower() for r in needing if not typed[r.value])
            + ") để bắt đầu lượt ký.",
            code="signing.pin_required",
        )
    backend = ConfiguredBackend(school, user, roles, typed)
    try:
        backend.open_all()  # a wrong PIN is told now, before anything starts
    except HocbaError as exc:
        backend.close()
        raise SigningRefused(exc.message_vi, code=exc.code, detail=exc.detail) from exc
    try:
        batch = _create(user, stage, school, school_class, versions, backend)
    except BaseException:
        backend.close()
        raise
    return batch


@transaction.atomic
def _create(
    user: Any,
    stage: str,
    school: School,
    school_class: SchoolClass | None,
    versions: QuerySet[RecordVersion],
    backend: ConfiguredBackend | None,
) -> SigningBatch:
    """The batch and its items; queued for ``hocba worker``, or — with a PIN typed for it —
    run by this process with the opened keys in memory (never written anywhere)."""
    active = SigningBatch.objects.filter(
        stage=stage,
        school=school,
        school_class=school_class,
        status__in=[SigningBatch.Status.QUEUED, SigningBatch.Status.RUNNING],
    ).first()
    if active is not None:  # a second click while one runs: show that one
        if backend is not None:
            if active.pk in _LIVE:
                backend.close()
            else:  # its process stopped (restart, crash): the PIN just typed resumes it
                _run_live(active.pk, backend)
        return active
    todo = list(versions)
    if not todo:
        if backend is not None:
            backend.close()
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
              "total": len(todo), "pin_typed": backend is not None},
    )  # fmt: skip
    if backend is not None:
        _run_live(batch.pk, backend)
        return batch
    from hocba.apps.signing.tasks import run_signing_batch

    run_signing_batch.enqueue(batch.pk)  # in this transaction: no batch without its task
    return batch


# Batches this process runs with keys opened from a typed PIN (batch id → backend).
_LIVE: dict[int, ConfiguredBackend] = {}
_LIVE_LOCK = threading.Lock()


def _run_live(batch_id: int, backend: ConfiguredBackend) -> None:
    """After the commit, run the batch in a thread of this process; the keys (and the PIN in
    them) are closed and dropped when it ends. Progress is persisted as for the worker: if
    the process stops, the batch is resumed by starting it again with the PIN."""
    with _LIVE_LOCK:
        _LIVE[batch_id] = backend

    def work() -> None:
        try:
            run_batch(batch_id, backend)
        except Exception:
            log.exception("signing batch %s (typed PIN) failed", batch_id)
        finally:
            with _LIVE_LOCK:
                _LIVE.pop(batch_id, None)
            backend.close()

    transaction.on_commit(lambda: run_in_background(work))


def run_in_background(work: Any) -> None:
    """Start ``work`` in a daemon thread with its own database connection (tests replace this
    to run it inline)."""

    def thread() -> None:
        from django.db import connection

        try:
            work()
        finally:
            connection.close()

    threading.Thread(target=thread, name="hocba-signing", daemon=True).start()


# --- running a batch (the background task) ---------------------------------------------------


def run_batch(
    batch_id: int, backend: SigningBackend | None = None, *, pins: dict[str, str] | None = None
) -> SigningBatch:
    """Sign every pending item of the batch; safe to call again after a crash or a finish.

    Records move one status at a time, in groups of at most ``HOCBA_SIGNING_CHUNK`` records
    that share a signer: a backend with a one-approval form signs a whole group (its PDFs and
    their XML forms) with ONE call (one PKCS#11 login, one CSC authorisation, one phone
    confirmation); the others sign record by record. Each record's result is then written in
    its own transaction that re-checks the record's status under a row lock."""
    batch = SigningBatch.objects.select_related("school__org_unit", "requested_by").get(pk=batch_id)
    SigningBatch.objects.filter(pk=batch.pk, status=SigningBatch.Status.QUEUED).update(
        status=SigningBatch.Status.RUNNING
    )
    own = backend is None
    try:
        backend = backend or backend_for_batch(batch, pins)
        setup_error = None
    except HocbaError as exc:  # no keys at all: every pending item fails with that reason
        backend, setup_error = None, exc
    try:
        if backend is None:
            for item in SigningItem.objects.filter(batch=batch, status=SigningItem.Status.PENDING):
                _fail(item, setup_error)  # type: ignore[arg-type]
        else:
            _run_groups(batch, backend)
    finally:
        if own and backend is not None and hasattr(backend, "close"):
            backend.close()
    return _finish(batch)


def _chunk_size() -> int:
    """``HOCBA_SIGNING_CHUNK`` (Django setting, else environment): records per approval."""
    from hocba.apps.signing.backends import _setting

    value = _setting("HOCBA_SIGNING_CHUNK")
    return max(1, int(value)) if value.isdigit() else 500


_ORDER = {S.FINAL: 0, S.GVCN_SIGNED: 1, S.PRINCIPAL_SIGNED: 2}


def _run_groups(batch: SigningBatch, backend: SigningBackend) -> None:
    chunk = _chunk_size()
    while True:
        pending = list(
            SigningItem.objects.filter(batch=batch, status=SigningItem.Status.PENDING)
            .select_related("record_version")
            .order_by("pk")
        )
        work: list[SigningItem] = []
        for item in pending:
            version = item.record_version
            if version.status in _PAST[batch.stage]:
                # A worker killed between a record's commit and its item's: the count is in.
                _mark_done(batch, item)
            elif version.status not in _TODO[batch.stage]:
                _fail(item, StageOrder(_ORDER_MESSAGE[batch.stage], detail=f"version "
                      f"{version.pk} is {version.status}, batch stage {batch.stage}"))  # fmt: skip
            else:
                work.append(item)
        if not work:
            return
        before = min((S(i.record_version.status) for i in work), key=_ORDER.__getitem__)
        group = [i for i in work if i.record_version.status == before][:chunk]
        try:
            _sign_group(batch, group, before, backend)
        except Exception:  # a bug must not loop forever nor stop the rest unreported
            log.exception("signing group of batch %s failed", batch.pk)
            failure = HocbaError("Lỗi hệ thống khi ký học bạ này.", code="signing.internal")
            for item in group:
                item.refresh_from_db(fields=["status"])
                if item.status == SigningItem.Status.PENDING:
                    item.record_version.refresh_from_db(fields=["status"])
                    if item.record_version.status == before:
                        _fail(item, failure)


_ORDER_MESSAGE = {
    Stage.GVCN: "Học bạ chưa được chốt nên GVCN chưa thể ký.",
    Stage.PRINCIPAL_SEAL: "GVCN chưa ký học bạ này nên hiệu trưởng chưa thể ký.",
}
_NEXT = {
    S.FINAL: (SignerRole.GVCN, S.GVCN_SIGNED),
    S.GVCN_SIGNED: (SignerRole.PRINCIPAL, S.PRINCIPAL_SIGNED),
    S.PRINCIPAL_SIGNED: (SignerRole.SEAL, S.ISSUED),
}


@dataclass
class _Work:
    item: SigningItem
    version: RecordVersion
    record: Record
    pdf: bytes = b""
    xml: bytes | None = None
    error: HocbaError | None = None
    verdict: str = ""


def _sign_group(
    batch: SigningBatch, group: list[SigningItem], before: S, backend: SigningBackend
) -> None:
    """Move every record of ``group`` (all at status ``before``) on by one signature."""
    role, after = _NEXT[before]
    by_name: dict[str, list[_Work]] = {}
    for item in group:
        version = item.record_version
        record = load_record(bytes(version.canonical))
        name = next(s.full_name for s in record.signers if s.role is role)
        by_name.setdefault(name, []).append(_Work(item, version, record))
    for name, works in by_name.items():
        try:
            batch_signer = _batch_signer(backend, role, name)
            for w in works:
                w.pdf, w.xml = _documents(w.version, w.record, before)
        except HocbaError as exc:
            for w in works:
                _fail(w.item, exc)
            continue
        if batch_signer is not None:
            _sign_together(works, role, batch_signer, backend)
        else:
            _sign_one_by_one(works, role, backend.signer(role, name), backend)
        for w in works:
            if w.error is None and after == S.ISSUED:
                w.error = _check_issued(w, backend)
            if w.error is not None:
                _fail(w.item, w.error)
            else:
                _commit(batch, w, before, after, role)


def _batch_signer(backend: SigningBackend, role: SignerRole, name: str) -> Any | None:
    pick = getattr(backend, "batch_signer", None)
    if pick is not None:
        return pick(role, name)
    from hocba.signing.backends_config import as_batch_signer

    return as_batch_signer(backend.signer(role, name))


def _documents(version: RecordVersion, record: Record, before: S) -> tuple[bytes, bytes | None]:
    """The PDF to sign (rendered on the first signature) and its XML form (``None`` for a
    record whose earlier signatures predate the XML form: it cannot get them back)."""
    from hocba.render import Renderer
    from hocba.spec.xml import to_xml

    if version.pdf:
        pdf = _read_file(version.pdf)
    else:
        pdf = _renderer(Renderer).render(record, verify_url=issuing_verify_url())
    if version.xml:
        return pdf, _read_file(version.xml)
    return pdf, to_xml(record) if before == S.FINAL else None


def _sign_together(
    works: list[_Work], role: SignerRole, batch_signer: Any, backend: SigningBackend
) -> None:
    """One call to the backend for the PDFs and the XML forms of every record."""
    import asyncio

    from hocba.signing.batch import SIGNED, async_sign_batch
    from hocba.signing.errors import SigningError
    from hocba.signing.xades import async_finish_xml, prepare_xml

    trust, timestamper = backend.trust(), backend.timestamper()
    prepared: dict[int, Any] = {}
    for i, w in enumerate(works):
        if w.xml is None:
            continue
        try:
            prepared[i] = prepare_xml(w.xml, role, batch_signer, trust=trust)
        except SigningError as exc:
            w.error = exc
    todo = [i for i, w in enumerate(works) if w.error is None]
    xml_todo = [i for i in todo if i in prepared]
    combined = _WithXml(batch_signer, [prepared[i].tbs_hash for i in xml_todo])

    async def run() -> None:
        report = await async_sign_batch(
            [works[i].pdf for i in todo], role, combined, timestamper, trust=trust
        )
        for i, result in zip(todo, report.items, strict=True):
            if result.status == SIGNED:
                works[i].pdf = result.pdf
            else:
                works[i].error = SigningError(result.message_vi, code=result.code)
        raw = dict(zip(xml_todo, combined.xml_signatures, strict=False))

        async def finish(i: int) -> None:
            try:
                if i not in raw:
                    raise SigningError(
                        "Dịch vụ ký số không trả về chữ ký cho bản XML.",
                        detail=f"no XML signature for item {works[i].item.pk}",
                        code="signing.batch_count",
                    )
                _check_raw(batch_signer.certificate, raw[i], prepared[i].tbs_hash)
                works[i].xml = await async_finish_xml(prepared[i], raw[i], timestamper)
            except SigningError as exc:
                works[i].error = exc

        await asyncio.gather(*(finish(i) for i in xml_todo if works[i].error is None))

    asyncio.run(run())


class _WithXml:
    """A ``BatchSigner`` that adds the XML forms' digests to the PDFs' in the same one call."""

    def __init__(self, inner: Any, xml_hashes: list[bytes]) -> None:
        self._inner = inner
        self._xml_hashes = xml_hashes
        self.xml_signatures: list[bytes] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    @property
    def certificate(self) -> Any:
        return self._inner.certificate

    @property
    def chain(self) -> Any:
        return self._inner.chain

    @property
    def signature_size(self) -> int:
        return int(self._inner.signature_size)

    @property
    def pyhanko_signer(self) -> Any:
        return self._inner.pyhanko_signer

    @property
    def chain_size(self) -> int:
        return int(self._inner.chain_size)

    async def sign_digests(self, digests: list[bytes]) -> list[bytes]:
        from hocba.signing.errors import SigningError

        signatures = await self._inner.sign_digests([*digests, *self._xml_hashes])
        if len(signatures) != len(digests) + len(self._xml_hashes):
            raise SigningError(
                "Dịch vụ ký số trả về sai số lượng chữ ký.",
                detail=f"expected {len(digests) + len(self._xml_hashes)}, got {len(signatures)}",
                code="signing.batch_count",
            )
        self.xml_signatures = list(signatures[len(digests) :])
        return list(signatures[: len(digests)])


def _check_raw(certificate: Any, signature: bytes, tbs_hash: bytes) -> None:
    """A returned XML signature must be the certificate's key over this document's hash."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    from hocba.signing.errors import SigningError

    key = load_der_public_key(certificate.public_key.dump())
    prehashed = utils.Prehashed(hashes.SHA256())
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, tbs_hash, padding.PKCS1v15(), prehashed)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, tbs_hash, ec.ECDSA(prehashed))
        else:
            raise InvalidSignature
    except InvalidSignature as exc:
        raise SigningError(
            "Chữ ký trả về không khớp với chứng thư số của người ký.",
            detail="raw XML signature does not verify against the certificate",
            code="signing.bad_signature",
        ) from exc


def _sign_one_by_one(
    works: list[_Work], role: SignerRole, signer: Any, backend: SigningBackend
) -> None:
    from hocba.signing import sign_record
    from hocba.signing.xades import sign_xml

    trust, timestamper = backend.trust(), backend.timestamper()
    for w in works:
        try:
            w.pdf = sign_record(w.pdf, role, signer, timestamper, trust=trust)
            if w.xml is not None:
                w.xml = sign_xml(w.xml, role, signer, timestamper, trust=trust)
        except HocbaError as exc:
            w.error = exc


def _check_issued(w: _Work, backend: SigningBackend) -> HocbaError | None:
    """A sealed record is issued only when its PDF — and its XML form, with the same
    digest — verify VALID."""
    from hocba.verify import Verdict

    report = verify_issued_pair(w.pdf, w.xml, backend.trust())
    w.verdict = report.verdict.value
    if report.verdict is not Verdict.VALID:
        return NotValidAfterSigning(
            f"Học bạ sau khi đóng dấu không hợp lệ khi xác minh ({report.verdict.value}); "
            "chưa ban hành.",
            detail=f"version {w.version.pk} verified {report.verdict.value} after sealing: "
            + ", ".join(p.code for p in report.problems),
        )
    return None


def verify_issued_pair(pdf: bytes, xml: bytes | None, trust: Any) -> Any:
    """The check before issuing (here and in ``hocba demo``): the sealed PDF verifies, then its
    signed XML form verifies too and carries the same record digest (``compare_pair``)."""
    from hocba.verify import Verdict, verify_pdf
    from hocba.verify.xml import compare_pair, verify_xml

    report = verify_pdf(pdf, trust)
    if xml is not None and report.verdict is Verdict.VALID:
        report = compare_pair(report, verify_xml(xml, trust))
    return report


def _commit(batch: SigningBatch, w: _Work, before: S, after: S, role: SignerRole) -> None:
    """Write one record's new signature (PDF and XML) and status in one transaction."""
    verdict = w.verdict
    scope = batch.school.org_unit.path
    item = w.item
    with transaction.atomic():
        locked = RecordVersion.objects.select_for_update().get(pk=w.version.pk)
        if locked.status != before:  # another batch got here first: nothing to write
            return
        stem = f"{locked.record_id}-v{locked.version}-{after}"
        locked.pdf.save(f"{stem}.pdf", ContentFile(w.pdf), save=False)
        fields = ["pdf", "status"]
        if w.xml is not None:
            locked.xml.save(f"{stem}.xml", ContentFile(w.xml), save=False)
            fields.append("xml")
        locked.status = after
        if after == S.ISSUED:
            locked.issued_at = timezone.now()
            fields.append("issued_at")
        locked.save(update_fields=fields)
        # The item's count moves with the PDF and the status, in this one transaction: a kill
        # can never leave a signature saved but uncounted, or counted but unsaved.
        update: dict[str, Any] = {"signatures": F("signatures") + 1}
        if verdict:
            update["verdict"] = verdict
        if after in _PAST[batch.stage]:
            update["status"] = SigningItem.Status.DONE
            SigningBatch.objects.filter(pk=batch.pk).update(done_count=F("done_count") + 1)
        SigningItem.objects.filter(pk=item.pk).update(**update)
        data = {"role": role.value, "batch_id": batch.pk, "version": locked.version,
                "digest": locked.digest, "xml": w.xml is not None}  # fmt: skip
        actor = batch.requested_by
        audit.record(EventTag.RECORD_SIGNATURE_ADDED, actor=actor, subject=locked,
                     scope_path=scope, data=data)  # fmt: skip
        if after == S.ISSUED:
            audit.record(EventTag.RECORD_ISSUED, actor=actor, subject=locked, scope_path=scope,
                         data={"batch_id": batch.pk, "verdict": verdict})  # fmt: skip
            corrections.supersede_older(locked, actor=actor, scope_path=scope)


@transaction.atomic
def _mark_done(batch: SigningBatch, item: SigningItem) -> None:
    if SigningItem.objects.filter(pk=item.pk, status=SigningItem.Status.PENDING).update(
        status=SigningItem.Status.DONE
    ):
        SigningBatch.objects.filter(pk=batch.pk).update(done_count=F("done_count") + 1)


def _read_file(field: Any) -> bytes:
    with field.open("rb") as fh:
        return fh.read()


def _read_pdf(version: RecordVersion) -> bytes:
    return _read_file(version.pdf)


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
        "batches": with_failures(SigningBatch.objects.filter(school_class=school_class)[:3]),
        "pins_gvcn": pin_fields(user, school_class.school, Stage.GVCN),
        "pins_principal": pin_fields(user, school_class.school, Stage.PRINCIPAL_SEAL),
    }


def pin_fields(user: Any, school: School, stage: str) -> list[tuple[str, str]]:
    """(role, label) of the keys whose PIN ``user`` types when starting a batch of ``stage``."""
    keys = signer_keys(school, user, stage_roles(stage))
    return [(r.value, r.label_vi) for r, key in keys.items() if key.pin_at_batch]


def batch_progress(user: Any, batch: SigningBatch) -> dict[str, Any]:
    """Progress of one batch, for whoever may see its class (or, for a school batch, sign)."""
    if batch.school_class is not None:
        policy.require(user, Permission.CLASS_RECORD_REVIEW, batch.school_class)
    else:
        policy.require(user, Permission.SCHOOL_RECORD_SIGN, batch.school)
    return {"batch": with_failures([batch])[0]}


def with_failures(batches: Iterable[SigningBatch]) -> list[SigningBatch]:
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
    if (
        version.status not in RecordVersion.PUBLISHED
        or fmt not in _FORMATS
        or (fmt == "pdf" and not version.pdf)
    ):
        raise NotAllowed(
            "Không tìm thấy hoặc bạn không có quyền.", detail=f"version {version.pk} {fmt}"
        )
    if fmt == "pdf":
        data = _read_pdf(version)
    elif fmt == "json":
        data = bytes(version.canonical)
    else:
        data = signed_xml(version)
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


def signed_xml(version: RecordVersion) -> bytes:
    """The record's XML form as issued: XAdES-signed by the same signers as its PDF (the same
    digest); a record issued before XML forms were signed gets its unsigned XML."""
    if version.xml:
        return _read_file(version.xml)
    from hocba.spec.xml import to_xml

    return to_xml(load_record(bytes(version.canonical)))


def _is_staff(user: Any) -> bool:
    from hocba.apps.accounts.models import FAMILY_ROLES

    return any(g.role not in FAMILY_ROLES for g in policy.grants_of(user))
