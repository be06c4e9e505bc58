"""Per-role issuer constraints (``constraints.toml`` in the trust directory): a school seal
certified by another CA of the trust list is INVALID, and refused at signing."""

from __future__ import annotations

import shutil

import pytest
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives import hashes

from hocba.signing.errors import CertificateError, SigningError
from hocba.signing.pades import sign_all
from hocba.signing.pki import ISSUING_NAME, init_pki
from hocba.spec import SignerRole
from hocba.verify import Severity, Verdict, load_trust, verify_pdf
from tests.builders import SCHOOL
from tests.pki_fixtures import PRINCIPAL, TEACHER


@pytest.fixture(scope="module")
def other_pki(tmp_path_factory):
    """Another CA, trusted too (e.g. a commercial provider), issuing a seal of the same name."""
    where = tmp_path_factory.mktemp("other-pki")
    return init_pki(where, teachers=[TEACHER], principal=PRINCIPAL, school=SCHOOL.name)


def _trust_dir(where, pki, other_pki, constraints: str | None = "keep"):
    where.mkdir()
    for file in pki.trust_dir.iterdir():
        if file.name != "constraints.toml" or constraints == "keep":
            shutil.copy(file, where / file.name)
    for file in other_pki.trust_dir.glob("*.*"):
        if file.suffix in {".pem", ".crl"}:
            shutil.copy(file, where / f"other-{file.name}")
    if constraints not in (None, "keep"):
        (where / "constraints.toml").write_text(constraints, encoding="utf-8")
    return load_trust(where)


@pytest.fixture(scope="module")
def foreign_seal_pdf(record_pdf, role_signers, other_pki, tsa):
    signers = dict(role_signers)
    signers[SignerRole.SEAL] = other_pki.load_signer(SignerRole.SEAL)
    return sign_all(record_pdf, signers, tsa)  # no trust list: not checked at signing


def test_a_seal_from_another_trusted_ca_is_invalid(tmp_path, foreign_seal_pdf, pki, other_pki):
    trust = _trust_dir(tmp_path / "trust", pki, other_pki)
    report = verify_pdf(foreign_seal_pdf, trust)
    assert report.verdict is Verdict.INVALID
    problems = [p for p in report.problems if p.code == "signature.issuer_not_allowed"]
    assert len(problems) == 1 and problems[0].severity is Severity.ERROR
    assert problems[0].field == SignerRole.SEAL.field_name
    assert "không do CA được phép cấp" in problems[0].message_vi


def test_without_the_constraint_the_same_record_is_valid(
    tmp_path, foreign_seal_pdf, pki, other_pki
):
    trust = _trust_dir(tmp_path / "trust", pki, other_pki, constraints=None)
    assert verify_pdf(foreign_seal_pdf, trust).verdict is Verdict.VALID


def test_signing_refuses_a_seal_from_another_ca(
    tmp_path, record_pdf, role_signers, pki, other_pki, tsa
):
    trust = _trust_dir(tmp_path / "trust", pki, other_pki)
    signers = dict(role_signers)
    signers[SignerRole.SEAL] = other_pki.load_signer(SignerRole.SEAL)
    with pytest.raises(CertificateError) as exc:
        sign_all(record_pdf, signers, tsa, trust=trust)
    assert exc.value.code == "signing.issuer_not_allowed"


@pytest.mark.parametrize("form", ["name", "fingerprint"])
def test_constraints_by_ca_name_or_fingerprint(tmp_path, signed_pdf, pki, other_pki, form):
    ica = pyca_x509.load_pem_x509_certificate(pki.issuing_ca_cert.read_bytes())
    fingerprint = ica.fingerprint(hashes.SHA256()).hex().upper()
    entry = ISSUING_NAME if form == "name" else ":".join(
        fingerprint[i : i + 2] for i in range(0, 64, 2)
    )  # fmt: skip
    text = f'seal = ["{entry}"]\nprincipal = ["{ISSUING_NAME}"]\n'
    trust = _trust_dir(tmp_path / "trust", pki, other_pki, constraints=text)
    assert verify_pdf(signed_pdf, trust).verdict is Verdict.VALID


@pytest.mark.parametrize("text", ['seal = "one CA"\n', 'hieu_truong = ["x"]\n', "seal = [\n"])
def test_a_broken_constraints_file_is_refused(tmp_path, pki, other_pki, text):
    with pytest.raises(SigningError) as exc:
        _trust_dir(tmp_path / "trust", pki, other_pki, constraints=text)
    assert exc.value.code == "trust.bad_constraints"


def _ca(pki):
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    data = pki.issuing_ca_cert.read_bytes()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


def test_a_same_named_ca_in_the_chain_does_not_hide_the_real_issuer(pki, other_pki):
    """Both demo PKIs name their CAs alike: the walk up the chain follows key identifiers, so
    a look-alike CA carried in the chain (e.g. on a shared token) neither blocks the real
    issuer nor is taken for it."""
    trust = pki.trust()
    assert trust.allowed_issuers(SignerRole.SEAL.value), "the demo trust list constrains seals"
    ours = pki.load_signer(SignerRole.SEAL).certificate
    theirs = other_pki.load_signer(SignerRole.SEAL).certificate
    assert ours.issuer == theirs.issuer  # the same name, different keys
    chain = [_ca(pki), _ca(other_pki)]  # the look-alike last, as a token listed them
    assert trust.issuer_allowed(SignerRole.SEAL.value, ours, chain)
    assert not trust.issuer_allowed(SignerRole.SEAL.value, theirs, chain)
    assert not trust.issuer_allowed(SignerRole.SEAL.value, ours, chain[1:])
