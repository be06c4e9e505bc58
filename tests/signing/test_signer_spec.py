"""A signer described by configuration (``SignerSpec``): secrets only by reference (an
environment variable, a file) or typed for one batch; each backend's one-approval form."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.serialization import load_der_public_key

from hocba.signing.backends import Pkcs12Signer
from hocba.signing.backends_config import (
    Pkcs11BatchSigner,
    SignerSpec,
    as_batch_signer,
    check_secret_ref,
    read_secret,
)
from hocba.signing.batch import Pkcs12BatchSigner
from hocba.signing.errors import KeyLoadError
from hocba.spec import SignerRole
from tests.signing.softhsm import session_token


def _verifies(cert, signature: bytes, digest: bytes) -> None:
    key = load_der_public_key(cert.public_key.dump())
    prehashed = utils.Prehashed(hashes.SHA256())
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, digest, padding.PKCS1v15(), prehashed)
    else:
        assert isinstance(key, ec.EllipticCurvePublicKey)
        key.verify(signature, digest, ec.ECDSA(prehashed))


@pytest.mark.parametrize("ref", ["", "env:SEAL_PIN", "file:/run/credentials/hocba/seal-pin"])
def test_a_secret_is_named_by_reference(ref):
    check_secret_ref(ref)


@pytest.mark.parametrize("ref", ["123456", "env:", "env:A B", "file:relative/pin", "pin:1234"])
def test_anything_else_in_the_secret_field_is_refused_without_repeating_it(ref):
    with pytest.raises(KeyLoadError) as err:
        check_secret_ref(ref)
    assert err.value.code == "signing.secret_ref"
    if ref not in ("env:", "pin:1234"):
        assert ref not in f"{err.value.message_vi} {err.value.detail}"


def test_secrets_are_read_from_the_environment_or_a_file(tmp_path):
    assert read_secret("env:MY_PIN", {"MY_PIN": "2468"}) == "2468"
    assert read_secret("env:MY_PIN", {}) is None
    assert read_secret("", {"MY_PIN": "2468"}) is None
    pin = tmp_path / "pin"
    pin.write_text("97531\n")
    assert read_secret(f"file:{pin}") == "97531"
    with pytest.raises(KeyLoadError) as err:
        read_secret(f"file:{tmp_path / 'missing'}")
    assert err.value.code == "signing.secret_file"
    big = tmp_path / "big"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(KeyLoadError):
        read_secret(f"file:{big}")


def test_a_p12_spec_opens_with_its_password_from_a_file(pki, tmp_path):
    secret = tmp_path / "p12-password"
    secret.write_text(pki.password)
    entry = pki.signer_entry(SignerRole.GVCN)
    spec = SignerSpec(kind="pkcs12", location=str(entry.p12), secret_ref=f"file:{secret}")
    signer = spec.open()
    assert isinstance(signer, Pkcs12Signer)
    assert isinstance(as_batch_signer(signer), Pkcs12BatchSigner)
    assert spec.label == f"pkcs12:{entry.p12.name}"
    wrong = SignerSpec(kind="pkcs12", location=str(entry.p12), secret_ref="env:NOPE")
    with pytest.raises(KeyLoadError) as err:
        wrong.open(environ={"NOPE": "not-the-password"})
    assert "not-the-password" not in f"{err.value.message_vi} {err.value.detail}"


def test_a_spec_with_a_typed_pin_needs_it_and_an_unknown_kind_is_refused():
    spec = SignerSpec(kind="pkcs11", identifier="tok", key_label="k", pin_at_batch=True)
    with pytest.raises(KeyLoadError) as err:
        spec.open()
    assert err.value.code == "signing.pin_required"
    with pytest.raises(KeyLoadError) as err:
        SignerSpec(kind="smartcard")
    assert err.value.code == "signing.backend_kind"


def test_a_token_signs_many_digests_after_one_login(pki, tmp_path_factory):
    token = session_token(tmp_path_factory.mktemp("softhsm"), pki)
    spec = SignerSpec(kind="pkcs11", location=token.module, identifier=token.label,
                      key_label=token.key, pin_at_batch=True)  # fmt: skip
    signer = spec.open(pin=token.pin)
    try:
        batch = as_batch_signer(signer)
        assert isinstance(batch, Pkcs11BatchSigner)
        digests = [hashlib.sha256(bytes([n])).digest() for n in range(20)]
        signatures = asyncio.run(batch.sign_digests(digests))
        assert batch.calls == 1 and len(signatures) == 20
        for signature, digest in zip(signatures, digests, strict=True):
            _verifies(batch.certificate, signature, digest)
        assert batch.signature_size >= len(signatures[0])
    finally:
        batch.close()
    with pytest.raises(KeyLoadError) as err:
        spec.open(pin="000000")
    assert err.value.code == "signing.pkcs11_pin"
