"""``verify_bundle(data, trust) -> BundleReport``: judge a school-transfer package offline.

A package is accepted (VALID) only when all of this holds (format: ``hocba.spec.transfer``):
- the zip is safe: no path traversal or absolute names, no directories or unexpected members,
  no duplicates, no encryption, sizes within limits, every member readable (CRC intact);
- ``manifest.json`` is canonical JSON valid against the manifest schema;
- ``manifest.json.p7s`` is a detached CMS signature over it that verifies, chains to the
  trust list, is not revoked, and was made by an organisation certificate named as the
  sending school (the school seal; issuer constraints of ``constraints.toml`` apply);
- every listed file is present with its SHA-256 and size, and no unlisted file is there;
- each record PDF verifies VALID (``verify_pdf``), each signed XML VALID (``verify_xml``), an
  unsigned XML carries the same data; PDF and XML carry the record digest the manifest lists;
  every record belongs to the manifest's student, year, grade and school.

Never raises: problems are reported with Vietnamese reasons.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import logging
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

import rfc8785
from asn1crypto import cms
from pydantic import ValidationError
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms

from hocba.errors import HocbaError
from hocba.limits import FileLimits, default_limits, vn_bytes
from hocba.signing.demo import is_demo_certificate
from hocba.signing.identity import common_name, signer_mismatch
from hocba.signing.trust import TrustConfig
from hocba.signing.xades import parse_xml, unsigned_record
from hocba.spec import Record, record_digest
from hocba.spec.roles import SignerRole
from hocba.spec.transfer import (
    MANIFEST_NAME,
    RECORD_FILE,
    SIGNATURE_NAME,
    TransferManifest,
    TransferRecord,
    record_file_name,
)
from hocba.spec.xml import from_xml
from hocba.verify.pdf import async_verify_pdf
from hocba.verify.report import Problem, Severity, Verdict, VerificationReport, verdict_for
from hocba.verify.xml import async_verify_xml

log = logging.getLogger(__name__)

MAX_PACKAGE_BYTES = FileLimits().bundle_bytes
"""The default bound on a package; ``FileLimits`` (``HOCBA_BUNDLE_*``) holds them all."""
MAX_MANIFEST_BYTES = 1024 * 1024


@dataclass(frozen=True)
class BundleRecord:
    """One record of the package with the reports of its files."""

    entry: TransferRecord
    pdf: VerificationReport | None = None
    xml: VerificationReport | None = None
    record: Record | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.entry.record_id,
            "version": self.entry.version,
            "school_year": self.entry.school_year,
            "grade": self.entry.grade,
            "digest": self.entry.digest,
            "pdf": self.pdf.as_dict() if self.pdf else None,
            "xml": self.xml.as_dict() if self.xml else None,
        }


@dataclass(frozen=True)
class BundleReport:
    """What ``verify_bundle`` found; ``files`` holds the verified member bytes for import."""

    verdict: Verdict
    problems: tuple[Problem, ...] = ()
    manifest: TransferManifest | None = None
    manifest_data: bytes = b""
    signature: bytes = b""
    seal_signer: str = ""
    records: tuple[BundleRecord, ...] = ()
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    trust_source: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.VALID

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def codes(self) -> set[str]:
        return {p.code for p in self.problems}

    def as_dict(self) -> dict[str, Any]:
        manifest = self.manifest
        return {
            "verdict": self.verdict.value,
            "verdict_vi": self.verdict.label_vi,
            "school": manifest.school.model_dump(mode="json") if manifest else None,
            "student": manifest.student.model_dump(mode="json") if manifest else None,
            "seal_signer": self.seal_signer,
            "records": [r.as_dict() for r in self.records],
            "problems": [p.as_dict() for p in self.problems],
            "trust": self.trust_source,
        }


def verify_bundle(
    data: bytes,
    trust: TrustConfig | None = None,
    *,
    now: dt.datetime | None = None,
    limits: FileLimits | None = None,
) -> BundleReport:
    return asyncio.run(async_verify_bundle(data, trust, now=now, limits=limits))


async def async_verify_bundle(
    data: bytes,
    trust: TrustConfig | None = None,
    *,
    now: dt.datetime | None = None,
    limits: FileLimits | None = None,
) -> BundleReport:
    """Judge a transfer package within ``limits`` (default: ``default_limits()``): the zip's
    bounds, and each PDF's through ``async_verify_pdf``."""
    trust = trust or TrustConfig()
    try:
        return await _verify(data, trust, now, limits or default_limits())
    except Exception:  # the contract: a report, never an exception
        log.exception("transfer package verification failed unexpectedly")
        problem = Problem(
            "verify.internal_error", "Lỗi khi xác minh gói; không kết luận được.", Severity.WARNING
        )
        return BundleReport(Verdict.INDETERMINATE, problems=(problem,))


def _unreadable(code: str, message: str) -> BundleReport:
    return BundleReport(Verdict.UNREADABLE, problems=(Problem(code, message),))


async def _verify(
    data: bytes, trust: TrustConfig, now: dt.datetime | None, limits: FileLimits
) -> BundleReport:
    if len(data) > limits.bundle_bytes:
        return _unreadable(
            "transfer.too_large",
            f"Gói chuyển trường quá lớn (tối đa {vn_bytes(limits.bundle_bytes)}).",
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        return _unreadable("transfer.not_zip", "Tệp không phải gói chuyển trường (tệp zip).")
    problems: list[Problem] = []
    files = _read_members(zf, problems, limits)
    if problems:  # unsafe or broken container: judge nothing inside it
        return BundleReport(verdict_for(problems), problems=tuple(problems))
    manifest_data, signature = files.pop(MANIFEST_NAME, None), files.pop(SIGNATURE_NAME, None)
    if manifest_data is None:
        problems.append(Problem("transfer.manifest_missing", "Gói thiếu tệp manifest.json."))
    if signature is None:
        message = "Gói thiếu chữ ký của nhà trường (manifest.json.p7s)."
        problems.append(Problem("transfer.signature_missing", message))
    if manifest_data is None:
        return BundleReport(verdict_for(problems), problems=tuple(problems))
    manifest = _parse_manifest(manifest_data, problems)
    if manifest is None:
        return BundleReport(verdict_for(problems), problems=tuple(problems))
    if trust.empty:
        message = "Chưa có danh sách tin cậy (--trust): không kiểm tra được chữ ký."
        problems.append(Problem("trust.empty", message, Severity.WARNING))
    seal = ""
    if signature is not None:
        seal = await _check_seal(manifest, manifest_data, signature, trust, now, problems)
    _check_files(manifest, files, problems)
    records = []
    for entry in manifest.records:
        records.append(await _check_record(entry, manifest, files, trust, now, problems, limits))
    return BundleReport(
        verdict=verdict_for(problems), problems=tuple(problems), manifest=manifest,
        manifest_data=manifest_data, signature=signature or b"", seal_signer=seal,
        records=tuple(records), files=files, trust_source=trust.source,
    )  # fmt: skip


def _member_problem(name: str) -> Problem | None:
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or ".." in parts or ":" in name or "" in parts:
        return Problem(
            "transfer.unsafe_member",
            f"Gói chứa tệp có đường dẫn không an toàn: “{name}”.",
            field=name,
        )
    if name not in (MANIFEST_NAME, SIGNATURE_NAME) and not RECORD_FILE.match(name):
        return Problem(
            "transfer.unexpected_member", f"Gói chứa tệp không được phép: “{name}”.", field=name
        )
    return None


def _read_members(
    zf: zipfile.ZipFile, problems: list[Problem], limits: FileLimits
) -> dict[str, bytes]:
    infos = zf.infolist()
    if len(infos) > limits.bundle_members:
        problems.append(Problem("transfer.too_many_members", "Gói chứa quá nhiều tệp."))
        return {}
    names = [i.filename for i in infos]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(
            Problem("transfer.duplicate_member", f"Tệp “{name}” xuất hiện hai lần.", field=name)
        )
    for info in infos:
        found = _member_problem(info.filename)
        if found is None and info.flag_bits & 0x1:
            found = Problem(
                "transfer.encrypted", f"Tệp “{info.filename}” bị mã hoá.", field=info.filename
            )
        if found is not None:
            problems.append(found)
    if problems:
        return {}
    files: dict[str, bytes] = {}
    budget = limits.bundle_unpacked_bytes  # zip bombs stop here
    for info in infos:
        limit = MAX_MANIFEST_BYTES if info.filename == MANIFEST_NAME else limits.bundle_member_bytes
        limit = min(limit, budget)
        too_big = Problem(
            "transfer.member_too_large", f"Tệp “{info.filename}” quá lớn.", field=info.filename
        )
        if info.file_size > limit:
            problems.append(too_big)
            continue
        try:
            with zf.open(info) as member:
                payload = member.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
            log.info("transfer member %s unreadable: %r", info.filename, exc)
            problems.append(
                Problem(
                    "transfer.member_corrupt",
                    f"Tệp “{info.filename}” trong gói bị hỏng hoặc đã bị sửa (sai CRC).",
                    field=info.filename,
                )
            )
            continue
        if len(payload) > limit:
            problems.append(too_big)
            continue
        budget -= len(payload)
        files[info.filename] = payload
    return files


def _parse_manifest(data: bytes, problems: list[Problem]) -> TransferManifest | None:
    try:
        parsed = json.loads(data.decode("utf-8"))
        manifest = TransferManifest.model_validate(parsed)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.info("transfer manifest is not JSON: %r", exc)
        problems.append(
            Problem("transfer.manifest_invalid", "manifest.json không phải JSON hợp lệ.")
        )
        return None
    except ValidationError as exc:
        where = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(gốc)'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        problems.append(
            Problem(
                "transfer.manifest_invalid",
                f"manifest.json không đúng lược đồ gói chuyển trường ({where}).",
            )
        )
        return None
    if rfc8785.dumps(parsed) != data:
        problems.append(
            Problem(
                "transfer.manifest_not_canonical",
                "manifest.json không ở dạng JSON chuẩn hoá (RFC 8785).",
            )
        )
    keys = [(r.record_id, r.version) for r in manifest.records]
    if len(set(keys)) != len(keys):
        problems.append(
            Problem("transfer.manifest_invalid", "manifest.json liệt kê một học bạ hai lần.")
        )
    return manifest


async def _check_seal(
    manifest: TransferManifest,
    data: bytes,
    signature: bytes,
    trust: TrustConfig,
    now: dt.datetime | None,
    problems: list[Problem],
) -> str:
    """The seal's detached CMS over the manifest; returns the signer's CN."""
    where = SIGNATURE_NAME
    try:
        info = cms.ContentInfo.load(signature)
        if info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed = info["content"]
        signed.native  # noqa: B018 - parse everything now, so a broken structure fails here
    except Exception as exc:  # asn1crypto raises ValueError/TypeError and friends
        log.info("transfer signature unreadable: %r", exc)
        problems.append(
            Problem("transfer.signature_unreadable", "Chữ ký của gói bị hỏng.", field=where)
        )
        return ""
    try:
        status = await async_validate_detached_cms(
            data, signed, signer_validation_context=trust.validation_context(moment=now)
        )
    except Exception as exc:  # e.g. a rogue CA named like a trusted one breaks path building
        log.info("transfer seal chain not validated: %r", exc)
        message = "Không xác nhận được chứng thư số ký gói theo danh sách tin cậy."
        problems.append(Problem("transfer.seal_untrusted", message, field=where))
        return ""
    cert = status.signing_cert
    who = f"“{common_name(cert)}”"
    if not (status.intact and status.valid):
        problems.append(
            Problem(
                "transfer.manifest_modified",
                "manifest.json đã bị thay đổi sau khi ký: chữ ký của nhà trường không khớp.",
                field=where,
            )
        )
    if status.revoked:
        problems.append(
            Problem("transfer.seal_revoked", f"Chứng thư số {who} đã bị thu hồi.", field=where)
        )
    elif not status.trusted and not trust.empty:
        problems.append(
            Problem(
                "transfer.seal_untrusted",
                f"Chứng thư số {who} ký gói không thuộc danh sách tin cậy.",
                field=where,
            )
        )
    reason = signer_mismatch(cert, SignerRole.SEAL, manifest.school.name)
    if reason is not None:
        problems.append(
            Problem(
                "transfer.wrong_seal",
                f"Gói không được ký bằng con dấu số của {manifest.school.name}: {reason}",
                field=where,
            )
        )
    elif not trust.issuer_allowed(SignerRole.SEAL.value, cert, _chain(signed)):
        problems.append(
            Problem(
                "transfer.seal_issuer_not_allowed",
                f"Chứng thư số {who} không do CA được phép cấp cho con dấu số nhà trường.",
                field=where,
            )
        )
    if is_demo_certificate(cert):
        problems.append(
            Problem(
                "signature.demo_certificate",
                "Gói được ký bằng chứng thư số DEMO (không có giá trị pháp lý).",
                Severity.INFO,
                where,
            )
        )
    return common_name(cert)


def _chain(signed: cms.SignedData) -> list[Any]:
    return [c.chosen for c in signed["certificates"] if c.name == "certificate"]


def _check_files(
    manifest: TransferManifest, files: dict[str, bytes], problems: list[Problem]
) -> None:
    listed = {f.name: f for record in manifest.records for f in record.files}
    for name in sorted(set(files) - set(listed)):
        problems.append(
            Problem(
                "transfer.unlisted_file",
                f"Tệp “{name}” có trong gói nhưng không có trong manifest.",
                field=name,
            )
        )
    for name, entry in sorted(listed.items()):
        payload = files.get(name)
        if payload is None:
            problems.append(
                Problem("transfer.file_missing", f"Gói thiếu tệp “{name}”.", field=name)
            )
        elif hashlib.sha256(payload).hexdigest() != entry.sha256 or len(payload) != entry.size:
            problems.append(
                Problem(
                    "transfer.file_modified",
                    f"Tệp “{name}” đã bị thay đổi: mã băm không khớp manifest.",
                    field=name,
                )
            )


def _lift(name: str, report: VerificationReport, problems: list[Problem]) -> None:
    """A file's own verdict, as one problem of the package (the details stay in its report)."""
    if report.verdict is Verdict.VALID:
        return
    reasons = "; ".join(p.message_vi for p in report.problems if p.severity != Severity.INFO)
    severity = Severity.WARNING if report.verdict is Verdict.INDETERMINATE else Severity.ERROR
    problems.append(
        Problem(
            "transfer.record_invalid",
            f"Học bạ “{name}”: {report.verdict.label_vi} — {reasons or 'không rõ lý do'}.",
            severity,
            name,
        )
    )


async def _check_record(
    entry: TransferRecord,
    manifest: TransferManifest,
    files: dict[str, bytes],
    trust: TrustConfig,
    now: dt.datetime | None,
    problems: list[Problem],
    limits: FileLimits,
) -> BundleRecord:
    pdf_entry, xml_entry = entry.file("application/pdf"), entry.file("application/xml")
    expected = {record_file_name(entry.record_id, entry.version, ext) for ext in ("pdf", "xml")}
    if pdf_entry is None or xml_entry is None or {f.name for f in entry.files} != expected:
        problems.append(
            Problem(
                "transfer.manifest_invalid",
                f"manifest.json: học bạ {entry.record_id} v{entry.version} phải có đúng một "
                "tệp PDF và một tệp XML, đặt tên theo mã học bạ.",
            )
        )
        return BundleRecord(entry)
    pdf_data, xml_data = files.get(pdf_entry.name), files.get(xml_entry.name)
    if pdf_data is None or xml_data is None:
        return BundleRecord(entry)  # already reported as missing
    pdf = await async_verify_pdf(pdf_data, trust, now=now, limits=limits)
    _lift(pdf_entry.name, pdf, problems)
    xml: VerificationReport | None = None
    record: Record | None = None
    if xml_entry.signed:
        xml = await async_verify_xml(xml_data, trust, now=now)
        _lift(xml_entry.name, xml, problems)
        try:
            record = unsigned_record(parse_xml(xml_data))[1]
        except HocbaError:
            record = None
    else:
        try:
            record = from_xml(xml_data)
        except HocbaError as exc:
            problems.append(
                Problem(
                    "transfer.record_invalid",
                    f"Học bạ “{xml_entry.name}”: {exc.message_vi}",
                    field=xml_entry.name,
                )
            )
    digests = {
        "PDF": pdf.record.digest,
        "XML": record_digest(record) if record is not None else None,
    }
    for kind, digest in digests.items():
        if digest is not None and digest != entry.digest:
            problems.append(
                Problem(
                    "transfer.digest_mismatch",
                    f"Bản {kind} của học bạ {entry.record_id} v{entry.version} có mã băm dữ liệu "
                    "khác mã băm trong manifest.",
                    field=pdf_entry.name if kind == "PDF" else xml_entry.name,
                )
            )
    if record is not None:
        _check_identity(entry, manifest, record, xml_entry.name, problems)
    return BundleRecord(entry, pdf=pdf, xml=xml, record=record)


def _check_identity(
    entry: TransferRecord,
    manifest: TransferManifest,
    record: Record,
    name: str,
    problems: list[Problem],
) -> None:
    student, mine = record.student, manifest.student
    if (student.student_code, student.date_of_birth) != (mine.student_code, mine.date_of_birth):
        problems.append(
            Problem(
                "transfer.other_student",
                f"Học bạ “{name}” là của học sinh khác ({student.student_code}), không phải "
                f"{mine.student_code}.",
                field=name,
            )
        )
    claimed = (entry.record_id, entry.version, entry.school_year, entry.grade, entry.school_code)
    actual = (record.record_id, record.version, record.school_year, record.grade,
              record.school.code)  # fmt: skip
    if claimed != actual:
        problems.append(
            Problem(
                "transfer.record_mismatch",
                f"Thông tin của học bạ “{name}” (mã, phiên bản, năm học, khối, trường) không "
                "khớp manifest.",
                field=name,
            )
        )


PortableTrust = tuple[tuple[bytes, ...], tuple[bytes, ...], tuple[bytes, ...], str, tuple[Any, ...]]
"""A ``TrustConfig`` as DER bytes: what crosses into a sandbox child (``hocba.sandbox``);
parsed asn1crypto objects do not survive pickling intact."""


def portable_trust(trust: TrustConfig) -> PortableTrust:
    return (
        tuple(c.dump() for c in trust.roots),
        tuple(c.dump() for c in trust.certs),
        tuple(c.dump() for c in trust.crls),
        trust.source,
        trust.constraints,
    )


def verify_bundle_portable(
    data: bytes, trust: PortableTrust, *, limits: FileLimits | None = None
) -> BundleReport:
    """``verify_bundle`` with the trust list of ``portable_trust`` (run in a limited child)."""
    from asn1crypto import crl, x509

    roots, certs, crls, source, constraints = trust
    config = TrustConfig(
        roots=tuple(x509.Certificate.load(b) for b in roots),
        certs=tuple(x509.Certificate.load(b) for b in certs),
        crls=tuple(crl.CertificateList.load(b) for b in crls),
        source=source,
        constraints=constraints,
    )
    return verify_bundle(data, config, limits=limits)
