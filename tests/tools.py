"""External tools some tests call. Missing tools fail the test (CI installs them; never skip)."""

from __future__ import annotations

import shutil

import pytest

DEBIAN_PACKAGE = {
    "pdfsig": "poppler-utils",
    "pdftotext": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "zbarimg": "zbar-tools",
    "softhsm2-util": "softhsm2",
    "pkcs11-tool": "opensc",
}


def require(tool: str) -> str:
    """Path of ``tool``; fails the test with the install command when it is missing."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: apt-get install {DEBIAN_PACKAGE.get(tool, tool)}")
    return path
