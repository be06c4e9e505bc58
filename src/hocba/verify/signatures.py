"""Judging each embedded signature with pyHanko: integrity, trust, revocation, timestamp,
what changed after it, and whether it is the planned signer's (DOMAIN §1, §7)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from hocba.signing.demo import is_demo_certificate, is_production
from hocba.signing.identity import common_name, signer_mismatch
from hocba.signing.plan import SignaturePlan
from hocba.signing.trust import TrustConfig
from hocba.spec.roles import SignerRole
from hocba.verify.diff import RecordDiffPolicy
from hocba.verify.report import Problem, Revocation, Severity, SignatureReport

log = logging.getLogger(__name__)
_KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"})
DIFF_POLICY = RecordDiffPolicy()
"""What may change after a signature: our fast check, else pyHanko's generic analysis."""
_ROLE_BY_FIELD = {role.field_name: role for role in SignerRole}
_UNTRUSTED = {
    AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND,
    AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE,
    AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE,
    AdESFailure.REVOKED,
}
_EXPIRED = {
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
    AdESIndeterminate.EXPIRED,
    AdESIndeterminate.NOT_YET_VALID,
    AdESFailure.NOT_YET_VALID,
}


@dataclass(frozen=True)
class Judged:
    report: SignatureReport
    problems: tuple[Problem, ...]


async def judge_signature(
    sig: EmbeddedPdfSignature,
    *,
    last: bool,
    context: ValidationContext,
    have_trust: bool,
    plan: SignaturePlan | None,
    trust: TrustConfig | None = None,
) -> Judged:
    field = str(sig.field_name)
    try:
        status = await async_validate_pdf_signature(
            sig,
            signer_validation_context=context,
            ts_validation_context=context,
            key_usage_settings=_KEY_USAGE,
            diff_policy=DIFF_POLICY,
        )
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        log.info("signature %s unreadable: %r", field, exc)
        return Judged(
            _broken_report(sig, field),
            (Problem("signature.unreadable", "Chữ ký số bị hỏng, không đọc được.", field=field),),
        )
    report = _report(sig, field, status, have_trust)
    problems = [
        *_integrity(status, field, last),
        *_trust(status, report, field, have_trust),
        *_timestamp(status, field, have_trust),
        *_identity(sig, report, field, plan),
        *_issuer_constraint(status, report, field, trust),
    ]
    return Judged(report, tuple(problems))


def _report(
    sig: EmbeddedPdfSignature, field: str, status: PdfSignatureStatus, have_trust: bool
) -> SignatureReport:
    cert = status.signing_cert
    level = status.modification_level
    ts = status.timestamp_validity
    if status.revoked:
        revocation = Revocation.REVOKED
    elif status.trusted:
        revocation = Revocation.GOOD
    else:
        revocation = Revocation.UNKNOWN
    return SignatureReport(
        field=field,
        role=_ROLE_BY_FIELD.get(field),
        signer=common_name(cert),
        issuer=cert.issuer.native.get("common_name", "") or cert.issuer.human_friendly,
        signing_time=status.signer_reported_dt,
        timestamp_time=ts.timestamp if ts is not None and ts.intact and ts.valid else None,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted and have_trust,
        revocation=revocation,
        certifying=sig.docmdp_level is not None,
        modification_level=level.name.lower() if level is not None else "unknown",
        demo=is_demo_certificate(cert),
    )


def _broken_report(sig: EmbeddedPdfSignature, field: str) -> SignatureReport:
    try:
        signer = common_name(sig.signer_cert)
    except Exception:
        signer = ""
    return SignatureReport(
        field=field, role=_ROLE_BY_FIELD.get(field), signer=signer, issuer="",
        signing_time=None, timestamp_time=None, intact=False, valid=False, trusted=False,
        revocation=Revocation.UNKNOWN, certifying=False, modification_level="unknown",
    )  # fmt: skip


def _integrity(status: PdfSignatureStatus, field: str, last: bool) -> list[Problem]:
    if not status.intact:
        return [
            Problem(
                "signature.modified",
                "Nội dung đã bị thay đổi sau khi ký: chữ ký không còn khớp với tài liệu.",
                field=field,
            )
        ]
    problems = []
    if not status.valid:
        problems.append(Problem("signature.invalid", "Chữ ký số không hợp lệ.", field=field))
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        problems.append(
            Problem("signature.partial", "Chữ ký không bao trùm toàn bộ tài liệu.", field=field)
        )
    level = status.modification_level
    allowed = ModificationLevel.LTA_UPDATES if last else ModificationLevel.FORM_FILLING
    if level is None or level > allowed or status.docmdp_ok is False:
        what = {
            ModificationLevel.FORM_FILLING: "điền biểu mẫu",
            ModificationLevel.ANNOTATIONS: "thêm chú thích/lớp phủ",
        }.get(level, "sửa nội dung") if level is not None else "không xác định"  # fmt: skip
        problems.append(
            Problem(
                "document.modified_after_signing",
                f"Tài liệu đã bị thay đổi sau chữ ký này ({what}).",
                field=field,
            )
        )
    return problems


def _trust(
    status: PdfSignatureStatus, report: SignatureReport, field: str, have_trust: bool
) -> list[Problem]:
    who = f"“{report.signer}”"
    if status.revoked:
        return [Problem("signature.revoked", f"Chứng thư số của {who} đã bị thu hồi.", field=field)]
    if not have_trust or status.trusted:
        return []
    indic = status.trust_problem_indic
    if indic in _UNTRUSTED:
        return [
            Problem(
                "signature.untrusted",
                f"Chứng thư số của {who} không thuộc danh sách tin cậy.",
                field=field,
            )
        ]
    if indic in _EXPIRED:
        message = f"Chứng thư số của {who} đã hết hạn hoặc chưa có hiệu lực."
        return [Problem("signature.certificate_expired", message, Severity.WARNING, field)]
    message = f"Chưa xác định được tình trạng thu hồi chứng thư số của {who}."
    return [Problem("signature.revocation_unknown", message, Severity.WARNING, field)]


def _timestamp(status: PdfSignatureStatus, field: str, have_trust: bool) -> list[Problem]:
    ts = status.timestamp_validity
    if ts is None:
        message = "Chữ ký không có dấu thời gian (RFC 3161); yêu cầu tối thiểu PAdES B-T."
        return [Problem("signature.no_timestamp", message, Severity.WARNING, field)]
    if not (ts.intact and ts.valid):
        return [Problem("signature.timestamp_invalid", "Dấu thời gian không hợp lệ.", field=field)]
    if not ts.trusted and have_trust:
        message = "Dấu thời gian do đơn vị không thuộc danh sách tin cậy cấp."
        return [Problem("signature.timestamp_untrusted", message, Severity.WARNING, field)]
    return []


def _issuer_constraint(
    status: PdfSignatureStatus, report: SignatureReport, field: str, trust: TrustConfig | None
) -> list[Problem]:
    """The trust list's ``constraints.toml``: the role's certificate from an allowed CA."""
    if trust is None or report.role is None or not trust.allowed_issuers(report.role):
        return []
    path = status.validation_path
    chain = list(path.iter_certs(include_root=True)) if path is not None else []
    if trust.issuer_allowed(report.role, status.signing_cert, chain):
        return []
    message = (
        f"Chứng thư số của “{report.signer}” ({report.role.label_vi.lower()}) không do CA được "
        f"phép cấp cho vai trò này (ràng buộc trong danh sách tin cậy)."
    )
    return [Problem("signature.issuer_not_allowed", message, field=field)]


def _identity(
    sig: EmbeddedPdfSignature, report: SignatureReport, field: str, plan: SignaturePlan | None
) -> list[Problem]:
    problems = []
    if report.demo:
        if is_production():
            message = "Chữ ký bằng chứng thư số DEMO, không có giá trị pháp lý."
            problems.append(Problem("signature.demo_certificate", message, field=field))
        else:
            message = "Chứng thư số DEMO (chỉ để thử nghiệm, không có giá trị pháp lý)."
            problems.append(Problem("signature.demo_certificate", message, Severity.INFO, field))
    slot = plan.slot_for_field(field) if plan is not None else None
    if plan is not None and slot is None:
        message = f"Chữ ký trong ô “{field}” không có trong kế hoạch ký của học bạ."
        problems.append(Problem("signature.unplanned", message, field=field))
    elif slot is not None:
        reason = signer_mismatch(sig.signer_cert, slot.role, slot.signer_name)
        if reason is not None:
            problems.append(Problem("signature.wrong_signer", reason, field=field))
    return problems
