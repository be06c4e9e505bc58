"""``hocba demo``'s QR codes open the local verification page (``hocba serve``) by default, or
the address given with ``--public-url``."""

from __future__ import annotations

import subprocess

import pytest

from hocba.render import verification_token
from hocba.spec import load_record
from tests.cli.test_demo import run_demo
from tests.tools import require

SMALL = ["--seed", "3", "--classes-per-grade", "1", "--students-per-class", "1"]


def _qr(pdf, tmp_path) -> str:
    require("pdftoppm")
    require("zbarimg")
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(png)], check=True)  # fmt: skip
    return subprocess.run(
        ["zbarimg", "-q", "--raw", f"{png}.png"], capture_output=True, text=True, check=False
    ).stdout.strip()


@pytest.mark.parametrize(
    ("args", "base"),
    [([], "http://127.0.0.1:8000"), (["--public-url", "https://hocba.sogd.example.vn/"],
                                     "https://hocba.sogd.example.vn")],
    ids=["default-local", "option"],
)  # fmt: skip
def test_the_demo_s_qr_codes_open_the_verification_page(tmp_path, monkeypatch, args, base):
    monkeypatch.delenv("HOCBA_PUBLIC_URL", raising=False)
    out = tmp_path / "out"
    proc = run_demo(tmp_path, "--out", str(out), *SMALL, *args)
    assert proc.returncode == 0, proc.stderr
    pdf = sorted((out / "records").rglob("*.pdf"))[0]
    record = load_record(pdf.with_suffix(".json").read_bytes())
    assert _qr(pdf, tmp_path) == f"{base}/xac-minh/?q={verification_token(record)}"
