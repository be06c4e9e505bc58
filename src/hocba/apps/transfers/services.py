"""School transfers (DOMAIN §6): the sending school exports a student's signed history as a
package sealed by its school seal; the receiving school verifies it completely and, only then,
takes it in — one transaction, idempotent. Format: ``hocba.spec.transfer``, docs/transfer.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from hocba.apps.accounts import policy
from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.models import FAMILY_ROLES
from hocba.apps.accounts.permissions import Permission
from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory import services as directory
from hocba.apps.directory import tenancy
from hocba.apps.directory.models import Enrolment, School, SchoolClass, SchoolYear, Student
from hocba.apps.limits import file_limits
from hocba.apps.records.models import RecordVersion
from hocba.apps.transfers.errors import (
    NothingToTransfer,
    PackageRefused,
    PackageTooLarge,
    SealPinRequired,
    StudentConflict,
    UnknownClass,
)
from hocba.apps.transfers.models import ReceivedRecord, Transfer
from hocba.sandbox import ParseAborted, run_limited
from hocba.signing import Signer, TrustConfig
from hocba.signing.identity import normalise_name
from hocba.signing.transfer import build_package
from hocba.spec import Record, SignerRole, canonical_json, load_record
from hocba.spec.transfer import (
    SendingSchool,
    TransferManifest,
    TransferRecord,
    TransferStudent,
    manifest_bytes,
    package_file,
    record_file_name,
)
from hocba.spec.xml import to_xml
from hocba.verify.bundle import BundleReport, portable_trust, verify_bundle_portable
from hocba.verify.report import Problem, Verdict

log = logging.getLogger(__name__)
_SENT = (RecordVersion.Status.ISSUED, RecordVersion.Status.SUPERSEDED)


# --- export -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    filename: str
    data: bytes
    records: int


def exportable_students(user: Any, school: School) -> QuerySet[Student]:
    """Students with issued records at ``school`` (the principal's transfer page)."""
    policy.require(user, Permission.SCHOOL_RECORD_SEAL, school)
    return (
        Student.objects.filter(
            enrolments__school_class__school=school,
            enrolments__records__status__in=_SENT,
        )
        .distinct()
        .order_by("full_name", "student_code")
    )


def _read(field: Any) -> bytes:
    with field.open("rb") as f:
        return bytes(f.read())


def _entry(record: Record, status: str, digest: str, pdf: bytes, xml: bytes, xml_signed: bool):
    pdf_name = record_file_name(record.record_id, record.version, "pdf")
    xml_name = record_file_name(record.record_id, record.version, "xml")
    entry = TransferRecord(
        record_id=record.record_id, version=record.version, school_year=record.school_year,
        grade=record.grade, school_code=record.school.code, school_name=record.school.name,
        status="superseded" if status == RecordVersion.Status.SUPERSEDED else "issued",
        digest=digest,
        files=(package_file(pdf_name, pdf, signed=True),
               package_file(xml_name, xml, signed=xml_signed)),
    )  # fmt: skip
    return entry, {pdf_name: pdf, xml_name: xml}


def _history(student: Student, school: School) -> tuple[list[TransferRecord], dict[str, bytes]]:
    """The student's issued records at ``school`` and those received from earlier schools."""
    entries: list[TransferRecord] = []
    files: dict[str, bytes] = {}
    for received in ReceivedRecord.objects.filter(student=student).order_by("school_year", "pk"):
        record = load_record(bytes(received.canonical))
        entry, data = _entry(record, received.status, received.digest, _read(received.pdf),
                             _read(received.xml), received.xml_signed)  # fmt: skip
        entries.append(entry)
        files.update(data)
    versions = RecordVersion.objects.filter(
        enrolment__student=student, enrolment__school_class__school=school, status__in=_SENT
    ).order_by("enrolment__school_class__school_year__code", "version")
    for version in versions:
        if not version.pdf:
            continue
        record = load_record(bytes(version.canonical))
        if version.xml:
            xml, signed = _read(version.xml), True
        else:  # issued before XML signing existed: the same data, unsigned (docs/transfer.md)
            xml, signed = to_xml(record), False
        entry, data = _entry(record, version.status, version.digest, _read(version.pdf), xml,
                             signed)  # fmt: skip
        if (entry.record_id, entry.version) not in {(e.record_id, e.version) for e in entries}:
            entries.append(entry)
            files.update(data)
    return entries, files


def seal_needs_pin(school: School) -> bool:
    """Whether the school seal's configured key asks for a PIN typed at each use."""
    from hocba.apps.signing.backends import signer_keys

    key = signer_keys(school, None, [SignerRole.SEAL]).get(SignerRole.SEAL)
    return bool(key is not None and key.pin_at_batch)


def _seal(actor: Any, school: School, pin: str | None) -> Signer:
    """The school seal as configured on the signer-keys page (the demo PKI outside
    production); a PIN typed for this export is used once and never stored."""
    from hocba.apps.signing.backends import ConfiguredBackend

    backend = ConfiguredBackend(school, None, [SignerRole.SEAL], {"seal": pin} if pin else None)
    if SignerRole.SEAL in backend.needs_pin() and not pin:
        raise SealPinRequired(
            "Khoá con dấu số của trường cần mã PIN: nhập mã PIN để ký bản kê khai.",
            detail="the seal key needs a PIN typed for this export",
        )
    return backend.signer(SignerRole.SEAL, school.name)


@transaction.atomic
def export_package(
    actor: Any,
    student: Student,
    school: School,
    *,
    seal: Signer | None = None,
    pin: str | None = None,
) -> Package:
    """The transfer package of ``student`` from ``school``, sealed by the school seal.

    ``actor`` None is the operator at the command line (the server's own authority);
    a user must be the principal of ``school`` (``NotAllowed`` → 404)."""
    if actor is not None:
        policy.require(actor, Permission.SCHOOL_RECORD_SEAL, school)
    if not Enrolment.objects.filter(student=student, school_class__school=school).exists():
        raise NotAllowed("Không tìm thấy học sinh.", detail="student not enrolled at school")
    entries, files = _history(student, school)
    if not entries:
        raise NothingToTransfer(
            f"Học sinh {student.student_code} chưa có học bạ đã ban hành để chuyển.",
            detail="no issued record to transfer",
        )
    manifest = TransferManifest(
        created_at=timezone.now().astimezone(dt.UTC).replace(microsecond=0),
        school=SendingSchool(code=school.school_code, name=school.name),
        student=TransferStudent(
            student_code=student.student_code,
            full_name=student.full_name,
            date_of_birth=student.date_of_birth,
            sex=student.sex,
        ),
        records=tuple(entries),
    )
    data = build_package(manifest, files, seal or _seal(actor, school, pin))
    audit.record(
        EventTag.TRANSFER_PACKAGE_EXPORTED, actor=actor, subject=student,
        scope_path=school.org_unit.path,
        data={"records": len(entries),
              "manifest_sha256": hashlib.sha256(manifest_bytes(manifest)).hexdigest()},
    )  # fmt: skip
    return Package(f"chuyen-truong-{student.student_code}.zip", data, len(entries))


# --- import -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    transfer: Transfer
    created: bool
    """False: this package was taken in before; nothing changed."""
    records: int
    report: BundleReport


def import_trust(trust_dir: Path | str | None = None) -> TrustConfig:
    """The receiving school's trust list: ``trust_dir``, else ``$HOCBA_TRUST_DIR``, else the
    signing backend's (the demo PKI in development)."""
    from hocba.verify import load_trust

    if trust_dir or os.environ.get("HOCBA_TRUST_DIR", "").strip():
        return load_trust(trust_dir)
    from hocba.apps.signing.backends import ConfiguredBackend

    return ConfiguredBackend(None, None, [], None).trust()


def verify_package(data: bytes, trust: TrustConfig | None = None) -> BundleReport:
    """``verify_bundle`` within the configured bounds (``file_limits()``), in a memory- and
    time-limited child process (``hocba.sandbox``): a hostile package costs that child only."""
    limits = file_limits()
    if len(data) > limits.bundle_bytes:
        raise PackageTooLarge(
            f"Gói quá lớn (tối đa {limits.bundle_bytes // (1024 * 1024)} MB).",
            detail=f"package of {len(data)} bytes",
        )
    trust = trust if trust is not None else import_trust()
    try:
        return run_limited(
            verify_bundle_portable, data, portable_trust(trust), limits=limits, within=limits
        )
    except ParseAborted as err:
        return BundleReport(Verdict.UNREADABLE, problems=(Problem(err.code, err.message_vi),))


# --- receiving on the web: the uploaded package waits between "verify" and "accept" ---------

PENDING_DIR = "transfers/pending"


def hold_package(user: Any, school: School, data: bytes) -> str:
    """Keep an uploaded package server-side under a random name (the caller binds the name
    to the user's session and ``school``); deleted by ``drop_package`` after accept/cancel."""
    policy.require(user, Permission.SCHOOL_RECORD_SEAL, school)
    limits = file_limits()
    if len(data) > limits.bundle_bytes:
        raise PackageTooLarge(
            f"Gói quá lớn (tối đa {limits.bundle_bytes // (1024 * 1024)} MB).",
            detail=f"package of {len(data)} bytes",
        )
    name = f"{PENDING_DIR}/{school.pk}-{secrets.token_hex(16)}.zip"
    return str(default_storage.save(name, ContentFile(data)))


def held_package(name: str) -> bytes | None:
    """The bytes of a held package, None when it is gone (or the name is not one of ours)."""
    if not name.startswith(f"{PENDING_DIR}/") or ".." in name or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as f:
        return bytes(f.read())


def drop_package(name: str) -> None:
    if name.startswith(f"{PENDING_DIR}/") and ".." not in name:
        default_storage.delete(name)


def receiving_classes(user: Any, school: School) -> tuple[SchoolYear | None, list[SchoolClass]]:
    """The classes of ``school`` in its current school year, for the "accept" form."""
    from hocba.apps.signing.overview import current_year, school_years

    policy.require(user, Permission.SCHOOL_RECORD_SEAL, school)
    year = current_year(school_years(school))
    if year is None:
        return None, []
    found = SchoolClass.objects.filter(school=school, school_year=year).order_by("grade", "name")
    return year, list(found)


def _class(school: School, class_name: str, on: dt.date) -> SchoolClass:
    found = (
        SchoolClass.objects.select_related("school_year")
        .filter(
            school=school,
            name=class_name.strip(),
            school_year__start_date__lte=on,
            school_year__end_date__gte=on,
        )
        .first()
    )
    if found is None:
        raise UnknownClass(
            f"Trường {school.name} không có lớp “{class_name.strip()}” trong năm học chứa ngày "
            f"{on:%d/%m/%Y}.",
            detail="no such class in the school year of the date",
        )
    return found


def _moves_from_sender(student: Student, manifest: TransferManifest, school: School) -> bool:
    """Tenancy (issue #11): a package moves a student only away from the school they belong
    to, or one who belongs to nobody yet or already to ``school``. The seal is checked against
    the manifest's school name (``verify_bundle``), so the owner must match by code and name."""
    owner = tenancy.owning_school(student)
    if owner is None or owner.pk == school.pk:
        return True
    sender = manifest.school
    return (owner.school_code, normalise_name(owner.name)) == (
        sender.code, normalise_name(sender.name),
    )  # fmt: skip


def _student(manifest: TransferManifest, newest: Record | None, school: School) -> Student:
    who = manifest.student
    found = Student.objects.select_for_update().filter(student_code=who.student_code).first()
    if found is not None:
        if (normalise_name(found.full_name), found.date_of_birth) != (
            normalise_name(who.full_name), who.date_of_birth,
        ) or not _moves_from_sender(found, manifest, school):  # fmt: skip
            # one answer for both: the code tells nothing of a student of a third school
            raise StudentConflict(
                f"Mã học sinh {who.student_code} đã thuộc một học sinh khác, hoặc học sinh "
                "không học ở trường gửi gói (họ tên, ngày sinh hoặc trường không khớp gói "
                "chuyển trường).",
                detail="student code exists with another identity or another school",
            )
        return found
    extra: dict[str, str] = {}
    if newest is not None:
        s = newest.student
        extra = {"ethnicity": s.ethnicity, "nationality": s.nationality,
                 "place_of_birth": s.place_of_birth, "home_town": s.home_town or "",
                 "residence": s.residence}  # fmt: skip
    return directory.register_student(
        student_code=who.student_code, full_name=who.full_name, sex=who.sex.value,
        date_of_birth=who.date_of_birth, **extra,
    )  # fmt: skip


def import_package(
    actor: Any,
    data: bytes,
    school: School,
    *,
    class_name: str,
    enrolled_on: dt.date | None = None,
    register_number: str = "",
    trust: TrustConfig | None = None,
) -> Imported:
    """Verify the package completely, then take it in (one transaction): the student (found
    by code or created), a "transferred in" enrolment in ``class_name`` of the school year
    containing ``enrolled_on`` (default today), and every record as received. Raises
    ``PackageRefused`` (with the report) and writes nothing unless the package is VALID."""
    if actor is not None:
        policy.require(actor, Permission.SCHOOL_RECORD_SEAL, school)
    report = verify_package(data, trust)
    if not report.ok or report.manifest is None:
        log.info("transfer package refused: %s", sorted(report.codes()))
        raise PackageRefused(report)
    return _take_in(actor, report, school, class_name, enrolled_on, register_number)


@transaction.atomic
def _take_in(
    actor: Any, report: BundleReport, school: School, class_name: str,
    enrolled_on: dt.date | None, register_number: str,
) -> Imported:  # fmt: skip
    manifest = report.manifest
    assert manifest is not None
    sha = hashlib.sha256(report.manifest_data).hexdigest()
    done = Transfer.objects.filter(school=school, manifest_sha256=sha).first()
    if done is not None:
        return Imported(done, False, 0, report)
    on = enrolled_on or timezone.localdate()
    school_class = _class(school, class_name, on)
    newest = max((r.record for r in report.records if r.record is not None),
                 key=lambda r: (r.school_year, r.version), default=None)  # fmt: skip
    student = _student(manifest, newest, school)
    enrolment = Enrolment.objects.filter(student=student, school_class=school_class).first()
    if enrolment is None:
        enrolment = directory.enrol_student(
            student=student, school_class=school_class, register_number=register_number.strip(),
            enrolled_on=on, kind=Enrolment.Kind.TRANSFERRED_IN,
        )  # fmt: skip
    transfer = Transfer.objects.create(
        school=school, student=student, enrolment=enrolment,
        source_school_code=manifest.school.code, source_school_name=manifest.school.name,
        seal_signer=report.seal_signer, manifest=report.manifest_data,
        signature=report.signature, manifest_sha256=sha,
        imported_by=actor if getattr(actor, "pk", None) else None,
    )  # fmt: skip
    added = _store_records(transfer, student, report)
    audit.record(
        EventTag.TRANSFER_PACKAGE_IMPORTED, actor=actor, subject=enrolment,
        scope_path=school.org_unit.path,
        data={"transfer": transfer.pk, "enrolment": enrolment.pk, "records": added,
              "source_school": manifest.school.code, "manifest_sha256": sha},
    )  # fmt: skip
    return Imported(transfer, True, added, report)


def _store_records(transfer: Transfer, student: Student, report: BundleReport) -> int:
    """One ``ReceivedRecord`` per record not held yet, files stored as received. Files written
    before a failure are removed again (the transaction only rolls back the rows)."""
    saved: list[Any] = []
    added = 0
    try:
        for item in report.records:
            entry, record = item.entry, item.record
            assert record is not None
            if ReceivedRecord.objects.filter(
                student=student, record_id=entry.record_id, version=entry.version
            ).exists():
                continue
            pdf_entry, xml_entry = entry.file("application/pdf"), entry.file("application/xml")
            assert pdf_entry is not None and xml_entry is not None
            received = ReceivedRecord(
                transfer=transfer, student=student, record_id=entry.record_id,
                version=entry.version, school_year=entry.school_year, grade=entry.grade,
                school_code=entry.school_code, school_name=entry.school_name,
                status=entry.status, digest=entry.digest, canonical=canonical_json(record),
                xml_signed=xml_entry.signed,
            )  # fmt: skip
            stem = f"{entry.record_id}-v{entry.version}"
            for field, name in ((received.pdf, pdf_entry.name), (received.xml, xml_entry.name)):
                ext = name.rsplit(".", 1)[1]
                field.save(f"{stem}.{ext}", ContentFile(report.files[name]), save=False)
                saved.append(field)
            received.save()
            added += 1
    except BaseException:
        for field in saved:
            field.storage.delete(field.name)
        raise
    return added


# --- reading received history -----------------------------------------------------------------


def received_history(user: Any, student_id: int) -> tuple[Student, list[Transfer]]:
    """The transfers in of a student, each with its received records, that ``user`` may view
    (the policy on the transferred-in enrolment); ``NotAllowed`` (404) when there is none."""
    found = (
        Transfer.objects.filter(student_id=student_id)
        .select_related(
            "student", "enrolment__school_class__school__org_unit", "enrolment__student"
        )
        .prefetch_related("records")
        .order_by("imported_at", "pk")
    )
    transfers = [t for t in found if policy.can(user, Permission.STUDENT_RECORD_VIEW, t.enrolment)]
    if not transfers:
        raise NotAllowed("Không tìm thấy học sinh.", detail=f"no visible transfer of {student_id}")
    return transfers[0].student, transfers


def transfers_in(user: Any, school: School) -> QuerySet[Transfer]:
    """Students this school took in by transfer (the principal's transfer page)."""
    policy.require(user, Permission.SCHOOL_RECORD_SEAL, school)
    return Transfer.objects.filter(school=school).select_related("student").order_by("-pk")


def received_file(user: Any, pk: int, fmt: str) -> tuple[str, str, bytes]:
    """One received record as PDF or XML: (file name, content type, bytes), for whoever may
    view the student's record at the receiving school; staff views are audited."""
    found = (
        ReceivedRecord.objects.select_related(
            "student",
            "transfer__enrolment__school_class__school__org_unit",
            "transfer__enrolment__student",
        )
        .filter(pk=pk)
        .first()
    )
    if found is None or fmt not in ("pdf", "xml"):
        raise NotAllowed("Không tìm thấy học bạ.", detail=f"received record {pk} {fmt}")
    enrolment = found.transfer.enrolment
    policy.require(user, Permission.STUDENT_RECORD_VIEW, enrolment)
    data = _read(found.pdf if fmt == "pdf" else found.xml)
    if any(g.role not in FAMILY_ROLES for g in policy.grants_of(user)):
        audit.record(
            EventTag.RECORD_VIEWED, actor=user, subject=found,
            scope_path=enrolment.school_class.school.org_unit.path,
            data={"format": fmt, "received": True, "version": found.version},
        )  # fmt: skip
    content_type = "application/pdf" if fmt == "pdf" else "application/xml"
    return f"hoc-ba-{found.student.student_code}-{found.school_year}.{fmt}", content_type, data
