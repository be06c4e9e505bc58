"""Long-term validation data in a record (PAdES B-LT/B-LTA): the DSS read as revocation
evidence for offline verification, and the document timestamps judged."""

from __future__ import annotations

import logging

from asn1crypto import crl, ocsp
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext

from hocba.signing.trust import EmbeddedRevocationData
from hocba.verify.report import Problem, Severity

log = logging.getLogger(__name__)
DOC_TIMESTAMP = "/DocTimeStamp"


def read_embedded_revocation(reader: PdfFileReader) -> EmbeddedRevocationData:
    """Certificates, CRLs and OCSP responses of the document security store (none: empty)."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        certs = tuple(dss.load_certs())
        crls = tuple(crl.CertificateList.load(ref.get_object().data) for ref in dss.crls)
        ocsps = tuple(ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss.ocsps)
    except NoDSSFoundError:
        return EmbeddedRevocationData()
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        log.info("unreadable DSS ignored: %r", exc)
        return EmbeddedRevocationData()
    return EmbeddedRevocationData(certs, crls, ocsps)


async def judge_document_timestamp(
    sig: EmbeddedPdfSignature, context: ValidationContext, have_trust: bool
) -> list[Problem]:
    """A document timestamp (B-LTA) must be intact and valid; its TSA trusted."""
    field = str(sig.field_name)
    try:
        status = await async_validate_pdf_timestamp(sig, validation_context=context)
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        log.info("document timestamp %s unreadable: %r", field, exc)
        status = None
    if status is None or not (status.intact and status.valid):
        message = "Dấu thời gian lưu trữ (document timestamp) bị hỏng hoặc không khớp tài liệu."
        return [Problem("document_timestamp.invalid", message, field=field)]
    if have_trust and not status.trusted:
        message = "Dấu thời gian lưu trữ do đơn vị không thuộc danh sách tin cậy cấp."
        return [Problem("document_timestamp.untrusted", message, Severity.WARNING, field)]
    return []
