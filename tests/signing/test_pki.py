"""The demo PKI: who gets which certificate, the revoked teacher, the TSA, the trust list,
and the demo marking that production refuses."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hocba.signing.demo import DEMO_MARK, is_demo_certificate
from hocba.signing.errors import PkiError
from hocba.signing.identity import is_organisation_certificate
from hocba.signing.pki import DEMO_PASSWORD, init_pki, load_pki
from hocba.spec import SignerRole
from tests.pki_fixtures import OTHER_TEACHER, PRINCIPAL, TEACHER


def _cert(path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _cn(cert: x509.Certificate) -> str:
    return cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def test_every_planned_signer_gets_a_certificate_with_their_vietnamese_name(pki):
    names = {(e.role, e.name) for e in pki.signers if not e.revoked}
    assert names == {
        (SignerRole.GVCN, TEACHER),
        (SignerRole.GVCN, OTHER_TEACHER),
        (SignerRole.PRINCIPAL, PRINCIPAL),
        (SignerRole.SEAL, pki.school),
    }
    for entry in pki.signers:
        assert _cn(_cert(entry.cert)) == entry.name


def test_the_seal_is_an_organisation_certificate_and_people_have_personal_ones(pki):
    for entry in pki.signers:
        signer = pki.load_signer(entry.role, entry.name, revoked=entry.revoked)
        assert is_organisation_certificate(signer.certificate) is (entry.role is SignerRole.SEAL)


def test_the_p12_files_open_with_the_documented_demo_password(pki):
    entry = pki.signer_entry(SignerRole.PRINCIPAL)
    key, cert, chain = pkcs12.load_key_and_certificates(entry.p12.read_bytes(), b"hocba-demo")
    assert DEMO_PASSWORD == "hocba-demo" and key is not None and len(chain) == 2
    assert _cn(cert) == PRINCIPAL


def test_the_revoked_teacher_is_listed_in_the_issuing_ca_crl(pki):
    revoked = pki.signer_entry(SignerRole.GVCN, TEACHER, revoked=True)
    crl = x509.load_der_x509_crl((pki.trust_dir / "issuing-ca.crl").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(revoked.serial) is not None
    current = pki.signer_entry(SignerRole.GVCN, TEACHER)
    assert crl.get_revoked_certificate_by_serial_number(current.serial) is None
    assert pki.trust().revocation(pki.load_signer(SignerRole.GVCN, revoked=True).certificate)


def test_the_trust_directory_holds_the_root_the_crls_and_the_seal_constraint(pki):
    names = sorted(p.name for p in pki.trust_dir.iterdir())
    assert names == ["constraints.toml", "issuing-ca.crl", "root-ca.crl", "root-ca.pem"]
    root = _cert(pki.trust_dir / "root-ca.pem")
    assert _cn(root) == "Bộ Giáo dục và Đào tạo — Demo Root CA"
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    trust = pki.trust()
    assert len(trust.roots) == 1 and len(trust.crls) == 2
    assert [role for role, _ in trust.constraints] == ["seal"]


def test_tsa_certificate_has_the_critical_timestamping_usage_only(pki):
    eku = _cert(pki.tsa_cert).extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_everything_is_marked_demo(pki):
    manifest = json.loads((pki.directory / "manifest.json").read_text())
    assert manifest["demo"] is True
    for path in [pki.root_cert, pki.issuing_ca_cert, pki.tsa_cert, *(e.cert for e in pki.signers)]:
        ou = _cert(path).subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
        assert [a.value for a in ou] == [DEMO_MARK]
    assert is_demo_certificate(pki.load_signer(SignerRole.SEAL).certificate)


def test_production_refuses_to_create_a_demo_pki(tmp_path, monkeypatch):
    monkeypatch.setenv("HOCBA_ENV", "production")
    with pytest.raises(PkiError) as err:
        init_pki(tmp_path / "pki", teachers=[TEACHER], principal=PRINCIPAL, school="Trường X")
    assert err.value.code == "pki.production_refused"
    assert not (tmp_path / "pki").exists()


def test_an_existing_pki_is_not_overwritten_without_force(pki):
    with pytest.raises(PkiError) as err:
        init_pki(pki.directory, teachers=[TEACHER], principal=PRINCIPAL, school=pki.school)
    assert err.value.code == "pki.exists"


def test_ecdsa_keys_and_decomposed_names_are_accepted(tmp_path):
    made = init_pki(
        tmp_path / "ec",
        teachers=[TEACHER],
        principal=unicodedata.normalize("NFD", PRINCIPAL),  # as some keyboards send it
        school="Trường Tiểu học Kim Liên",
        key_type="ec",
        now=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    assert made.signer_entry(SignerRole.PRINCIPAL).name == "Phạm Văn Đức"
    assert load_pki(made.directory).signer_entry(SignerRole.PRINCIPAL, "Phạm Văn Đức")
    signer = made.load_signer(SignerRole.PRINCIPAL)
    assert signer.certificate.public_key.algorithm == "ec"
