"""Verification of signed record XML, and of a PDF + XML pair (same record digest)."""

from __future__ import annotations

import pytest
from lxml import etree

from hocba.signing.pki import init_pki
from hocba.signing.xades import parse_xml, sign_xml, sign_xml_all
from hocba.spec import SignerRole, record_digest
from hocba.spec.xml import NS, to_xml
from hocba.verify import Revocation, Severity, Verdict, verify_pdf
from hocba.verify.xml import compare_pair, verify_xml
from tests.builders import primary_record
from tests.pki_fixtures import PRINCIPAL, TEACHER

GVCN, PRINCIPAL_ROLE, SEAL = SignerRole


def _errors(report) -> set[str]:
    return {p.code for p in report.problems if p.severity is Severity.ERROR}


@pytest.fixture(scope="module")
def trust(pki):
    return pki.trust()


@pytest.fixture(scope="module")
def signed_xml(record, role_signers, tsa, trust) -> bytes:
    return sign_xml_all(to_xml(record), role_signers, tsa, trust=trust)


def test_a_fully_signed_xml_is_valid(signed_xml, trust, record):
    report = verify_xml(signed_xml, trust)
    assert report.verdict is Verdict.VALID, report.problems
    assert [s.role for s in report.signatures] == list(SignerRole)
    assert all(s.intact and s.trusted and s.timestamp_time for s in report.signatures)
    assert report.record.digest == record_digest(record)


def _edit_first(xml: bytes, tag: str, value: str) -> bytes:
    root = parse_xml(xml)
    el = next(root.iter(f"{{{NS}}}{tag}"))
    el.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("tag", ["full_name", "comment"])
def test_a_change_after_signing_is_invalid(signed_xml, trust, tag):
    root = parse_xml(signed_xml)
    assert next(root.iter(f"{{{NS}}}{tag}"), None) is not None, tag
    report = verify_xml(_edit_first(signed_xml, tag, "Nguyễn Văn Sửa"), trust)
    assert report.verdict is Verdict.INVALID and "signature.modified" in _errors(report)


def test_a_score_changed_after_signing_is_invalid(signed_xml, trust):
    root = parse_xml(signed_xml)
    for el in root.iter():
        if (
            isinstance(el.tag, str)
            and el.text
            and el.text.strip().replace(".", "").isdigit()
            and "score" in el.tag
        ):
            el.text = "10" if el.text.strip() != "10" else "9"
            break
    else:
        pytest.fail("no score element")
    report = verify_xml(etree.tostring(root), trust)
    assert report.verdict is Verdict.INVALID and "signature.modified" in _errors(report)


def test_an_untrusted_certificate_is_invalid(record, tmp_path_factory, tsa, trust):
    rogue = init_pki(
        tmp_path_factory.mktemp("rogue-xml"), teachers=[TEACHER], principal=PRINCIPAL,
        school=record.school.name,
    )  # fmt: skip
    xml = sign_xml_all(to_xml(record), {r: rogue.load_signer(r) for r in SignerRole}, tsa)
    report = verify_xml(xml, trust)
    assert report.verdict is Verdict.INVALID and "signature.untrusted" in _errors(report)


def test_a_revoked_signer_is_invalid(record, pki, role_signers, tsa, trust):
    revoked = pki.load_signer(GVCN, TEACHER, revoked=True)
    xml = sign_xml(to_xml(record), GVCN, revoked, tsa)  # no trust list: not checked at signing
    xml = sign_xml(xml, PRINCIPAL_ROLE, role_signers[PRINCIPAL_ROLE], tsa)
    xml = sign_xml(xml, SEAL, role_signers[SEAL], tsa)
    report = verify_xml(xml, trust)
    assert report.verdict is Verdict.INVALID and "signature.revoked" in _errors(report)
    assert report.signatures[0].revocation is Revocation.REVOKED


def test_signatures_reordered_are_invalid(signed_xml, trust):
    root = parse_xml(signed_xml)
    sigs = root[-3:]
    root.remove(sigs[0])
    root.append(sigs[0])
    report = verify_xml(etree.tostring(root), trust)
    assert report.verdict is Verdict.INVALID


def test_entities_are_never_resolved(tmp_path, trust):
    secret = tmp_path / "secret.txt"
    secret.write_text("BI-MAT")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<r xmlns="urn:hocba:record:tt27:1">&x;</r>'
    ).encode()
    report = verify_xml(xxe, trust)
    assert report.verdict is Verdict.UNREADABLE
    assert "BI-MAT" not in str(report.as_dict())


def test_pdf_and_xml_of_the_same_record_carry_the_same_digest(signed_xml, signed_pdf, trust):
    pdf, xml = verify_pdf(signed_pdf, trust), verify_xml(signed_xml, trust)
    assert pdf.record.digest == xml.record.digest
    assert compare_pair(pdf, xml).verdict is Verdict.VALID


def test_pdf_and_xml_of_different_records_are_invalid(signed_pdf, role_signers, tsa, trust):
    other = primary_record().model_copy(update={"version": 2})
    xml = sign_xml_all(to_xml(other), role_signers, tsa, trust=trust)
    pair = compare_pair(verify_pdf(signed_pdf, trust), verify_xml(xml, trust))
    assert pair.verdict is Verdict.INVALID and "pair.digest_mismatch" in _errors(pair)


def _cli(*args):
    from click.testing import CliRunner

    from hocba.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_the_cli_signs_an_xml_in_order_and_verifies_it_with_its_pdf(
    tmp_path, pki, record, signed_pdf
):
    doc = tmp_path / "0.xml"
    doc.write_bytes(to_xml(record))
    early = _cli("sign", doc, "-o", tmp_path / "x.xml", "--role", "seal",
                 "--p12", pki.signer_entry(SEAL).p12)  # fmt: skip
    assert early.exit_code == 1 and "signing.out_of_order" in early.output
    for i, role in enumerate(SignerRole):
        out = tmp_path / f"{i + 1}.xml"
        result = _cli("sign", doc, "-o", out, "--role", role.value,
                      "--p12", pki.signer_entry(role).p12)  # fmt: skip
        assert result.exit_code == 0, result.output
        doc = out
    trust = ["--trust", pki.directory]
    result = _cli("verify", doc, *trust)
    assert result.exit_code == 0, result.output
    assert "HỢP LỆ" in result.output and record_digest(record) in result.output
    pdf = tmp_path / "hocba.pdf"
    pdf.write_bytes(signed_pdf)
    assert _cli("verify", pdf, "--pair", doc, *trust).exit_code == 0
    assert _cli("verify", doc, "--pair", pdf, *trust).exit_code == 0
    other = tmp_path / "other.xml"
    other.write_bytes(
        sign_xml_all(
            to_xml(primary_record().model_copy(update={"version": 2})),
            {r: pki.load_signer(r) for r in SignerRole},
            pki.timestamper(),
            trust=pki.trust(),
        )
    )
    mismatch = _cli("verify", pdf, "--pair", other, "--json", *trust)
    assert mismatch.exit_code == 1 and "pair.digest_mismatch" in mismatch.output


def test_ecdsa_keys_sign_and_verify(record, tmp_path_factory, tsa):
    ec = init_pki(
        tmp_path_factory.mktemp("ec-xml"), teachers=[TEACHER], principal=PRINCIPAL,
        school=record.school.name, key_type="ec",
    )  # fmt: skip
    xml = sign_xml_all(to_xml(record), {r: ec.load_signer(r) for r in SignerRole}, tsa)
    assert b"ecdsa-sha256" in xml
    report = verify_xml(xml, ec.trust())
    assert report.verdict is not Verdict.INVALID, report.problems
    assert all(s.intact and s.trusted for s in report.signatures)


def test_a_signature_over_part_of_the_document_is_not_accepted(signed_xml, trust):
    root = parse_xml(signed_xml)
    for ref in root.iter("{http://www.w3.org/2000/09/xmldsig#}Reference"):
        if ref.get("URI") == "":
            ref.set("URI", "#nothing")
    report = verify_xml(etree.tostring(root), trust)
    assert report.verdict is Verdict.INVALID and "signature.modified" in _errors(report)
