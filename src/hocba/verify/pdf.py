"""``verify_pdf(data, trust) -> VerificationReport``: judge a signed record PDF offline.

Never raises: unreadable input gives the UNREADABLE verdict with a Vietnamese reason.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from pyhanko_certvalidator import ValidationContext

from hocba.errors import HocbaError
from hocba.limits import FileLimits
from hocba.signing.document import RecordPdf, looks_like_pdf, open_record_pdf
from hocba.signing.errors import DocumentError
from hocba.signing.plan import SignaturePlan
from hocba.signing.trust import TrustConfig
from hocba.spec import Record
from hocba.verify import chains
from hocba.verify.embedded import check_record_data
from hocba.verify.ltv import DOC_TIMESTAMP, judge_document_timestamp, read_embedded_revocation
from hocba.verify.report import (
    Problem,
    Severity,
    SignatureReport,
    Verdict,
    VerificationReport,
    internal_error_report,
    verdict_for,
)
from hocba.verify.signatures import judge_signature

log = logging.getLogger(__name__)
NOT_A_RECORD_FILE = "Tệp không phải là học bạ số dạng PDF hoặc XML."
chains.install()


def verify_pdf(
    data: bytes,
    trust: TrustConfig | None = None,
    *,
    now: dt.datetime | None = None,
    limits: FileLimits | None = None,
) -> VerificationReport:
    """Verify a record PDF against ``trust`` (empty: nothing is trusted → INDETERMINATE).
    Embedded data decoding past ``limits`` gives UNREADABLE, before anything is inflated."""
    return asyncio.run(async_verify_pdf(data, trust, now=now, limits=limits))


async def async_verify_pdf(
    data: bytes,
    trust: TrustConfig | None = None,
    *,
    now: dt.datetime | None = None,
    limits: FileLimits | None = None,
) -> VerificationReport:
    trust = trust or TrustConfig()
    try:
        doc = open_record_pdf(data, limits)
    except DocumentError as exc:
        problem = Problem(exc.code, exc.message_vi)
        return VerificationReport(Verdict.UNREADABLE, problems=(problem,))
    try:
        return await _verify(doc, trust, now)
    except Exception:  # the contract: a report, never an exception
        log.exception("verification failed unexpectedly")
        return internal_error_report()


async def _verify(
    doc: RecordPdf, trust: TrustConfig, now: dt.datetime | None
) -> VerificationReport:
    record_report, record, problems = check_record_data(doc)
    plan = _plan(record, problems)
    if trust.empty:
        problems.append(
            Problem(
                "trust.empty",
                "Chưa có danh sách tin cậy (--trust): không kiểm tra được người ký.",
                Severity.WARNING,
            )
        )
    embedded_data = read_embedded_revocation(doc.reader)
    context = trust.validation_context(moment=now, embedded=embedded_data)
    with chains.cached_chains(context, chains.scope_key(trust, embedded_data, now)):
        signatures = await _judge_all(doc, context, trust, plan, problems)
    problems.extend(_check_plan(plan, signatures))
    return VerificationReport(
        verdict=verdict_for(problems),
        signatures=tuple(signatures),
        record=record_report,
        problems=tuple(problems),
        trust_source=trust.source,
    )


async def _judge_all(
    doc: RecordPdf,
    context: ValidationContext,
    trust: TrustConfig,
    plan: SignaturePlan | None,
    problems: list[Problem],
) -> list[SignatureReport]:
    signatures: list[SignatureReport] = []
    everything = doc.reader.embedded_signatures
    embedded = [sig for sig in everything if sig.sig_object_type != DOC_TIMESTAMP]
    for sig in everything:
        if sig.sig_object_type == DOC_TIMESTAMP:
            problems.extend(await judge_document_timestamp(sig, context, not trust.empty))
    for i, sig in enumerate(embedded):
        judged = await judge_signature(
            sig, last=i == len(embedded) - 1, context=context, have_trust=not trust.empty,
            plan=plan, trust=trust,
        )  # fmt: skip
        signatures.append(judged.report)
        problems.extend(judged.problems)
    return signatures


def _plan(record: Record | None, problems: list[Problem]) -> SignaturePlan | None:
    if record is None:
        return None
    try:
        return SignaturePlan.from_record(record)
    except HocbaError as exc:
        problems.append(Problem("plan.invalid", exc.message_vi))
        return None


def _check_plan(plan: SignaturePlan | None, signatures: list[SignatureReport]) -> list[Problem]:
    """All planned signatures present, in the planned order; the first one certifies."""
    if not signatures:
        return [Problem("plan.unsigned", "Tài liệu chưa có chữ ký số nào.")]
    if plan is None:
        return []
    problems: list[Problem] = []
    planned = [slot.field_name for slot in plan.slots]
    present = [s.field for s in signatures if s.field in planned]
    if present != [f for f in planned if f in present]:
        problems.append(
            Problem(
                "plan.out_of_order", "Các chữ ký không theo thứ tự: GVCN → hiệu trưởng → con dấu."
            )
        )
    missing = [slot.role.label_vi.lower() for slot in plan.slots if slot.field_name not in present]
    if missing:
        problems.append(
            Problem(
                "plan.incomplete", f"Học bạ chưa đủ chữ ký: thiếu chữ ký của {', '.join(missing)}."
            )
        )
    if not signatures[0].certifying:
        problems.append(
            Problem(
                "plan.not_certified",
                "Chữ ký đầu tiên không phải chữ ký chứng thực (DocMDP).",
                Severity.INFO,
            )
        )
    return problems


def verify_document(
    data: bytes, trust_dir: str | None = None, *, limits: FileLimits | None = None
) -> VerificationReport:
    """A presented record (PDF, or its XAdES-signed XML form) against the trust list in
    ``trust_dir`` (None or no such directory: empty). Plain arguments, so it can run in a
    child process (``hocba.sandbox.run_limited``)."""
    from pathlib import Path

    from hocba.verify.xml import looks_like_xml, verify_xml

    where = Path(trust_dir) if trust_dir else None
    trust = TrustConfig.from_dir(where) if where is not None and where.is_dir() else TrustConfig()
    if looks_like_xml(data):
        return verify_xml(data, trust)
    if data and not looks_like_pdf(data):
        problem = Problem("document.not_record_file", NOT_A_RECORD_FILE)
        return VerificationReport(Verdict.UNREADABLE, problems=(problem,))
    return verify_pdf(data, trust, limits=limits)
