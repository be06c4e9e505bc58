"""PAdES B-LT/B-LTA: revocation data embedded, document timestamps, refresh when due."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from hocba.signing.errors import SigningError
from hocba.signing.ltv import (
    add_validation_info,
    archive,
    newest_timestamp,
    refresh,
    sign_all_lta,
    timestamps_of,
)
from hocba.signing.trust import TrustConfig
from hocba.verify import Verdict, verify_pdf


@pytest.fixture(scope="module")
def lta_pdf(signed_pdf, pki, tsa):
    return archive(signed_pdf, pki.trust(), tsa)


def test_b_lt_embeds_chains_and_crls_keeping_signatures_valid(signed_pdf, pki):
    lt = add_validation_info(signed_pdf, pki.trust())
    assert lt.startswith(signed_pdf)  # an incremental update: earlier bytes untouched
    dss = DocumentSecurityStore.read_dss(PdfFileReader(BytesIO(lt)))
    assert len(dss.crls) == 2 and len(list(dss.load_certs())) >= 6
    assert verify_pdf(lt, pki.trust()).verdict is Verdict.VALID


def test_b_lta_adds_a_document_timestamp(signed_pdf, lta_pdf, pki):
    assert lta_pdf.startswith(signed_pdf)
    reader = PdfFileReader(BytesIO(lta_pdf))
    kinds = [s.sig_object_type for s in reader.embedded_signatures]
    assert kinds.count("/DocTimeStamp") == 1 and len(kinds) == 4
    assert len(timestamps_of(lta_pdf)) == 4
    report = verify_pdf(lta_pdf, pki.trust())
    assert report.verdict is Verdict.VALID, report.problems
    assert len(report.signatures) == 3


def test_archiving_twice_keeps_everything_valid(lta_pdf, pki, tsa):
    again = archive(lta_pdf, pki.trust(), tsa)
    assert again.startswith(lta_pdf)
    assert verify_pdf(again, pki.trust()).verdict is Verdict.VALID


def test_refresh_only_when_the_newest_timestamp_is_old(lta_pdf, pki, tsa):
    newest = newest_timestamp(lta_pdf)
    assert newest is not None
    week = dt.timedelta(days=7)
    assert refresh(lta_pdf, pki.trust(), tsa, older_than=week, now=newest + week / 2) is None
    later = refresh(lta_pdf, pki.trust(), tsa, older_than=week, now=newest + 2 * week)
    assert later is not None and len(timestamps_of(later)) == 5


def test_archive_needs_a_trust_list_and_a_signature(record_pdf, signed_pdf, pki, tsa):
    with pytest.raises(SigningError) as exc:
        archive(signed_pdf, TrustConfig(), tsa)
    assert exc.value.code == "archive.no_trust"
    with pytest.raises(SigningError) as exc:
        archive(record_pdf, pki.trust(), tsa)
    assert exc.value.code == "archive.unsigned"


def test_sign_all_lta_signs_and_archives_in_one_call(record_pdf, role_signers, pki, tsa):
    pdf = sign_all_lta(record_pdf, role_signers, tsa, trust=pki.trust())
    kinds = [s.sig_object_type for s in PdfFileReader(BytesIO(pdf)).embedded_signatures]
    assert kinds == ["/Sig", "/Sig", "/Sig", "/DocTimeStamp"]
    assert verify_pdf(pdf, pki.trust()).verdict is Verdict.VALID
