"""Configuring the token and remote backends: settings from the environment, PINs never in
messages, failures as ``KeyLoadError`` with a Vietnamese message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hocba.signing import csc, pkcs11
from hocba.signing.csc import CscConfig, CscSigner
from hocba.signing.errors import KeyLoadError
from hocba.signing.pkcs11 import Pkcs11Config, Pkcs11Signer
from tests.signing.csc_server import free_port
from tests.signing.softhsm import session_token

DOCS = Path(__file__).parents[2] / "docs" / "settings.md"


@pytest.mark.parametrize("module", [pkcs11, csc], ids=["pkcs11", "csc"])
def test_every_backend_setting_is_documented(module):
    names = set(re.findall(r'"(HOCBA_[A-Z0-9_]+)"', Path(module.__file__).read_text("utf-8")))
    assert names
    docs = DOCS.read_text("utf-8")
    assert {name for name in names if f"`{name}`" not in docs} == set()


def test_the_token_is_configured_from_the_environment():
    config = Pkcs11Config.from_env({"HOCBA_PKCS11_TOKEN": "seal-token", "HOCBA_PKCS11_KEY": "k"})
    assert config == Pkcs11Config(token_label="seal-token", key_label="k")
    assert config.module == "/usr/lib/softhsm/libsofthsm2.so"
    with pytest.raises(KeyLoadError) as err:
        Pkcs11Config.from_env({})
    assert err.value.code == "signing.pkcs11_config"


def test_the_remote_service_is_configured_from_the_environment():
    env = {"HOCBA_CSC_URL": "https://ky.example.vn/", "HOCBA_CSC_CREDENTIAL": "gv-01"}
    assert CscConfig.from_env(env) == CscConfig(url="https://ky.example.vn", credential_id="gv-01")
    with pytest.raises(KeyLoadError) as err:
        CscConfig.from_env({"HOCBA_CSC_URL": "https://ky.example.vn"})
    assert err.value.code == "signing.csc_config"


def test_a_wrong_or_missing_pin_is_refused_without_showing_it(pki, tmp_path_factory):
    token = session_token(tmp_path_factory.mktemp("softhsm"), pki)
    config = Pkcs11Config(token_label=token.label, key_label=token.key, module=token.module)
    with pytest.raises(KeyLoadError) as err:
        Pkcs11Signer.open(config, environ={})
    assert err.value.code == "signing.pkcs11_no_pin" and "HOCBA_PKCS11_PIN" in err.value.message_vi
    with pytest.raises(KeyLoadError) as err:
        Pkcs11Signer.open(config, environ={"HOCBA_PKCS11_PIN": "999999"})
    assert err.value.code == "signing.pkcs11_pin"
    assert "999999" not in f"{err.value.message_vi} {err.value.detail} {err.value!r}"


def test_an_unknown_token_or_key_is_refused(pki, tmp_path_factory):
    token = session_token(tmp_path_factory.mktemp("softhsm"), pki)
    env = {"HOCBA_PKCS11_PIN": token.pin}
    for config, code in [
        (Pkcs11Config(token_label="khong-co", key_label=token.key), "signing.pkcs11_token"),
        (Pkcs11Config(token_label=token.label, key_label="khong-co"), "signing.pkcs11_key"),
    ]:
        with pytest.raises(KeyLoadError) as err:
            Pkcs11Signer.open(config, environ=env)
        assert err.value.code == code


def test_an_unreachable_signing_service_is_a_key_load_error():
    config = CscConfig(url=f"http://127.0.0.1:{free_port()}", credential_id="x", timeout=2)
    with pytest.raises(KeyLoadError) as err:
        CscSigner.connect(config, environ={})
    assert err.value.code == "signing.csc_credential"
