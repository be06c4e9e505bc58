"""Independent tools agree: poppler's ``pdfsig`` (NSS) and pyHanko's own validation accept
every signature of a signed record, and reject a tampered one as ``hocba verify`` does."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from hocba.render import render_pdf
from hocba.signing.pades import sign_all
from hocba.spec import SignerRole
from hocba.verify import Verdict, verify_pdf
from tests.pki_fixtures import change_signed_bytes
from tests.tools import require


def pdfsig_integrity(pdf: bytes, tmp_path: Path) -> list[str]:
    """One line per signature: pdfsig's 'Signature Validation' verdict (integrity only)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [require("pdfsig"), "-nocert", str(path)], capture_output=True, text=True, check=False
    ).stdout
    return [
        line.split(":", 1)[1].strip() for line in out.splitlines() if "Signature Validation" in line
    ]


def pyhanko_statuses(pdf: bytes, pki) -> list:
    reader = PdfFileReader(BytesIO(pdf))
    context = pki.trust().validation_context
    return [
        validate_pdf_signature(sig, signer_validation_context=context())
        for sig in reader.embedded_signatures
    ]


def test_pdfsig_finds_every_signature_of_a_signed_record_valid(signed_pdf, tmp_path, pki):
    assert pdfsig_integrity(signed_pdf, tmp_path) == ["Signature is Valid."] * 3
    assert all(st.bottom_line for st in pyhanko_statuses(signed_pdf, pki))


def test_pdfsig_and_hocba_both_reject_changed_bytes(signed_pdf, tmp_path, pki):
    forged = change_signed_bytes(signed_pdf)
    assert all("Valid" not in line for line in pdfsig_integrity(forged, tmp_path))
    assert not any(st.intact for st in pyhanko_statuses(forged, pki))
    assert verify_pdf(forged, pki.trust()).verdict is Verdict.INVALID


def test_a_rendered_record_signs_and_verifies(record, role_signers, tsa, pki, tmp_path):
    pdf = sign_all(render_pdf(record), role_signers, tsa, trust=pki.trust())
    report = verify_pdf(pdf, pki.trust())
    assert report.verdict is Verdict.VALID, report.problems
    assert [s.role for s in report.signatures] == list(SignerRole)
    assert pdfsig_integrity(pdf, tmp_path) == ["Signature is Valid."] * 3
    assert all(st.bottom_line for st in pyhanko_statuses(pdf, pki))
