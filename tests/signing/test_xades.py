"""XAdES-T signing of the record XML: same plan, order and certificate checks as PDFs."""

from __future__ import annotations

import pytest

from hocba.errors import HocbaError
from hocba.signing.errors import CertificateError, PlanError
from hocba.signing.xades import parse_xml, sign_xml, sign_xml_all, signatures_of
from hocba.spec import SignerRole
from hocba.spec.xml import to_xml
from tests.pki_fixtures import OTHER_TEACHER

GVCN, PRINCIPAL_ROLE, SEAL = SignerRole


@pytest.fixture(scope="session")
def signed_xml(record, role_signers, tsa, pki) -> bytes:
    return sign_xml_all(to_xml(record), role_signers, tsa, trust=pki.trust())


def test_three_signatures_in_plan_order_each_with_a_timestamp(signed_xml):
    sigs = signatures_of(parse_xml(signed_xml))
    assert [s.get("Id") for s in sigs] == [r.field_name for r in SignerRole]
    for sig in sigs:
        assert b"EncapsulatedTimeStamp" in __import__("lxml.etree").etree.tostring(sig)


def test_out_of_order_is_refused(record, role_signers, tsa, pki):
    with pytest.raises(PlanError) as err:
        sign_xml(to_xml(record), PRINCIPAL_ROLE, role_signers[PRINCIPAL_ROLE], tsa)
    assert err.value.code == "signing.out_of_order"


def test_signing_twice_is_refused(signed_xml, role_signers, tsa):
    with pytest.raises(PlanError):
        sign_xml(signed_xml, GVCN, role_signers[GVCN], tsa)


def test_the_wrong_person_is_refused(record, pki, tsa):
    other = pki.load_signer(GVCN, OTHER_TEACHER)
    with pytest.raises(CertificateError) as err:
        sign_xml(to_xml(record), GVCN, other, tsa)
    assert err.value.code == "signing.wrong_signer"


def test_a_revoked_certificate_is_refused(record, pki, tsa):
    from tests.pki_fixtures import TEACHER

    revoked = pki.load_signer(GVCN, TEACHER, revoked=True)
    with pytest.raises(CertificateError) as err:
        sign_xml(to_xml(record), GVCN, revoked, tsa, trust=pki.trust())
    assert err.value.code == "signing.certificate_revoked"


def test_entities_are_never_resolved(tmp_path, role_signers, tsa):
    secret = tmp_path / "secret.txt"
    secret.write_text("BI-MAT")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<r xmlns="urn:hocba:record:tt27:1">&x;</r>'
    ).encode()
    with pytest.raises(HocbaError):
        sign_xml(xxe, GVCN, role_signers[GVCN], tsa)
    with pytest.raises(HocbaError):
        parse_xml(xxe)
