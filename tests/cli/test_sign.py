"""``hocba sign``: one planned signature per call; a refusal writes nothing and leaves the
input as it was. Exit 0 signed, 1 refused, 2 unreadable input/key or no TSA."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from hocba.cli import main
from hocba.signing.tsa import TsaServer
from hocba.spec import SignerRole
from hocba.verify import Verdict, verify_pdf
from tests.pki_fixtures import *  # noqa: F403 — the session PKI and record fixtures


def sign(src, out, role, p12, *extra, env=None):
    args = ["sign", str(src), "-o", str(out), "--role", role, "--p12", str(p12), *extra]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_the_three_roles_sign_in_order_and_the_result_verifies(tmp_path, pki, record_pdf):
    doc = tmp_path / "0.pdf"
    doc.write_bytes(record_pdf)
    for i, role in enumerate(SignerRole):
        result = sign(doc, tmp_path / f"{i + 1}.pdf", role.value, pki.signer_entry(role).p12)
        assert result.exit_code == 0, result.output
        assert "Đã ký" in result.output
        doc = tmp_path / f"{i + 1}.pdf"
    assert verify_pdf(doc.read_bytes(), pki.trust()).verdict is Verdict.VALID
    assert (tmp_path / "0.pdf").read_bytes() == record_pdf


def test_a_refusal_writes_nothing_and_leaves_the_input_unchanged(tmp_path, pki, record_pdf):
    src, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    src.write_bytes(record_pdf)
    before = src.stat().st_mtime_ns
    result = sign(src, out, "principal", pki.signer_entry(SignerRole.PRINCIPAL).p12)
    assert result.exit_code == 1
    assert "signing.out_of_order" in result.output and "không bị thay đổi" in result.output
    assert not out.exists()
    assert src.read_bytes() == record_pdf and src.stat().st_mtime_ns == before


def test_a_refusal_never_overwrites_an_existing_output(tmp_path, pki, record_pdf):
    src, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    src.write_bytes(record_pdf)
    out.write_bytes(b"previous")
    revoked = pki.signer_entry(SignerRole.GVCN, revoked=True).p12
    result = sign(src, out, "gvcn", revoked)
    assert result.exit_code == 1 and "signing.certificate_revoked" in result.output
    assert out.read_bytes() == b"previous"


def test_signing_through_a_tsa_url(tmp_path, pki, record_pdf):
    src = tmp_path / "in.pdf"
    src.write_bytes(record_pdf)
    with TsaServer(pki.timestamper()) as url:
        result = sign(src, tmp_path / "out.pdf", "gvcn", pki.signer_entry(SignerRole.GVCN).p12,
                      "--tsa", url)  # fmt: skip
    assert result.exit_code == 0, result.output
    report = verify_pdf((tmp_path / "out.pdf").read_bytes(), pki.trust())
    assert report.signatures[0].timestamp_time is not None


def test_a_wrong_password_is_an_input_error(tmp_path, pki, record_pdf):
    src = tmp_path / "in.pdf"
    src.write_bytes(record_pdf)
    p12 = pki.signer_entry(SignerRole.GVCN).p12
    result = sign(src, tmp_path / "o.pdf", "gvcn", p12, "--password-env", "MY_PW",
                  env={"MY_PW": "sai-mat-khau"})  # fmt: skip
    assert result.exit_code == 2 and "mật khẩu" in result.output


def test_a_key_outside_the_demo_pki_needs_a_tsa(tmp_path, pki, record_pdf):
    src = tmp_path / "in.pdf"
    src.write_bytes(record_pdf)
    p12 = shutil.copy(pki.signer_entry(SignerRole.GVCN).p12, tmp_path / "key.p12")
    result = sign(src, tmp_path / "o.pdf", "gvcn", p12,
                  env={"HOCBA_P12_PASSWORD": pki.password, "HOCBA_TSA_URL": ""})  # fmt: skip
    assert result.exit_code == 2 and "signing.no_tsa" in result.output


def test_a_file_that_is_not_a_pdf_is_an_input_error(tmp_path, pki):
    src = tmp_path / "in.pdf"
    src.write_text("không phải PDF")
    result = sign(src, tmp_path / "o.pdf", "gvcn", pki.signer_entry(SignerRole.GVCN).p12)
    assert result.exit_code == 2 and "document.not_pdf" in result.output
    missing = sign(
        tmp_path / "nope.pdf", tmp_path / "o.pdf", "gvcn", pki.signer_entry(SignerRole.GVCN).p12
    )
    assert missing.exit_code == 2
