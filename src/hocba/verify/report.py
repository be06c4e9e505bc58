"""What verification found: a status object, never an exception (STYLE: judging returns a
status, like pyHanko's ``PdfSignatureStatus``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hocba.spec.roles import SignerRole


class Verdict(StrEnum):
    VALID = "VALID"
    INVALID = "INVALID"
    INDETERMINATE = "INDETERMINATE"
    UNREADABLE = "UNREADABLE"

    @property
    def exit_code(self) -> int:
        """``hocba verify`` exit status: 0 valid, 1 invalid, 2 indeterminate, 3 unreadable."""
        return list(Verdict).index(self)

    @property
    def label_vi(self) -> str:
        return {
            "VALID": "HỢP LỆ",
            "INVALID": "KHÔNG HỢP LỆ",
            "INDETERMINATE": "CHƯA XÁC ĐỊNH ĐƯỢC",
            "UNREADABLE": "KHÔNG ĐỌC ĐƯỢC TÀI LIỆU",
        }[self.value]


class Severity(StrEnum):
    ERROR = "error"
    """Makes the document INVALID."""
    WARNING = "warning"
    """Makes it INDETERMINATE (e.g. revocation status unknown, no trust list)."""
    INFO = "info"
    """Worth saying, changes nothing (e.g. a demo certificate outside production)."""


@dataclass(frozen=True)
class Problem:
    code: str
    message_vi: str
    severity: Severity = Severity.ERROR
    field: str | None = None
    """The signature field concerned, if any."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message_vi,
            "field": self.field,
        }


class Revocation(StrEnum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SignatureReport:
    """One signature, in signing order."""

    field: str
    role: SignerRole | None
    signer: str
    """Subject CN of the signing certificate."""
    issuer: str
    signing_time: dt.datetime | None
    """The time the signer's software claims."""
    timestamp_time: dt.datetime | None
    """The time proven by the RFC 3161 timestamp, if any and valid."""
    intact: bool
    """The signed bytes are unchanged."""
    valid: bool
    """The cryptographic signature verifies."""
    trusted: bool
    """The certificate chains to the trust list and is not revoked."""
    revocation: Revocation
    certifying: bool
    """A certification (DocMDP) signature."""
    modification_level: str
    """What changed after this signature (pyHanko difference analysis): none, lta_updates,
    form_filling, annotations, other."""
    demo: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "role": self.role.value if self.role else None,
            "signer": self.signer,
            "issuer": self.issuer,
            "signing_time": _iso(self.signing_time),
            "timestamp_time": _iso(self.timestamp_time),
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "revocation": self.revocation.value,
            "certifying": self.certifying,
            "modification_level": self.modification_level,
            "demo": self.demo,
        }


@dataclass(frozen=True)
class RecordReport:
    """The embedded data: present, schema-valid, and matching the QR digest."""

    present: bool = False
    schema_valid: bool = False
    digest: str | None = None
    """SHA-256 (hex) of the embedded record.json bytes."""
    qr_token: str | None = None
    matches_qr: bool = False
    record_id: str | None = None
    version: int | None = None
    school_year: str | None = None
    student: str | None = None
    school: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class VerificationReport:
    verdict: Verdict
    signatures: tuple[SignatureReport, ...] = ()
    record: RecordReport = field(default_factory=RecordReport)
    problems: tuple[Problem, ...] = ()
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
        return {
            "verdict": self.verdict.value,
            "verdict_vi": self.verdict.label_vi,
            "signatures": [s.as_dict() for s in self.signatures],
            "record": self.record.as_dict(),
            "problems": [p.as_dict() for p in self.problems],
            "trust": self.trust_source,
        }


def verdict_for(problems: tuple[Problem, ...] | list[Problem]) -> Verdict:
    severities = {p.severity for p in problems}
    if Severity.ERROR in severities:
        return Verdict.INVALID
    if Severity.WARNING in severities:
        return Verdict.INDETERMINATE
    return Verdict.VALID


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def internal_error_report() -> VerificationReport:
    """What a verifier returns when its own code failed: no verdict, never an exception."""
    problem = Problem(
        "verify.internal_error", "Lỗi khi xác minh tài liệu; không kết luận được.", Severity.WARNING
    )
    return VerificationReport(Verdict.INDETERMINATE, problems=(problem,))
