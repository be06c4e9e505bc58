"""Applying one planned PAdES B-T signature to a record PDF (DOMAIN §7).

``apply_signature(pdf, slot, signer, timestamper)`` first checks everything — the document's
own plan and data, the signing order, the field, the certificate (planned person and role,
validity period, revocation, demo marking) — and only then writes an incremental update:
- the first slot certifies the document with DocMDP "form filling allowed";
- later slots are approval signatures into their pre-declared fields,
so no later signature ever breaks an earlier one. Each signature carries an RFC 3161
timestamp (B-T). A refused or failed signature leaves the input bytes unchanged (it returns
new bytes; the caller's input is never modified).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from io import BytesIO

from asn1crypto import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.stamp import TextStampStyle

from hocba.errors import InvalidRecord
from hocba.signing.backends import Signer
from hocba.signing.demo import is_demo_certificate, is_production
from hocba.signing.document import RecordPdf, open_record_pdf
from hocba.signing.errors import CertificateError, PlanError, SigningError, TimestampError
from hocba.signing.identity import common_name, signer_mismatch
from hocba.signing.plan import SignaturePlan, SignatureSlot
from hocba.signing.trust import TrustConfig
from hocba.signing.tsa import token_budget
from hocba.spec import Record, load_record
from hocba.spec.roles import SignerRole

log = logging.getLogger(__name__)
MD_ALGORITHM = "sha256"
VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7), "GMT+7")
# The visible stamp in each field: the template prints the signer's name and title; the stamp
# adds the signing time. pyHanko's built-in font covers Latin-1 only ("Ký ngày" fits; an
# embedded OpenType font would cost ~180 ms per signature to subset).
_STAMP = TextStampStyle(stamp_text="Ký ngày %(when)s", border_width=0)


class _SigningWriter(IncrementalPdfFileWriter):
    """Leaves the document metadata as rendered: pyHanko would otherwise re-parse and rewrite
    the XMP packet (ModDate) on every signature (~3 ms), and Info and XMP stay consistent
    (PDF/A) when neither changes."""

    def _update_meta(self) -> None:
        return None


@dataclass(frozen=True)
class PlannedDocument:
    """A record PDF with its embedded record and signature plan, checked for consistency."""

    pdf: RecordPdf
    record: Record
    plan: SignaturePlan


def read_plan(pdf: bytes | RecordPdf) -> PlannedDocument:
    """Read the embedded record and its plan; refuse a document whose data does not match."""
    doc = pdf if isinstance(pdf, RecordPdf) else open_record_pdf(pdf)
    raw = doc.record_json
    if raw is None:
        raise PlanError(
            "Tệp PDF không đính kèm dữ liệu học bạ (record.json).", code="signing.no_record"
        )
    try:
        record = load_record(raw)
    except InvalidRecord as exc:
        raise PlanError(
            f"Dữ liệu học bạ đính kèm không hợp lệ: {exc.message_vi}",
            detail=exc.detail,
            code="signing.invalid_record",
        ) from exc
    token = doc.token
    digest = hashlib.sha256(raw).hexdigest()
    if token is None or token.digest != digest:
        raise PlanError(
            "Mã QR (từ khoá của tệp PDF) không khớp với dữ liệu học bạ đính kèm.",
            code="signing.data_mismatch",
        )
    if (token.record_id, token.version) != (record.record_id, record.version):
        raise PlanError(
            "Mã học bạ hoặc phiên bản trong mã QR khác với dữ liệu đính kèm.",
            code="signing.data_mismatch",
        )
    return PlannedDocument(doc, record, SignaturePlan.from_record(record))


def check_order(doc: RecordPdf, plan: SignaturePlan, slot: SignatureSlot) -> None:
    """The field exists, is empty, and exactly the earlier slots are signed, in order."""
    if slot.field_name not in doc.fields:
        raise PlanError(
            f"Tệp PDF không có ô chữ ký “{slot.field_name}” cho {slot.role.label_vi.lower()}.",
            code="signing.field_missing",
        )
    if slot.field_name in doc.signed:
        raise PlanError(
            f"Ô chữ ký của {slot.role.label_vi.lower()} đã được ký.",
            code="signing.field_already_signed",
        )
    expected = tuple(s.field_name for s in plan.slots[: slot.position])
    if doc.signed != expected:
        missing = [s.role.label_vi.lower() for s in plan.slots[: slot.position]
                   if s.field_name not in doc.signed]  # fmt: skip
        why = f"chưa có chữ ký của {', '.join(missing)}" if missing else "sai thứ tự ký"
        raise PlanError(
            f"Chưa đến lượt {slot.role.label_vi.lower()} ký: {why}. Thứ tự ký: "
            + " → ".join(s.role.label_vi.lower() for s in plan.slots)
            + ".",
            code="signing.out_of_order",
        )


def signer_chain(signer: Signer) -> list[x509.Certificate]:
    """The certificates a backend's pyHanko signer would embed (its chain), if it says."""
    registry = getattr(getattr(signer, "pyhanko_signer", None), "cert_registry", None)
    return list(registry) if registry is not None else []


def check_certificate(
    signer: Signer,
    slot: SignatureSlot,
    *,
    trust: TrustConfig | None = None,
    now: dt.datetime | None = None,
) -> None:
    """The certificate names the planned signer, is valid now, not revoked, not demo in prod."""
    cert = signer.certificate
    reason = signer_mismatch(cert, slot.role, slot.signer_name)
    if reason is not None:
        raise CertificateError(reason, code="signing.wrong_signer")
    now = now or dt.datetime.now(dt.UTC)
    validity = cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if now > not_after:
        raise CertificateError(
            f"Chứng thư số của “{common_name(cert)}” đã hết hạn ngày {not_after:%d/%m/%Y}.",
            code="signing.certificate_expired",
        )
    if now < not_before:
        raise CertificateError(
            f"Chứng thư số của “{common_name(cert)}” chưa có hiệu lực "
            f"(từ ngày {not_before:%d/%m/%Y}).",
            code="signing.certificate_not_yet_valid",
        )
    revoked = trust.revocation(cert) if trust is not None else None
    if revoked is not None and revoked.revoked_at <= now:
        raise CertificateError(
            f"Chứng thư số của “{common_name(cert)}” đã bị thu hồi "
            f"ngày {revoked.revoked_at:%d/%m/%Y}.",
            code="signing.certificate_revoked",
        )
    if trust is not None and not trust.issuer_allowed(slot.role, cert, signer_chain(signer)):
        raise CertificateError(
            f"Chứng thư số của “{common_name(cert)}” không do CA được phép cấp cho "
            f"{slot.role.label_vi.lower()} (ràng buộc trong danh sách tin cậy).",
            code="signing.issuer_not_allowed",
        )
    if is_production() and is_demo_certificate(cert):
        raise CertificateError(
            "Chứng thư số demo không có giá trị pháp lý; không được ký khi HOCBA_ENV=production.",
            code="signing.demo_certificate",
        )


async def async_apply_signature(
    pdf: bytes,
    slot: SignatureSlot,
    signer: Signer,
    timestamper: timestamps.TimeStamper,
    *,
    trust: TrustConfig | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """Check, then sign ``slot`` of ``pdf``; returns the signed bytes (B-T)."""
    planned = read_plan(pdf)
    if planned.plan.slot(slot.role) != slot:
        raise PlanError(
            "Ô chữ ký được yêu cầu không thuộc kế hoạch ký của học bạ này.",
            code="signing.plan_mismatch",
        )
    check_order(planned.pdf, planned.plan, slot)
    check_certificate(signer, slot, trust=trust, now=now)
    return await _write(pdf, planned, slot, signer, timestamper, reuse_reader=True)


def pdf_signer_for(
    planned: PlannedDocument,
    slot: SignatureSlot,
    pyhanko_signer: signers.Signer,
    timestamper: timestamps.TimeStamper | None,
) -> tuple[signers.PdfSigner, dict[str, str]]:
    """The pyHanko signer of ``slot`` (metadata, DocMDP, stamp) and the stamp's text
    parameters; shared by one-by-one and batch signing so both write the same signature."""
    meta = signers.PdfSignatureMetadata(
        field_name=slot.field_name,
        md_algorithm=MD_ALGORITHM,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=f"{slot.role.label_vi} ký xác nhận học bạ",
        location=planned.plan.location,
        name=slot.signer_name,
        certify=slot.certify,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
    )
    pdf_signer = signers.PdfSigner(
        meta, pyhanko_signer, timestamper=timestamper, stamp_style=_STAMP
    )
    when = dt.datetime.now(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M (GMT+7)")
    return pdf_signer, {"when": when}


async def _write(
    pdf: bytes,
    planned: PlannedDocument,
    slot: SignatureSlot,
    signer: Signer,
    timestamper: timestamps.TimeStamper,
    *,
    reuse_reader: bool,
) -> bytes:
    """Write the (already checked) signature of ``slot`` as an incremental update."""
    reserve = _reserve(signer, timestamper)
    for attempt in range(2):
        # the writer edits objects in the reader's cache: a retry parses afresh
        writer = (
            _SigningWriter.from_reader(planned.pdf.reader)
            if reuse_reader and attempt == 0
            else _SigningWriter(BytesIO(pdf))
        )
        pdf_signer, text_params = pdf_signer_for(planned, slot, signer.pyhanko_signer, timestamper)
        try:
            out = await pdf_signer.async_sign_pdf(
                writer,
                existing_fields_only=True,
                bytes_reserved=reserve,
                appearance_text_params=text_params,
            )
        except timestamps.TimestampRequestError as exc:
            raise TimestampError(
                "Không lấy được dấu thời gian từ máy chủ TSA.", detail=f"TSA failed: {exc}"
            ) from exc
        except (TimeoutError, OSError) as exc:
            raise TimestampError(
                "Không kết nối được máy chủ cấp dấu thời gian (TSA).", detail=f"TSA: {exc!r}"
            ) from exc
        except PyHankoSigningError as exc:
            if "larger than expected" in str(exc) and attempt == 0:
                log.warning("signature larger than the %d bytes reserved; retrying", reserve)
                reserve *= 2
                continue
            raise SigningError("Không ký được tệp PDF.", detail=f"pyHanko: {exc}") from exc
        return out.getvalue()
    raise AssertionError("unreachable")  # pragma: no cover


def apply_signature(
    pdf: bytes,
    slot: SignatureSlot,
    signer: Signer,
    timestamper: timestamps.TimeStamper,
    *,
    trust: TrustConfig | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """Synchronous ``async_apply_signature``."""
    return asyncio.run(async_apply_signature(pdf, slot, signer, timestamper, trust=trust, now=now))


async def async_sign_record(
    pdf: bytes,
    role: SignerRole,
    signer: Signer,
    timestamper: timestamps.TimeStamper,
    *,
    trust: TrustConfig | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """Sign the slot of ``role`` in the record's own plan."""
    slot = read_plan(pdf).plan.slot(role)
    return await async_apply_signature(pdf, slot, signer, timestamper, trust=trust, now=now)


def sign_record(
    pdf: bytes,
    role: SignerRole,
    signer: Signer,
    timestamper: timestamps.TimeStamper,
    *,
    trust: TrustConfig | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    return asyncio.run(async_sign_record(pdf, role, signer, timestamper, trust=trust, now=now))


async def async_sign_all(
    pdf: bytes,
    signers_by_role: Mapping[SignerRole, Signer],
    timestamper: timestamps.TimeStamper,
    *,
    trust: TrustConfig | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """Apply every remaining planned signature in order (demo, tests, one-person setups).

    All slots and certificates are checked before the first signature is written, so the
    result is all remaining signatures or none."""
    planned = read_plan(pdf)
    todo = [s for s in planned.plan.slots if s.field_name not in planned.pdf.signed]
    signed = planned.pdf.signed
    for slot in todo:
        if slot.role not in signers_by_role:
            raise PlanError(
                f"Thiếu khoá ký cho {slot.role.label_vi.lower()}.", code="signing.missing_signer"
            )
        check_order(replace(planned.pdf, signed=signed), planned.plan, slot)
        check_certificate(signers_by_role[slot.role], slot, trust=trust, now=now)
        signed = (*signed, slot.field_name)
    for i, slot in enumerate(todo):
        pdf = await _write(
            pdf, planned, slot, signers_by_role[slot.role], timestamper, reuse_reader=i == 0
        )
    return pdf


def sign_all(
    pdf: bytes,
    signers_by_role: Mapping[SignerRole, Signer],
    timestamper: timestamps.TimeStamper,
    *,
    trust: TrustConfig | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    return asyncio.run(async_sign_all(pdf, signers_by_role, timestamper, trust=trust, now=now))


def reserve_size(chain_size: int, timestamper: timestamps.TimeStamper) -> int:
    """Fixed /Contents size in hex digits for a signer whose chain has ``chain_size`` bytes."""
    estimate = chain_size + 1024 + 1536 + token_budget(timestamper)
    return 2 * (estimate // 1024 + 1) * 1024


def _reserve(signer: Signer, timestamper: timestamps.TimeStamper) -> int:
    """Fixed /Contents size in hex digits (pyHanko's unit): twice the DER estimate of chain +
    signature + attributes + timestamp token, rounded up to 1 KiB."""
    return reserve_size(signer.chain_size, timestamper)
