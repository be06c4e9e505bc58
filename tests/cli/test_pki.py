"""``hocba pki init DIR``: a demo PKI, refused in production."""

from __future__ import annotations

import json

from click.testing import CliRunner

from hocba.cli import main


def run(*args, env=None):
    result = CliRunner().invoke(main, ["pki", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_init_creates_the_demo_pki_with_the_given_names(tmp_path):
    result = run("init", str(tmp_path / "pki"), "--teacher", "Lê Thị Hồng", "--teacher",
                 "Ngô Bảo Châu", "--school", "Trường Tiểu học Kim Liên")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "chỉ để thử nghiệm" in result.output
    manifest = json.loads((tmp_path / "pki" / "manifest.json").read_text())
    assert manifest["demo"] is True
    names = [(s["role"], s["name"], s["revoked"]) for s in manifest["signers"]]
    assert ("gvcn", "Ngô Bảo Châu", False) in names and ("gvcn", "Lê Thị Hồng", True) in names
    assert ("seal", "Trường Tiểu học Kim Liên", False) in names
    assert (tmp_path / "pki" / "trust" / "root-ca.pem").is_file()


def test_init_is_refused_in_production(tmp_path):
    result = run("init", str(tmp_path / "pki"), env={"HOCBA_ENV": "production"})
    assert result.exit_code == 1
    assert "production" in result.output and not (tmp_path / "pki").exists()


def test_init_does_not_overwrite_an_existing_pki(tmp_path):
    assert run("init", str(tmp_path / "pki")).exit_code == 0
    before = (tmp_path / "pki" / "trust" / "root-ca.pem").read_bytes()
    result = run("init", str(tmp_path / "pki"))
    assert result.exit_code == 1 and "--force" in result.output
    assert (tmp_path / "pki" / "trust" / "root-ca.pem").read_bytes() == before
