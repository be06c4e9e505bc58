"""What a rendered PDF tells a reader about verification: the QR code opens the configured
public address, the printed address is that address (broken only after a ``/``), and the code
printed under the QR code, as ``pdftotext`` extracts it, is accepted as typed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from hocba.public_url import verify_url
from hocba.render import Renderer, verification_token
from hocba.spec import Record, record_digest
from hocba.spec.token import TypedCode, parse_typed
from tests.tools import require

PUBLIC = "https://hocba.sogd.example.vn"


@pytest.fixture(scope="module")
def configured_pdf(renderer: Renderer, record: Record, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("verify-print") / "r.pdf"
    path.write_bytes(renderer.render(record, verify_url=verify_url(PUBLIC)))
    return path


def _text(path: Path, *args: str) -> str:
    require("pdftotext")
    cmd = ["pdftotext", *args, str(path), "-"]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def printed_code(path: Path) -> str:
    """The block under the QR code exactly as pdftotext gives it: the label and 4 lines."""
    match = re.search(r"SHA-256\n(?:[0-9a-f]{16}\n){4}", _text(path))
    assert match, "no digest block under the QR code"
    return match[0]


@pytest.mark.parametrize("page", [1, 2])
def test_the_qr_code_opens_the_configured_public_address(
    configured_pdf: Path, record: Record, tmp_path: Path, page: int
) -> None:
    require("pdftoppm")
    require("zbarimg")
    png = tmp_path / "page"
    pages = ["-f", str(page), "-l", str(page), "-singlefile"]
    subprocess.run(["pdftoppm", "-png", "-r", "150", *pages, str(configured_pdf), str(png)],
                   check=True)  # fmt: skip
    out = subprocess.run(
        ["zbarimg", "-q", "--raw", f"{png}.png"], capture_output=True, text=True, check=False
    ).stdout.strip()
    assert out == f"{PUBLIC}/xac-minh/?q={verification_token(record)}"


def test_the_printed_instructions_name_the_configured_address_whole(configured_pdf: Path) -> None:
    text = _text(configured_pdf)
    assert f"{PUBLIC}/\nxac-minh/" in text or f"{PUBLIC}/xac-minh/" in text
    assert "hocba.example.vn" not in text


def test_the_code_printed_under_the_qr_code_is_accepted_as_printed(
    configured_pdf: Path, record: Record
) -> None:
    printed = printed_code(configured_pdf)
    assert printed.startswith("SHA-256\n") and printed.count("\n") == 5
    assert parse_typed(printed) == TypedCode(record_digest(record))
    assert parse_typed(printed.replace("\n", " ").upper()) == TypedCode(record_digest(record))
