"""Signing a record: GVCN certifies, principal and seal approve into their fields, each B-T;
every refusal happens before anything is written (DOMAIN §7)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import validate_pdf_signature

from hocba.signing.backends import Pkcs12Signer
from hocba.signing.errors import CertificateError, PlanError
from hocba.signing.pades import apply_signature, read_plan, sign_all, sign_record
from hocba.signing.pki import issue_signer
from hocba.signing.tsa import LocalTimestamper, TsaServer, http_timestamper
from hocba.spec import SignerRole
from tests.builders import primary_record
from tests.pki_fixtures import TEACHER, make_record_pdf, qr_token

GVCN, PRINCIPAL, SEAL = SignerRole


def _statuses(pdf: bytes, pki):
    reader = PdfFileReader(BytesIO(pdf))
    return [
        validate_pdf_signature(sig, signer_validation_context=pki.trust().validation_context())
        for sig in reader.embedded_signatures
    ], reader


def _refusal(exc_type, code, pdf, *args, **kwargs):
    with pytest.raises(exc_type) as err:
        sign_record(pdf, *args, **kwargs)
    assert err.value.code == code, err.value.message_vi
    return err.value


def test_three_signatures_in_plan_order_none_breaks_an_earlier_one(signed_pdf, pki):
    statuses, reader = _statuses(signed_pdf, pki)
    assert [s.field_name for s in reader.embedded_signatures] == [
        "Sig_GVCN", "Sig_Principal", "Sig_SchoolSeal",
    ]  # fmt: skip
    for st in statuses:
        assert st.bottom_line and st.intact and st.valid and st.trusted and st.docmdp_ok
        assert st.modification_level <= ModificationLevel.FORM_FILLING
        assert st.timestamp_validity is not None and st.timestamp_validity.trusted  # B-T
    assert reader.embedded_signatures[0].docmdp_level is MDPPerm.FILL_FORMS
    assert [s.docmdp_level for s in reader.embedded_signatures[1:]] == [None, None]


def test_signing_leaves_the_signed_revisions_byte_for_byte(record_pdf, role_signers, tsa, pki):
    one = sign_record(record_pdf, GVCN, role_signers[GVCN], tsa, trust=pki.trust())
    two = sign_record(one, PRINCIPAL, role_signers[PRINCIPAL], tsa, trust=pki.trust())
    assert one.startswith(record_pdf) and two.startswith(one)


def test_the_timestamp_is_the_tsa_time_not_the_signers_clock(record_pdf, role_signers, pki):
    when = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=7)
    frozen = pki.timestamper()
    frozen.fixed_dt = when
    pdf = sign_record(record_pdf, GVCN, role_signers[GVCN], frozen, trust=pki.trust())
    (status,), _ = _statuses(pdf, pki)
    assert status.timestamp_validity.timestamp == when


def test_the_principal_cannot_sign_before_the_gvcn(record_pdf, role_signers, tsa):
    err = _refusal(
        PlanError, "signing.out_of_order", record_pdf, PRINCIPAL, role_signers[PRINCIPAL], tsa
    )
    assert "giáo viên chủ nhiệm" in err.message_vi


def test_the_seal_cannot_sign_before_the_principal(record_pdf, role_signers, tsa):
    one = sign_record(record_pdf, GVCN, role_signers[GVCN], tsa)
    _refusal(PlanError, "signing.out_of_order", one, SEAL, role_signers[SEAL], tsa)


def test_a_signed_field_cannot_be_signed_again(signed_pdf, role_signers, tsa):
    _refusal(PlanError, "signing.field_already_signed", signed_pdf, GVCN, role_signers[GVCN], tsa)


def test_another_persons_certificate_is_refused(record_pdf, role_signers, tsa):
    err = _refusal(
        CertificateError, "signing.wrong_signer", record_pdf, GVCN, role_signers[PRINCIPAL], tsa
    )
    assert "Phạm Văn Đức" in err.message_vi and TEACHER in err.message_vi


def test_another_teacher_of_the_same_school_is_refused(record_pdf, pki, tsa):
    other = pki.load_signer(GVCN, "Nguyễn Văn Bình")
    _refusal(CertificateError, "signing.wrong_signer", record_pdf, GVCN, other, tsa)


def test_the_seal_needs_an_organisation_certificate(record_pdf, role_signers, tsa, pki):
    one = sign_record(record_pdf, GVCN, role_signers[GVCN], tsa)
    one = sign_record(one, PRINCIPAL, role_signers[PRINCIPAL], tsa)
    err = _refusal(
        CertificateError, "signing.wrong_signer", one, SEAL, role_signers[PRINCIPAL], tsa
    )
    assert "chứng thư số tổ chức" in err.message_vi


def test_a_revoked_certificate_is_refused(record_pdf, pki, tsa):
    revoked = pki.load_signer(GVCN, TEACHER, revoked=True)
    err = _refusal(
        CertificateError,
        "signing.certificate_revoked",
        record_pdf,
        GVCN,
        revoked,
        tsa,
        trust=pki.trust(),
    )
    assert "thu hồi" in err.message_vi


def test_an_expired_certificate_is_refused(record_pdf, pki, tsa):
    now = dt.datetime.now(dt.UTC)
    entry = issue_signer(
        pki, GVCN, TEACHER, not_before=now - dt.timedelta(days=800),
        not_after=now - dt.timedelta(days=35), label_suffix="expired",
    )  # fmt: skip
    expired = Pkcs12Signer.load(entry.p12, pki.password)
    err = _refusal(CertificateError, "signing.certificate_expired", record_pdf, GVCN, expired, tsa)
    assert "hết hạn" in err.message_vi


def test_a_demo_certificate_is_refused_in_production(record_pdf, role_signers, tsa, monkeypatch):
    monkeypatch.setenv("HOCBA_ENV", "production")
    _refusal(
        CertificateError, "signing.demo_certificate", record_pdf, GVCN, role_signers[GVCN], tsa
    )


def test_a_document_whose_data_does_not_match_its_qr_code_is_refused(record, role_signers, tsa):
    pdf = make_record_pdf(record, keywords=qr_token(record, "0" * 64))
    _refusal(PlanError, "signing.data_mismatch", pdf, GVCN, role_signers[GVCN], tsa)


def test_a_pdf_without_record_data_is_refused(record, role_signers, tsa):
    pdf = make_record_pdf(record, attach=False)
    _refusal(PlanError, "signing.no_record", pdf, GVCN, role_signers[GVCN], tsa)


def test_a_pdf_without_the_planned_field_is_refused(record, role_signers, tsa):
    pdf = make_record_pdf(record, roles=(PRINCIPAL, SEAL))
    _refusal(PlanError, "signing.field_missing", pdf, GVCN, role_signers[GVCN], tsa)


def test_a_slot_from_another_records_plan_is_refused(record_pdf, role_signers, tsa):
    other = primary_record(
        signers=[primary_record().signers[0].model_copy(update={"full_name": "Ai Đó"})]
    )
    slot = read_plan(make_record_pdf(other)).plan.slot(GVCN)
    with pytest.raises(PlanError) as err:
        apply_signature(record_pdf, slot, role_signers[GVCN], tsa)
    assert err.value.code == "signing.plan_mismatch"


def test_sign_all_checks_every_slot_before_writing_the_first(record_pdf, role_signers, pki, tsa):
    bad = dict(role_signers) | {SEAL: role_signers[PRINCIPAL]}
    with pytest.raises(CertificateError) as err:
        sign_all(record_pdf, bad, tsa)
    assert err.value.code == "signing.wrong_signer"


def test_signing_with_a_tsa_over_http(record_pdf, role_signers, pki):
    with TsaServer(pki.timestamper()) as url:
        pdf = sign_record(record_pdf, GVCN, role_signers[GVCN], http_timestamper(url))
    (status,), _ = _statuses(pdf, pki)
    assert status.bottom_line and status.timestamp_validity.trusted


def test_the_local_tsa_is_refused_in_production(pki, monkeypatch):
    monkeypatch.setenv("HOCBA_ENV", "production")
    with pytest.raises(Exception) as err:
        LocalTimestamper.load(pki.tsa_cert, pki.tsa_key)
    assert getattr(err.value, "code", "") == "signing.demo_tsa_refused"
