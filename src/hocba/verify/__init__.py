"""Verification of signed record PDFs: a ``VerificationReport``, never an exception.

from hocba.verify import load_trust, verify_pdf
report = verify_pdf(pdf_bytes, load_trust("var/pki/trust"))
report.verdict, report.signatures, report.record.digest, report.problems
"""

from hocba.verify.pdf import async_verify_pdf, verify_pdf
from hocba.verify.report import (
    Problem,
    RecordReport,
    Revocation,
    Severity,
    SignatureReport,
    Verdict,
    VerificationReport,
)
from hocba.verify.trust import TrustConfig, load_trust

__all__ = [
    "Problem",
    "RecordReport",
    "Revocation",
    "Severity",
    "SignatureReport",
    "TrustConfig",
    "Verdict",
    "VerificationReport",
    "async_verify_pdf",
    "load_trust",
    "verify_pdf",
]
