"""Public verification: judge a presented PDF, or answer whether a QR code names an issued record.

Nothing here reveals anything that is not in what was presented: a code lookup answers only
"issued and current", "issued, superseded by a newer version" or "not found" — no names, no
results. Requests are rate-limited per client address in the shared cache (``accounts.ratelimit``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

from hocba.apps.accounts import ratelimit
from hocba.apps.limits import file_limits
from hocba.apps.records.models import RecordVersion
from hocba.errors import HocbaError
from hocba.limits import FileLimits
from hocba.sandbox import ParseAborted, run_limited
from hocba.verify import Verdict, VerificationReport
from hocba.verify.pdf import verify_document
from hocba.verify.report import Problem

MAX_PDF_BYTES = FileLimits().pdf_bytes
"""The default of ``HOCBA_PDF_MAX_BYTES`` (``file_limits().pdf_bytes`` is what applies)."""
RATE_LIMIT = 30
RATE_WINDOW_SECONDS = 10 * 60
RATE_SCOPE = "verify"
TRUST_DIR_SETTING = "HOCBA_TRUST_DIR"

_HEX64 = re.compile(r"\b[0-9a-fA-F]{64}\b")
_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)


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


@dataclass(frozen=True)
class Code:
    record_id: uuid.UUID
    digest: str
    version: int | None = None


class CodeStatus(StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"
    NOT_FOUND = "not_found"
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
            "malformed": (
                "Mã không đúng định dạng. Nhập mã in dưới mã QR (HOCBA:1:…) hoặc mã học bạ "
                "kèm mã băm SHA-256 (64 ký tự)."
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
    code: Code | None = None
    superseded: Supersession | None = None


def parse_code(text: str) -> Code | None:
    """``HOCBA:1:<record id>:<version>:<digest>``, the verification URL holding it in ``q``,
    or a record id and a digest in any order and separation."""
    text = (text or "").strip()
    if "q=" in text:
        values = parse_qs(urlsplit(text).query).get("q")
        if values:
            text = values[0].strip()
    parts = text.split(":")
    if len(parts) == 5 and parts[0].upper() == "HOCBA" and parts[1] == "1":
        try:
            record_id, version = uuid.UUID(parts[2]), int(parts[3])
        except ValueError:
            return None
        if not _HEX64.fullmatch(parts[4]):
            return None
        return Code(record_id, parts[4].lower(), version)
    found_id, found_digest = _UUID.search(text), _HEX64.search(text)
    if not found_id or not found_digest:
        return None
    return Code(uuid.UUID(found_id.group()), found_digest.group().lower())


_PUBLISHED = (RecordVersion.Status.ISSUED, RecordVersion.Status.SUPERSEDED)


def lookup_code(text: str) -> CodeResult:
    """Whether a record with this id (and version) and digest was issued, and is current."""
    code = parse_code(text)
    if code is None:
        return CodeResult(CodeStatus.MALFORMED)
    matches = RecordVersion.objects.filter(
        record_id=code.record_id, digest=code.digest, status__in=_PUBLISHED
    )
    if code.version is not None:
        matches = matches.filter(version=code.version)
    found = matches.select_related("superseded_by").first()
    if found is None:
        return CodeResult(CodeStatus.NOT_FOUND, code)
    if found.status == RecordVersion.Status.ISSUED:
        return CodeResult(CodeStatus.CURRENT, code)
    return CodeResult(CodeStatus.SUPERSEDED, code, supersession(found))


def supersession(version: RecordVersion) -> Supersession | None:
    """The version that directly replaced ``version``: its number, date and reason."""
    newer = version.superseded_by
    if newer is None:
        return None
    return Supersession(newer.version, version.superseded_at, newer.correction_reason)


# --- a presented PDF -------------------------------------------------------------------------


class UploadTooLarge(HocbaError):
    code = "verify.too_large"


@dataclass(frozen=True)
class UploadResult:
    report: VerificationReport
    status: CodeResult | None
    """Whether this exact record (its QR token) is issued here, and current; None when the
    document carries no consistent token."""


def verify_upload(data: bytes) -> UploadResult:
    """The verification report of an uploaded PDF (or the record's signed XML form) against the configured trust list, and the
    record's status on this server. The file is judged in a memory- and time-limited child
    process (``hocba.sandbox``): a hostile upload costs that child, never the server."""
    limits = file_limits()
    if len(data) > limits.pdf_bytes:
        raise UploadTooLarge(
            f"Tệp quá lớn (tối đa {limits.pdf_bytes // (1024 * 1024)} MB).",
            detail=f"upload of {len(data)} bytes",
        )
    from hocba.verify.xml import looks_like_xml

    report = _judge(data, limits)
    if looks_like_xml(data):  # the XAdES-signed XML form of a record: its id and digest
        rec = report.record
        known = rec.record_id and rec.digest and report.verdict is not Verdict.UNREADABLE
        return UploadResult(report, lookup_code(f"{rec.record_id} {rec.digest}") if known else None)
    token = report.record.qr_token if report.record.matches_qr else None
    return UploadResult(report, lookup_code(token) if token else None)
