"""Offline verification of B-LT/B-LTA records: the embedded revocation data suffices, a
revoked signer stays INVALID, a non-LTV change after archiving is still caught."""

from __future__ import annotations

import shutil
import socket
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from hocba.signing.ltv import add_validation_info, archive
from hocba.signing.pades import apply_signature, read_plan, sign_all
from hocba.spec import SignerRole
from hocba.verify import Revocation, Severity, Verdict, load_trust, verify_pdf
from tests.pki_fixtures import TEACHER, append_update


@pytest.fixture(scope="module")
def roots_only(pki, tmp_path_factory):
    """A trust directory with the root only: no CRL, nothing else."""
    where = tmp_path_factory.mktemp("roots-only")
    shutil.copy(pki.trust_dir / "root-ca.pem", where / "root-ca.pem")
    trust = load_trust(where)
    assert trust.roots and not trust.crls and not trust.certs
    return trust


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails, as on an offline machine."""

    def refuse(*args, **kwargs):
        raise OSError("network unavailable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def _errors(report) -> set[str]:
    return {p.code for p in report.problems if p.severity is Severity.ERROR}


def test_b_t_without_crls_is_not_valid(signed_pdf, roots_only, no_network):
    assert verify_pdf(signed_pdf, roots_only).verdict is not Verdict.VALID


def test_b_lt_verifies_offline_without_crls(signed_pdf, pki, roots_only, no_network):
    report = verify_pdf(add_validation_info(signed_pdf, pki.trust()), roots_only)
    assert report.verdict is Verdict.VALID, report.problems
    assert all(s.revocation is Revocation.GOOD for s in report.signatures)


def test_b_lta_verifies_offline_without_crls(signed_pdf, pki, tsa, roots_only, no_network):
    report = verify_pdf(archive(signed_pdf, pki.trust(), tsa), roots_only)
    assert report.verdict is Verdict.VALID, report.problems


def test_a_revoked_teacher_stays_invalid_offline(
    record_pdf, pki, role_signers, tsa, roots_only, no_network
):
    revoked = pki.load_signer(SignerRole.GVCN, TEACHER, revoked=True)
    slot = read_plan(record_pdf).plan.slot(SignerRole.GVCN)
    pdf = apply_signature(record_pdf, slot, revoked, tsa)  # no trust list: not checked
    pdf = archive(sign_all(pdf, role_signers, tsa), pki.trust(), tsa)
    report = verify_pdf(pdf, roots_only)
    assert report.verdict is Verdict.INVALID and "signature.revoked" in _errors(report)
    assert report.signatures[0].revocation is Revocation.REVOKED


def test_a_content_change_after_archiving_is_invalid(signed_pdf, pki, tsa):
    lta = archive(signed_pdf, pki.trust(), tsa)

    def change(writer):
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        page["/Rotate"] = generic.NumberObject(90)
        writer.update_container(page)

    report = verify_pdf(append_update(lta, change), pki.trust())
    assert report.verdict is Verdict.INVALID
    assert "document.modified_after_signing" in _errors(report)


def test_a_broken_document_timestamp_is_invalid(signed_pdf, pki, tsa):
    lta = archive(signed_pdf, pki.trust(), tsa)
    doc_ts = PdfFileReader(BytesIO(lta)).embedded_signatures[-1]
    assert doc_ts.sig_object_type == "/DocTimeStamp"
    _, end_first, start_second, _ = doc_ts.byte_range
    at = end_first + 400
    assert at < start_second
    digit = b"0" if lta[at : at + 1] != b"0" else b"1"
    report = verify_pdf(lta[:at] + digit + lta[at + 1 :], pki.trust())
    assert report.verdict is Verdict.INVALID
    assert "document_timestamp.invalid" in _errors(report)
