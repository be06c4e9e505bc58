"""``hocba sign --pkcs11-token … --pin-prompt``: the seal signs from a SoftHSM token with the
PIN typed at a hidden prompt (or from ``HOCBA_PKCS11_PIN``); a wrong PIN is exit 2 and is
never echoed."""

from __future__ import annotations

from click.testing import CliRunner

from hocba.cli import main
from hocba.signing.tsa import TsaServer
from hocba.spec import SignerRole
from hocba.verify import Verdict, verify_pdf
from tests.pki_fixtures import *  # noqa: F403 — the session PKI and record fixtures
from tests.signing.softhsm import Token, add_certificate, session_token


def _run(args, **kwargs):
    result = CliRunner().invoke(main, [str(a) for a in args], **kwargs)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def _token(tmp_path_factory, pki) -> Token:
    """The session token, carrying the issuing CA of its seal certificate (its chain)."""
    token = session_token(tmp_path_factory.mktemp("softhsm"), pki)
    add_certificate(token, pki.issuing_ca_cert.read_bytes(), "session-ca", "31")
    return token


def _signed_by_gvcn_and_principal(tmp_path, pki, record_pdf):
    doc = tmp_path / "0.pdf"
    doc.write_bytes(record_pdf)
    for n, role in enumerate((SignerRole.GVCN, SignerRole.PRINCIPAL), start=1):
        out = tmp_path / f"{n}.pdf"
        result = _run(["sign", doc, "-o", out, "--role", role.value,
                       "--p12", pki.signer_entry(role).p12])  # fmt: skip
        assert result.exit_code == 0, result.output
        doc = out
    return doc


def test_the_seal_signs_from_a_token_with_a_pin_typed_at_a_hidden_prompt(
    tmp_path, tmp_path_factory, pki, record_pdf
):
    token = _token(tmp_path_factory, pki)
    doc = _signed_by_gvcn_and_principal(tmp_path, pki, record_pdf)
    out = tmp_path / "sealed.pdf"
    args = ["sign", doc, "-o", out, "--role", "seal", "--pkcs11-token", token.label,
            "--pkcs11-key", token.key, "--pkcs11-module", token.module, "--pin-prompt",
            "--trust", pki.trust_dir]  # fmt: skip
    with TsaServer(pki.timestamper()) as url:
        wrong = _run([*args, "--tsa", url], input="999999\n", env={"HOCBA_PKCS11_PIN": ""})
        assert wrong.exit_code == 2 and "Sai mã PIN" in wrong.output
        assert "999999" not in wrong.output and not out.exists()
        result = _run([*args, "--tsa", url], input=f"{token.pin}\n",
                      env={"HOCBA_PKCS11_PIN": ""})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert token.pin not in result.output  # the prompt hides what is typed
    report = verify_pdf(out.read_bytes(), pki.trust())
    assert report.verdict is Verdict.VALID, report.problems


def test_without_the_prompt_the_pin_comes_from_the_environment(
    tmp_path, tmp_path_factory, pki, record_pdf
):
    token = _token(tmp_path_factory, pki)
    doc = _signed_by_gvcn_and_principal(tmp_path, pki, record_pdf)
    args = ["sign", doc, "-o", tmp_path / "s.pdf", "--role", "seal", "--pkcs11-token",
            token.label, "--pkcs11-key", token.key, "--pkcs11-module", token.module]  # fmt: skip
    with TsaServer(pki.timestamper()) as url:
        missing = _run([*args, "--tsa", url], env={"HOCBA_PKCS11_PIN": ""})
        assert missing.exit_code == 2 and "HOCBA_PKCS11_PIN" in missing.output
        result = _run([*args, "--tsa", url], env={"HOCBA_PKCS11_PIN": token.pin})
    assert result.exit_code == 0, result.output


def test_one_key_source_is_required(tmp_path, pki, record_pdf):
    src = tmp_path / "in.pdf"
    src.write_bytes(record_pdf)
    neither = _run(["sign", src, "-o", tmp_path / "o.pdf", "--role", "gvcn"])
    both = _run(["sign", src, "-o", tmp_path / "o.pdf", "--role", "gvcn", "--p12",
                 pki.signer_entry(SignerRole.GVCN).p12, "--pkcs11-token", "t",
                 "--pkcs11-key", "k"])  # fmt: skip
    for result in (neither, both):
        assert result.exit_code == 2 and "Chọn một khoá ký" in result.output
