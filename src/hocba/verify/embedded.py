"""The record data inside the PDF: present, schema-valid, and the one the QR code names.

Verify's data check (DOMAIN §1): embedded ``record.json`` present + ``load_record`` ok +
sha256(record.json bytes) == the digest in the QR token (Info ``/Keywords``) ==
``record_digest`` of the parsed record (it is in canonical form), record id and version
match the token, and the embedded ``record.xml`` says the same.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from hocba.errors import InvalidRecord
from hocba.signing.document import RECORD_XML, RecordPdf
from hocba.spec import Record, load_record, record_digest
from hocba.spec.xml import from_xml
from hocba.verify.report import Problem, RecordReport, Severity


def check_record_data(doc: RecordPdf) -> tuple[RecordReport, Record | None, list[Problem]]:
    raw = doc.record_json
    token = doc.token
    report = RecordReport(qr_token=str(token) if token else None)
    if raw is None:
        return report, None, [
            Problem("data.missing", "Tệp PDF không đính kèm dữ liệu học bạ (record.json).")
        ]  # fmt: skip
    digest = hashlib.sha256(raw).hexdigest()
    report = replace(report, present=True, digest=digest)
    problems: list[Problem] = []
    try:
        record: Record | None = load_record(raw)
    except InvalidRecord as exc:
        record = None
        problems.append(
            Problem(
                "data.schema_invalid", f"Dữ liệu học bạ đính kèm không hợp lệ: {exc.message_vi}"
            )
        )
    if token is None:
        problems.append(Problem("data.no_qr_token", "Tệp PDF không có mã QR xác minh (HOCBA:1:…)."))
    elif token.digest != digest:
        problems.append(
            Problem(
                "data.digest_mismatch",
                "Dữ liệu học bạ đính kèm không khớp với mã QR: dữ liệu đã bị thay thế hoặc sửa đổi.",
            )
        )
    if record is None:
        return report, None, problems
    report = replace(
        report,
        schema_valid=True,
        record_id=record.record_id,
        version=record.version,
        school_year=record.school_year,
        student=record.student.full_name,
        school=record.school.name,
        matches_qr=token is not None and token.digest == digest,
    )
    canonical = record_digest(record)
    if canonical != digest:
        problems.append(
            Problem("data.not_canonical", "Dữ liệu đính kèm không ở dạng chuẩn (RFC 8785).")
        )
        report = replace(report, matches_qr=False)
    if token is not None and (token.record_id, token.version) != (record.record_id, record.version):
        problems.append(
            Problem(
                "data.id_mismatch",
                "Mã học bạ hoặc phiên bản trong mã QR khác với dữ liệu đính kèm.",
            )
        )
        report = replace(report, matches_qr=False)
    problems.extend(_check_xml(doc, canonical))
    return report, record, problems


def _check_xml(doc: RecordPdf, canonical: str) -> list[Problem]:
    """The attached XML states the same record: its canonical digest is ``canonical``."""
    xml = doc.attachments.get(RECORD_XML)
    if xml is None:
        return [
            Problem(
                "data.xml_missing",
                "Tệp PDF không đính kèm bản XML của học bạ (record.xml).",
                Severity.WARNING,
            )
        ]
    try:
        same = record_digest(from_xml(xml)) == canonical
    except InvalidRecord as exc:
        return [Problem("data.xml_invalid", f"Bản XML đính kèm không hợp lệ: {exc.message_vi}")]
    if not same:
        return [Problem("data.xml_mismatch", "Bản XML đính kèm khác với dữ liệu JSON đính kèm.")]
    return []
