"""``verify_xml(data, trust) -> VerificationReport``: judge a signed record XML offline.

Each ``ds:Signature`` (see ``hocba.signing.xades``) is checked with signxml's verifier over
the document as it was when signed (the later signatures removed), its certificate against
the trust list and CRLs (pyhanko-certvalidator), its RFC 3161 token against its canonical
SignatureValue, its signer against the plan; the record itself (the XML minus signatures)
must be schema-valid, and its ``record_digest`` is reported (equal to the PDF's).
Never raises.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import logging

from asn1crypto import cms, x509
from cryptography import x509 as pyca_x509
from lxml import etree
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import PathValidationError, RevokedError
from signxml import SignatureConfiguration, XMLVerifier

from hocba.errors import HocbaError
from hocba.signing.demo import is_demo_certificate
from hocba.signing.identity import common_name, signer_mismatch
from hocba.signing.plan import SignaturePlan
from hocba.signing.trust import TrustConfig
from hocba.signing.xades import ds, parse_xml, signatures_of, unsigned_record, xa
from hocba.spec import record_digest
from hocba.spec.roles import SignerRole
from hocba.spec.xml import NS
from hocba.verify.report import (
    Problem,
    RecordReport,
    Revocation,
    Severity,
    SignatureReport,
    Verdict,
    VerificationReport,
    internal_error_report,
    verdict_for,
)

log = logging.getLogger(__name__)
_ROLE_BY_FIELD = {role.field_name: role for role in SignerRole}
_CONFIG = SignatureConfiguration(location="./", expect_references=2)


def looks_like_xml(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def verify_xml(
    data: bytes, trust: TrustConfig | None = None, *, now: dt.datetime | None = None
) -> VerificationReport:
    return asyncio.run(async_verify_xml(data, trust, now=now))


async def async_verify_xml(
    data: bytes, trust: TrustConfig | None = None, *, now: dt.datetime | None = None
) -> VerificationReport:
    trust = trust or TrustConfig()
    try:
        root = parse_xml(data)
    except HocbaError as exc:
        return VerificationReport(Verdict.UNREADABLE, problems=(Problem(exc.code, exc.message_vi),))
    if root.tag != f"{{{NS}}}record":
        message = "Tệp không phải học bạ số (PDF hoặc XML theo lược đồ hocba)."
        problem = Problem("document.not_record", message)
        return VerificationReport(Verdict.UNREADABLE, problems=(problem,))
    try:
        return await _verify(data, root, trust, now)
    except Exception:  # the contract: a report, never an exception
        log.exception("XML verification failed unexpectedly")
        return internal_error_report()


async def _verify(
    data: bytes, root: etree._Element, trust: TrustConfig, now: dt.datetime | None
) -> VerificationReport:
    problems: list[Problem] = []
    plan: SignaturePlan | None = None
    try:
        _, record = unsigned_record(root)
    except HocbaError as exc:
        record = None
        report = RecordReport(present=True)
        problems.append(
            Problem("data.schema_invalid", f"Dữ liệu học bạ XML không hợp lệ: {exc.message_vi}")
        )
    else:
        report = RecordReport(
            present=True, schema_valid=True, digest=record_digest(record),
            record_id=record.record_id, version=record.version,
            school_year=record.school_year, student=record.student.full_name,
            school=record.school.name,
        )  # fmt: skip
        try:
            plan = SignaturePlan.from_record(record)
        except HocbaError as exc:
            problems.append(Problem("plan.invalid", exc.message_vi))
    if trust.empty:
        problems.append(
            Problem(
                "trust.empty",
                "Chưa có danh sách tin cậy (--trust): không kiểm tra được người ký.",
                Severity.WARNING,
            )
        )
    context = trust.validation_context(moment=now)
    signatures: list[SignatureReport] = []
    for i, sig in enumerate(signatures_of(root)):
        judged, found = await _judge(data, i, sig, trust, context, plan)
        signatures.append(judged)
        problems.extend(found)
    problems.extend(_check_plan(plan, signatures))
    return VerificationReport(
        verdict=verdict_for(problems), signatures=tuple(signatures), record=report,
        problems=tuple(problems), trust_source=trust.source,
    )  # fmt: skip


def _certificates(sig: etree._Element) -> list[x509.Certificate]:
    return [
        x509.Certificate.load(base64.b64decode(el.text or ""))
        for el in sig.iterfind(f"{ds('KeyInfo')}/{ds('X509Data')}/{ds('X509Certificate')}")
    ]


async def _judge(
    data: bytes, index: int, sig: etree._Element, trust: TrustConfig, context, plan
) -> tuple[SignatureReport, list[Problem]]:
    field = sig.get("Id") or f"signature-{index + 1}"
    role = _ROLE_BY_FIELD.get(field)
    problems: list[Problem] = []
    try:
        certs = _certificates(sig)
        cert = certs[0]
    except (ValueError, IndexError, TypeError):
        problems.append(
            Problem("signature.unreadable", "Chữ ký số bị hỏng, không đọc được.", field=field)
        )
        report = SignatureReport(
            field=field, role=role, signer="", issuer="", signing_time=None, timestamp_time=None,
            intact=False, valid=False, trusted=False, revocation=Revocation.UNKNOWN,
            certifying=False, modification_level="unknown",
        )  # fmt: skip
        return report, problems
    # the document as it was signed: later signatures removed, this one first (signxml's
    # verifier takes the first ds:Signature; the enveloped transform removes it anyway)
    copy = parse_xml(data)
    mine = signatures_of(copy)
    for later in mine[index + 1 :]:
        copy.remove(later)
    me = mine[index]
    copy.remove(me)
    copy.insert(0, me)
    intact = True
    try:
        results = XMLVerifier().verify(
            copy, x509_cert=pyca_x509.load_der_x509_certificate(cert.dump()), expect_config=_CONFIG
        )
        props = me.find(f".//{xa('SignedProperties')}")
        covered = {r.signed_xml.get("Id") for r in results  # type: ignore[union-attr]
                   if r.signed_xml.tag == xa("SignedProperties")}  # fmt: skip
        uris = [r.get("URI") for r in me.iterfind(f"{ds('SignedInfo')}/{ds('Reference')}")]
        whole = any(r.signed_xml.tag == f"{{{NS}}}record" for r in results)  # type: ignore[union-attr]
        if props is None or props.get("Id") not in covered or not whole or "" not in uris:
            intact = False
    except Exception as exc:  # signxml raises InvalidSignature/InvalidInput and friends
        log.info("XML signature %s does not verify: %r", field, exc)
        intact = False
    if not intact:
        problems.append(
            Problem(
                "signature.modified",
                "Nội dung đã bị thay đổi sau khi ký: chữ ký không còn khớp với tài liệu.",
                field=field,
            )
        )
    cert_digest = me.findtext(f".//{xa('SigningCertificateV2')}//{ds('DigestValue')}")
    if cert_digest != base64.b64encode(hashlib.sha256(cert.dump()).digest()).decode():
        problems.append(
            Problem(
                "signature.invalid", "Chứng thư số ký không khớp SigningCertificateV2.", field=field
            )
        )
    who = f"“{common_name(cert)}”"
    trusted, revocation = False, Revocation.UNKNOWN
    if not trust.empty:
        validator = CertificateValidator(
            cert, intermediate_certs=certs[1:], validation_context=context
        )
        try:
            await validator.async_validate_usage(set())
            trusted, revocation = True, Revocation.GOOD
        except RevokedError:
            revocation = Revocation.REVOKED
            problems.append(
                Problem("signature.revoked", f"Chứng thư số của {who} đã bị thu hồi.", field=field)
            )
        except PathValidationError as exc:
            log.info("XML signer %s not validated: %r", field, exc)
            problems.append(
                Problem(
                    "signature.untrusted",
                    f"Chứng thư số của {who} không được xác nhận theo danh sách tin cậy.",
                    field=field,
                )
            )
        except Exception as exc:  # PathBuildingError and others: no chain to a trusted root
            log.info("XML signer %s untrusted: %r", field, exc)
            problems.append(
                Problem(
                    "signature.untrusted",
                    f"Chứng thư số của {who} không thuộc danh sách tin cậy.",
                    field=field,
                )
            )
    ts_time = await _timestamp(me, context, problems, field, have_trust=not trust.empty)
    signing_time = None
    text = me.findtext(f".//{xa('SigningTime')}")
    if text:
        with contextlib.suppress(ValueError):
            signing_time = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    demo = is_demo_certificate(cert)
    if demo:
        problems.append(
            Problem(
                "signature.demo_certificate",
                "Chứng thư số DEMO (chỉ để thử nghiệm, không có giá trị pháp lý).",
                Severity.INFO,
                field,
            )
        )
    slot = plan.slot_for_field(field) if plan is not None else None
    if plan is not None and slot is None:
        problems.append(
            Problem(
                "signature.unplanned",
                f"Chữ ký “{field}” không có trong kế hoạch ký của học bạ.",
                field=field,
            )
        )
    elif slot is not None:
        reason = signer_mismatch(cert, slot.role, slot.signer_name)
        if reason is not None:
            problems.append(Problem("signature.wrong_signer", reason, field=field))
    report = SignatureReport(
        field=field, role=role, signer=common_name(cert),
        issuer=cert.issuer.native.get("common_name", "") or cert.issuer.human_friendly,
        signing_time=signing_time, timestamp_time=ts_time, intact=intact, valid=intact,
        trusted=trusted, revocation=revocation, certifying=index == 0,
        modification_level="none" if intact else "other", demo=demo,
    )  # fmt: skip
    return report, problems


async def _timestamp(me, context, problems: list[Problem], field: str, *, have_trust: bool):
    value = me.find(ds("SignatureValue"))
    token_text = me.findtext(f".//{xa('SignatureTimeStamp')}/{xa('EncapsulatedTimeStamp')}")
    if not token_text or value is None:
        message = "Chữ ký không có dấu thời gian (RFC 3161); yêu cầu tối thiểu XAdES-T."
        problems.append(Problem("signature.no_timestamp", message, Severity.WARNING, field))
        return None
    imprint = etree.tostring(value, method="c14n", exclusive=True, with_comments=False)
    try:
        token = cms.ContentInfo.load(base64.b64decode(token_text))
        kwargs = await validate_tst_signed_data(
            token["content"], context, lambda algo: hashlib.new(algo, imprint).digest()
        )
        status = TimestampSignatureStatus(**kwargs)
    except Exception as exc:
        log.info("XML timestamp %s unreadable: %r", field, exc)
        problems.append(
            Problem("signature.timestamp_invalid", "Dấu thời gian không hợp lệ.", field=field)
        )
        return None
    if not (status.intact and status.valid):
        problems.append(
            Problem("signature.timestamp_invalid", "Dấu thời gian không hợp lệ.", field=field)
        )
        return None
    if not status.trusted and have_trust:
        message = "Dấu thời gian do đơn vị không thuộc danh sách tin cậy cấp."
        problems.append(Problem("signature.timestamp_untrusted", message, Severity.WARNING, field))
    return status.timestamp


def _check_plan(plan: SignaturePlan | None, signatures: list[SignatureReport]) -> list[Problem]:
    if not signatures:
        return [Problem("plan.unsigned", "Tài liệu chưa có chữ ký số nào.")]
    if plan is None:
        return []
    problems: list[Problem] = []
    planned = [slot.field_name for slot in plan.slots]
    present = [s.field for s in signatures if s.field in planned]
    if present != [f for f in planned if f in present] or len(present) != len(set(present)):
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
    return problems


def compare_pair(pdf: VerificationReport, xml: VerificationReport) -> VerificationReport:
    """The XML report, judged together with the PDF of the same record: both VALID and the
    same record digest, else INVALID with the reason."""
    problems = list(xml.problems)
    if pdf.verdict is not Verdict.VALID:
        problems.append(Problem("pair.pdf_not_valid", f"Bản PDF đi kèm: {pdf.verdict.label_vi}."))
    if pdf.record.digest is None or pdf.record.digest != xml.record.digest:
        problems.append(
            Problem(
                "pair.digest_mismatch",
                "Bản PDF và bản XML không cùng dữ liệu học bạ (mã băm khác nhau).",
            )
        )
    verdict = verdict_for(problems) if xml.verdict is not Verdict.UNREADABLE else xml.verdict
    return VerificationReport(
        verdict=verdict, signatures=xml.signatures, record=xml.record, problems=tuple(problems),
        trust_source=xml.trust_source,
    )  # fmt: skip
