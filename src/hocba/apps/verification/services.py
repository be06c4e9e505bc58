"""Public verification: judge a presented PDF, or answer whether a QR code names an issued record.

Nothing here reveals anything that is not in what was presented: a code lookup answers only
"issued and current", "issued, superseded by a newer version" or "not found" — no names, no
results. Under a file's verdict, the line about this server never contradicts it
(``status_line``: only a VALID file is called issued and in force). Typed codes are read by
``hocba.spec.token.parse_typed``, the one parser of the QR token grammar. Requests are
rate-limited per client address in the shared cache (``accounts.ratelimit``).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from django.conf import settings

from hocba.apps.accounts import ratelimit
from hocba.apps.limits import file_limits
from hocba.apps.records.models import RecordVersion
from hocba.errors import HocbaError
from hocba.limits import FileLimits
from hocba.sandbox import ParseAborted, run_limited
from hocba.spec.token import QrToken, TypedCode, parse_typed
from hocba.verify import Verdict, VerificationReport
from hocba.verify.pdf import verify_document
from hocba.verify.report import Problem

MAX_PDF_BYTES = FileLimits().pdf_bytes
"""The default of ``HOCBA_PDF_MAX_BYTES`` (``file_limits().pdf_bytes`` is what applies)."""
RATE_LIMIT = 30
RATE_WINDOW_SECONDS = 10 * 60
RATE_SCOPE = "verify"
TRUST_DIR_SETTING = "HOCBA_TRUST_DIR"


# --- trust list ------------------------------------------------------------------------------


def trust_dir() -> Path:
    """``settings.HOCBA_TRUST_DIR``, else ``$HOCBA_TRUST_DIR``, else the demo PKI's trust list
    ``<HOCBA_HOME>/demo/pki/trust`` (what ``hocba demo`` writes)."""
    configured = getattr(settings, TRUST_DIR_SETTING, None) or os.environ.get(TRUST_DIR_SETTING)
    if configured:
        return Path(configured)
    return Path(settings.HOCBA_HOME) / "demo" / "pki" / "trust"


def _judge(data: bytes, limits: FileLimits) -> VerificationReport:
    """``verify_document`` in a memory- and time-limited child process."""
    where = trust_dir()
    try:
        return run_limited(
            verify_document, data, str(where) if where.is_dir() else None,
            limits=limits, within=limits,
        )  # fmt: skip
    except ParseAborted as err:
        return VerificationReport(Verdict.UNREADABLE, problems=(Problem(err.code, err.message_vi),))


# --- rate limit ------------------------------------------------------------------------------


def allow_request(client_ip: str) -> bool:
    """Count one verification by ``client_ip`` (``accounts.ratelimit.client_address``); False
    once it made ``RATE_LIMIT`` in the current window (the window starts with the first
    request). Counted in the cache every server process shares."""
    return ratelimit.hit(RATE_SCOPE, client_ip, window=RATE_WINDOW_SECONDS) <= RATE_LIMIT


# --- a typed code ----------------------------------------------------------------------------


class CodeStatus(StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"
    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"
    MALFORMED = "malformed"

    @property
    def label_vi(self) -> str:
        return {
            "current": "Học bạ đã được nhà trường ban hành và đang có hiệu lực.",
            "superseded": (
                "Học bạ này đã được ban hành nhưng đã được thay thế bằng một phiên bản "
                "điều chỉnh mới hơn; hãy yêu cầu bản mới nhất."
            ),
            "not_found": (
                "Không có học bạ đã ban hành nào khớp với mã này. Mã có thể bị gõ sai, "
                "học bạ chưa được ban hành, hoặc tài liệu không phải do hệ thống cấp."
            ),
            "ambiguous": (
                "Mã SHA-256 này khớp với nhiều học bạ; hãy nhập thêm mã học bạ in ở chân trang."
            ),
            "malformed": (
                "Mã không đúng định dạng. Nhập mã SHA-256 in dưới mã QR (64 ký tự, có thể giữ "
                "nguyên dấu cách và xuống dòng), có thể kèm mã học bạ in ở chân trang, hoặc cả "
                "mã HOCBA:1:… của mã QR."
            ),
        }[self.value]


@dataclass(frozen=True)
class Supersession:
    """What replaced a superseded version: the newer version's number, when it was issued and
    the correction's reason (DESIGN principle 2)."""

    version: int
    at: dt.datetime | None
    reason: str


@dataclass(frozen=True)
class CodeResult:
    status: CodeStatus
    code: TypedCode | None = None
    version: int | None = None
    """The issued version the code matched (a digest names exactly one)."""
    superseded: Supersession | None = None


_PUBLISHED = (RecordVersion.Status.ISSUED, RecordVersion.Status.SUPERSEDED)


def lookup_code(text: str) -> CodeResult:
    """Whether the record a typed code names (``hocba.spec.token.parse_typed``) was issued,
    and is current. A digest alone answers when it matches exactly one issued record."""
    code = parse_typed(text)
    if code is None:
        return CodeResult(CodeStatus.MALFORMED)
    matches = RecordVersion.objects.filter(digest=code.digest, status__in=_PUBLISHED)
    if code.record_id is not None:
        matches = matches.filter(record_id=code.record_id)
    if code.version is not None:
        matches = matches.filter(version=code.version)
    found = list(matches.select_related("superseded_by")[:2])
    if not found:
        return CodeResult(CodeStatus.NOT_FOUND, code)
    if len(found) > 1:
        return CodeResult(CodeStatus.AMBIGUOUS, code)
    match = found[0]
    if match.status == RecordVersion.Status.ISSUED:
        return CodeResult(CodeStatus.CURRENT, code, match.version)
    return CodeResult(CodeStatus.SUPERSEDED, code, match.version, supersession(match))


def supersession(version: RecordVersion) -> Supersession | None:
    """The version that directly replaced ``version``: its number, date and reason."""
    newer = version.superseded_by
    if newer is None:
        return None
    return Supersession(newer.version, version.superseded_at, newer.correction_reason)


# --- a presented PDF -------------------------------------------------------------------------


class UploadTooLarge(HocbaError):
    code = "verify.too_large"


class Standing(StrEnum):
    """What this server knows of the record a presented file names."""

    CURRENT = "current"
    """This exact version (id, version, digest) is issued and current."""
    SUPERSEDED = "superseded"
    """This exact version was issued, then superseded by a correction."""
    OTHER = "other"
    """A record with this id was issued here, but not with this file's content."""
    NOT_FOUND = "not_found"
    """No record with this id was issued here."""


class Tone(StrEnum):
    OK = "ok"
    WARN = "warn"
    NEUTRAL = "muted"


@dataclass(frozen=True)
class StatusLine:
    tone: Tone
    text: str


_EXISTS = "Trên hệ thống này có học bạ đã ban hành mang mã học bạ này"
_NOT_THAT = {
    Verdict.INVALID: f"{_EXISTS}, nhưng tệp bạn đưa ra không phải là học bạ đó như đã ban hành.",
    Verdict.INDETERMINATE: (
        f"{_EXISTS}, nhưng chưa xác minh được tệp bạn đưa ra chính là học bạ đó."
    ),
}
_NONE_HERE = "Trên hệ thống này không có học bạ đã ban hành nào mang mã học bạ này."
_VALID_LINES = {
    Standing.CURRENT: StatusLine(Tone.OK, CodeStatus.CURRENT.label_vi),
    Standing.SUPERSEDED: StatusLine(Tone.WARN, CodeStatus.SUPERSEDED.label_vi),
    Standing.OTHER: StatusLine(
        Tone.WARN,
        f"{_EXISTS}, nhưng không phải với nội dung của tệp bạn đưa ra; hãy yêu cầu bản "
        "do nhà trường ban hành.",
    ),
    Standing.NOT_FOUND: StatusLine(
        Tone.NEUTRAL, f"{_NONE_HERE} Học bạ có thể do hệ thống của đơn vị khác ban hành."
    ),
}


def status_line(verdict: Verdict, standing: Standing | None) -> StatusLine | None:
    """The "on this server" line under a verdict; it never contradicts the verdict.

    Only a VALID file may be called issued and in force. For any other verdict the line says
    at most, neutrally, whether a record with that id exists here — and that the file is not
    (INVALID) or not shown to be (INDETERMINATE) that record. An unreadable file names nothing.
    """
    if standing is None or verdict is Verdict.UNREADABLE:
        return None
    if verdict is Verdict.VALID:
        return _VALID_LINES[standing]
    if standing is Standing.NOT_FOUND:
        return StatusLine(Tone.NEUTRAL, _NONE_HERE)
    return StatusLine(Tone.NEUTRAL, _NOT_THAT[verdict])


def record_standing(record_id: str | None, version: int | None, digest: str | None) -> Standing:
    """Whether the record ``record_id`` was issued here, and with this version and digest."""
    try:
        key = uuid.UUID(str(record_id))
    except ValueError:
        return Standing.NOT_FOUND
    published = RecordVersion.objects.filter(record_id=key, status__in=_PUBLISHED)
    exact = published.filter(digest=(digest or "").lower())
    if version is not None:
        exact = exact.filter(version=version)
    status = exact.values_list("status", flat=True).first()
    if status == RecordVersion.Status.ISSUED:
        return Standing.CURRENT
    if status == RecordVersion.Status.SUPERSEDED:
        return Standing.SUPERSEDED
    return Standing.OTHER if published.exists() else Standing.NOT_FOUND


@dataclass(frozen=True)
class UploadResult:
    report: VerificationReport
    standing: Standing | None
    """What this server knows of the record the file names; None when it names none."""
    superseded: Supersession | None = None
    """For a VALID file of a superseded version: what replaced it, when and why."""

    @property
    def line(self) -> StatusLine | None:
        return status_line(self.report.verdict, self.standing)


def _named(report: VerificationReport, xml: bool) -> tuple[str | None, int | None, str | None]:
    """The record a judged file names: its QR token (a PDF), else its embedded data."""
    rec = report.record
    token = None if xml or not rec.qr_token else QrToken.find(rec.qr_token)
    if token is not None:
        return token.record_id, token.version, token.digest
    return rec.record_id, rec.version, rec.digest


def verify_upload(data: bytes) -> UploadResult:
    """The verification report of an uploaded PDF (or the record's signed XML form) against
    the configured trust list, and what this server knows of the record it names. The file
    is judged in a memory- and time-limited child process (``hocba.sandbox``): a hostile
    upload costs that child, never the server."""
    limits = file_limits()
    if len(data) > limits.pdf_bytes:
        raise UploadTooLarge(
            f"Tệp quá lớn (tối đa {limits.pdf_bytes // (1024 * 1024)} MB).",
            detail=f"upload of {len(data)} bytes",
        )
    from hocba.verify.xml import looks_like_xml

    report = _judge(data, limits)
    record_id, version, digest = _named(report, looks_like_xml(data))
    if report.verdict is Verdict.UNREADABLE or not record_id:
        return UploadResult(report, None)
    standing = record_standing(record_id, version, digest)
    superseded = None
    if standing is Standing.SUPERSEDED and report.verdict is Verdict.VALID:
        old = (
            RecordVersion.objects.select_related("superseded_by")
            .filter(record_id=record_id, digest=(digest or "").lower(), status__in=_PUBLISHED)
            .first()
        )
        superseded = supersession(old) if old is not None else None
    return UploadResult(report, standing, superseded)
