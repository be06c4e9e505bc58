"""Verification verdicts, including the attacks it must catch (DOMAIN §1, §7): each attack
test fails on an implementation that only checks signature integrity or only the data."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter

from hocba.signing.document import MAX_PDF_BYTES
from hocba.signing.pades import apply_signature, read_plan, sign_all, sign_record
from hocba.signing.pki import init_pki
from hocba.spec import SignerRole, canonical_json, record_digest
from hocba.verify import Revocation, Severity, Verdict, load_trust, verify_pdf
from tests.builders import STUDENT, primary_record
from tests.pki_fixtures import (
    OTHER_TEACHER,
    PRINCIPAL,
    TEACHER,
    append_update,
    change_signed_bytes,
    force_sign,
    make_record_pdf,
)

GVCN, PRINCIPAL_ROLE, SEAL = SignerRole


def _errors(report) -> set[str]:
    return {p.code for p in report.problems if p.severity is Severity.ERROR}


def _replace(writer, ref, obj) -> None:
    writer.objects[(ref.generation, ref.idnum)] = obj


def _page(writer):
    return writer.root["/Pages"]["/Kids"][0]


@pytest.fixture(scope="module")
def trust(pki):
    return pki.trust()


def test_a_fully_signed_record_is_valid(signed_pdf, trust, record):
    report = verify_pdf(signed_pdf, trust)
    assert report.verdict is Verdict.VALID and report.exit_code == 0, report.problems
    assert [(s.role, s.signer) for s in report.signatures] == [
        (GVCN, TEACHER), (PRINCIPAL_ROLE, PRINCIPAL), (SEAL, record.school.name),
    ]  # fmt: skip
    for sig in report.signatures:
        assert sig.intact and sig.valid and sig.trusted and sig.revocation is Revocation.GOOD
        assert sig.timestamp_time is not None and sig.signing_time is not None
    assert report.signatures[0].certifying and report.signatures[-1].modification_level == "none"
    assert report.record.digest == record_digest(record) and report.record.matches_qr
    assert report.record.schema_valid and report.record.record_id == record.record_id
    assert {p.severity for p in report.problems} <= {Severity.INFO}  # demo certificates


def test_without_a_trust_list_nothing_can_be_trusted(signed_pdf):
    report = verify_pdf(signed_pdf, load_trust(None))
    assert report.verdict is Verdict.INDETERMINATE and "trust.empty" in report.codes()


def test_an_unsigned_record_is_invalid(record_pdf, trust):
    report = verify_pdf(record_pdf, trust)
    assert report.verdict is Verdict.INVALID and "plan.unsigned" in _errors(report)


def test_a_partly_signed_record_is_invalid_and_says_who_is_missing(
    record_pdf, role_signers, tsa, trust
):
    pdf = sign_record(record_pdf, GVCN, role_signers[GVCN], tsa)
    report = verify_pdf(pdf, trust)
    assert _errors(report) == {"plan.incomplete"}
    assert "hiệu trưởng" in next(
        p.message_vi for p in report.problems if p.code == "plan.incomplete"
    )


# --- attacks -------------------------------------------------------------------------------


def test_bytes_changed_inside_a_signed_range(signed_pdf, trust):
    forged = change_signed_bytes(signed_pdf)
    assert forged != signed_pdf and len(forged) == len(signed_pdf)
    report = verify_pdf(forged, trust)
    assert report.verdict is Verdict.INVALID and "signature.modified" in _errors(report)
    assert not any(s.intact for s in report.signatures)


def test_an_update_after_the_last_signature_changing_a_score(signed_pdf, trust):
    def lower_the_score(w):
        ref = _page(w).raw_get("/Contents")
        old = ref.get_object().data
        _replace(w, ref, generic.StreamObject(stream_data=old.replace(b"TOAN: T 10", b"TOAN: C 4")))

    report = verify_pdf(append_update(signed_pdf, lower_the_score), trust)
    assert report.verdict is Verdict.INVALID
    assert "document.modified_after_signing" in _errors(report)
    assert all(s.intact for s in report.signatures)  # the signed revisions are untouched


def _swap_record_json(w, data: bytes, keywords: str | None = None) -> None:
    names = w.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[names.index("record.json") + 1].get_object()
    ref = spec["/EF"].raw_get("/F")
    _replace(
        w,
        ref,
        generic.StreamObject(
            {generic.pdf_name("/Type"): generic.pdf_name("/EmbeddedFile")}, stream_data=data
        ),
    )
    if keywords is not None:
        info = w.trailer["/Info"]
        info[generic.pdf_name("/Keywords")] = generic.pdf_string(keywords)
        w.update_container(info)


def test_an_update_after_signing_changing_a_comment_and_the_qr_token(signed_pdf, trust, record):
    changed = primary_record(
        subjects=[
            record.subjects[0].model_copy(update={"comment": "Em học kém."}),
            *record.subjects[1:],
        ]
    )
    token = f"HOCBA:1:{changed.record_id}:1:{record_digest(changed)}"
    forged = append_update(
        signed_pdf, lambda w: _swap_record_json(w, canonical_json(changed), token)
    )
    report = verify_pdf(forged, trust)
    assert report.verdict is Verdict.INVALID
    assert "document.modified_after_signing" in _errors(report)
    assert report.record.matches_qr  # the forger was consistent; the signatures still tell


def test_the_embedded_json_replaced(signed_pdf, trust, record):
    other = canonical_json(
        primary_record(student=STUDENT.model_copy(update={"full_name": "Kẻ Giả Mạo"}))
    )
    report = verify_pdf(append_update(signed_pdf, lambda w: _swap_record_json(w, other)), trust)
    assert report.verdict is Verdict.INVALID
    assert {"data.digest_mismatch", "document.modified_after_signing"} <= _errors(report)
    assert not report.record.matches_qr


def test_a_record_signed_over_data_that_does_not_match_its_qr_code(
    record, role_signers, tsa, trust
):
    wrong = canonical_json(primary_record(place="Hà Nội"))
    pdf = make_record_pdf(
        record, record_json=wrong, keywords=f"HOCBA:1:{record.record_id}:1:{record_digest(record)}"
    )
    for field, role in [
        ("Sig_GVCN", GVCN),
        ("Sig_Principal", PRINCIPAL_ROLE),
        ("Sig_SchoolSeal", SEAL),
    ]:
        pdf = force_sign(pdf, field, role_signers[role], tsa, certify=role is GVCN)
    report = verify_pdf(pdf, trust)
    assert _errors(report) >= {"data.digest_mismatch"} and report.verdict is Verdict.INVALID


@pytest.fixture(scope="module")
def rogue_pki(tmp_path_factory, record):
    """Same names, another root: certificates outside the trust list."""
    return init_pki(
        tmp_path_factory.mktemp("rogue"), teachers=[TEACHER], principal=PRINCIPAL,
        school=record.school.name,
    )  # fmt: skip


def test_a_signature_from_a_certificate_outside_the_trust_list(record_pdf, rogue_pki, tsa, trust):
    rogue = {role: rogue_pki.load_signer(role) for role in SignerRole}
    pdf = sign_all(record_pdf, rogue, tsa)  # the names match the plan: only trust can tell
    report = verify_pdf(pdf, trust)
    assert report.verdict is Verdict.INVALID and "signature.untrusted" in _errors(report)
    assert not any(s.trusted for s in report.signatures)


def test_a_revoked_signer(record_pdf, pki, role_signers, tsa, trust):
    revoked = pki.load_signer(GVCN, TEACHER, revoked=True)
    slot = read_plan(record_pdf).plan.slot(GVCN)
    pdf = apply_signature(record_pdf, slot, revoked, tsa)  # no trust list given: not checked
    pdf = sign_all(pdf, role_signers, tsa)
    report = verify_pdf(pdf, trust)
    assert report.verdict is Verdict.INVALID and "signature.revoked" in _errors(report)
    assert report.signatures[0].revocation is Revocation.REVOKED


def test_a_signature_copied_from_another_record(signed_pdf, role_signers, tsa, trust):
    other_student = STUDENT.model_copy(
        update={"full_name": "Nguyễn Minh Khôi", "student_code": "HS2400002"}
    )
    other = sign_all(make_record_pdf(primary_record(student=other_student)), role_signers, tsa)
    contents = re.compile(rb"/Contents <([0-9A-Fa-f]+)>")
    theirs = contents.search(other)
    ours = contents.search(signed_pdf)
    assert len(theirs[1]) == len(ours[1])
    forged = signed_pdf[: ours.start(1)] + theirs[1] + signed_pdf[ours.end(1) :]
    report = verify_pdf(forged, trust)
    assert report.verdict is Verdict.INVALID and "signature.modified" in _errors(report)
    assert not any(s.intact for s in report.signatures)  # later signatures cover it too


def test_an_annotation_added_to_hide_content(signed_pdf, trust):
    def cover_the_scores(w):
        page = _page(w)
        box = w.add_object(
            generic.DictionaryObject({
                generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/Square"),
                generic.pdf_name("/Rect"): generic.ArrayObject(map(generic.NumberObject, (60, 600, 300, 780))),
                generic.pdf_name("/IC"): generic.ArrayObject(map(generic.FloatObject, (1, 1, 1))),
                generic.pdf_name("/C"): generic.ArrayObject(map(generic.FloatObject, (1, 1, 1))),
            })
        )  # fmt: skip
        if "/Annots" not in page:
            page[generic.pdf_name("/Annots")] = generic.ArrayObject()
        page["/Annots"].append(box)
        w.update_container(page["/Annots"])
        w.update_container(page)

    report = verify_pdf(append_update(signed_pdf, cover_the_scores), trust)
    assert report.verdict is Verdict.INVALID
    assert "document.modified_after_signing" in _errors(report)


def test_an_overlay_drawn_over_the_page(signed_pdf, trust):
    def overlay(w):
        page = _page(w)
        patch = w.add_object(generic.StreamObject(stream_data=b"1 1 1 rg 60 600 240 180 re f"))
        page[generic.pdf_name("/Contents")] = generic.ArrayObject(
            [page.raw_get("/Contents"), patch]
        )
        w.update_container(page)

    report = verify_pdf(append_update(signed_pdf, overlay), trust)
    assert report.verdict is Verdict.INVALID
    assert "document.modified_after_signing" in _errors(report)


def test_signatures_out_of_order(record_pdf, role_signers, tsa, trust):
    pdf = force_sign(record_pdf, "Sig_Principal", role_signers[PRINCIPAL_ROLE], tsa, certify=True)
    pdf = force_sign(pdf, "Sig_GVCN", role_signers[GVCN], tsa)
    pdf = force_sign(pdf, "Sig_SchoolSeal", role_signers[SEAL], tsa)
    report = verify_pdf(pdf, trust)
    assert "plan.out_of_order" in _errors(report)


def test_a_trusted_certificate_of_the_wrong_person(record_pdf, pki, role_signers, tsa, trust):
    pdf = force_sign(
        record_pdf, "Sig_GVCN", pki.load_signer(GVCN, OTHER_TEACHER), tsa, certify=True
    )
    pdf = sign_all(pdf, role_signers, tsa)
    report = verify_pdf(pdf, trust)
    assert _errors(report) == {"signature.wrong_signer"}
    assert report.signatures[0].trusted


def test_demo_certificates_are_invalid_in_production(signed_pdf, trust, monkeypatch):
    monkeypatch.setenv("HOCBA_ENV", "production")
    report = verify_pdf(signed_pdf, trust)
    assert _errors(report) == {"signature.demo_certificate"}


# --- not a readable document ---------------------------------------------------------------


def _encrypted_pdf() -> bytes:
    w = PdfFileWriter()
    w.insert_page(
        generic.DictionaryObject({
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject(map(generic.NumberObject, (0, 0, 595, 842))),
        })
    )  # fmt: skip
    w.encrypt("owner", "user")
    out = BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda pdf: b"", "document.empty"),
        (lambda pdf: pdf[: len(pdf) // 2], "document.corrupt"),
        (lambda pdf: pdf[:-40], "document.corrupt"),
        (lambda pdf: b"PK\x03\x04 this is a zip file, not a PDF" * 10, "document.not_pdf"),
        (lambda pdf: _encrypted_pdf(), "document.encrypted"),
        (lambda pdf: b"%PDF-1.7\n" + bytes(MAX_PDF_BYTES), "document.too_large"),
        (lambda pdf: b"%PDF-1.7\n%%EOF\n", "document.corrupt"),
    ],
    ids=["empty", "truncated", "cut-tail", "not-pdf", "encrypted", "huge", "header-only"],
)
def test_unreadable_input_gives_a_verdict_not_a_traceback(signed_pdf, trust, make, code):
    report = verify_pdf(make(signed_pdf), trust)
    assert report.verdict is Verdict.UNREADABLE and report.exit_code == 3
    assert report.codes() == {code}
    assert report.problems[0].message_vi
