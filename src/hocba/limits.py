"""How much work one untrusted file may cause: ONE frozen object for every reader.

Spreadsheets (``hocba.ingest.guard``), record PDFs (``hocba.signing.document``, used by
``hocba.verify``) and the child process that parses uploads (``hocba.ingest.sandbox``) take a
``FileLimits``. Every bound is checked BEFORE the expensive step (unzip, calamine's grid,
inflating an attachment), so a hostile file costs a few milliseconds and a few megabytes.

Each field has a setting name (``docs/settings.md``): the Django setting of that name, else the
environment variable, overrides the default (``hocba.server.config.file_limits()``); the
document pipeline, which never imports Django, reads the environment only (``from_environ``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

MIB = 1024 * 1024


def _limit(default: int, setting: str) -> Any:
    return field(default=default, metadata={"setting": setting})


@dataclass(frozen=True)
class FileLimits:
    """Bounds on one untrusted file; every count is a hard ceiling (more is refused)."""

    upload_bytes: int = _limit(10 * MIB, "HOCBA_MAX_UPLOAD_BYTES")
    """An uploaded workbook (.xlsx), as sent."""
    xlsx_unpacked_bytes: int = _limit(200 * MIB, "HOCBA_XLSX_MAX_UNPACKED_BYTES")
    """All members of a workbook's zip together, unpacked (zip bombs stop here)."""
    xlsx_member_bytes: int = _limit(100 * MIB, "HOCBA_XLSX_MAX_MEMBER_BYTES")
    """One member of the zip (a sheet's XML, the shared strings), unpacked."""
    xlsx_members: int = _limit(1000, "HOCBA_XLSX_MAX_MEMBERS")
    """Files inside the zip."""
    xlsx_ratio: int = _limit(100, "HOCBA_XLSX_MAX_RATIO")
    """Unpacked / packed size of a member larger than 1 MiB (Excel's own files: 5–20)."""
    xlsx_rows: int = _limit(20_000, "HOCBA_XLSX_MAX_ROWS")
    """Last row of a sheet that has a cell (or that its ``<dimension>`` declares)."""
    xlsx_columns: int = _limit(256, "HOCBA_XLSX_MAX_COLUMNS")
    """Last column of a sheet (256 = IV, the old Excel width; templates use fewer than 40)."""
    xlsx_cells: int = _limit(2_000_000, "HOCBA_XLSX_MAX_CELLS")
    """Rows × columns of a sheet's used rectangle: the grid the reader allocates."""
    pdf_bytes: int = _limit(20 * MIB, "HOCBA_PDF_MAX_BYTES")
    """A presented record PDF (or signed XML), as sent."""
    pdf_embedded_bytes: int = _limit(4 * MIB, "HOCBA_PDF_MAX_EMBEDDED_BYTES")
    """One embedded file of a PDF (record.json, record.xml) or its metadata, decoded."""
    pdf_decoded_bytes: int = _limit(16 * MIB, "HOCBA_PDF_MAX_DECODED_BYTES")
    """Everything hocba inflates from one PDF together (attachments and metadata)."""
    bundle_bytes: int = _limit(200 * MIB, "HOCBA_BUNDLE_MAX_BYTES")
    """A school-transfer package (zip), as given."""
    bundle_member_bytes: int = _limit(30 * MIB, "HOCBA_BUNDLE_MAX_MEMBER_BYTES")
    """One file of a transfer package, unpacked."""
    bundle_members: int = _limit(2 + 2 * 100, "HOCBA_BUNDLE_MAX_MEMBERS")
    """Files in a transfer package (manifest, seal, a PDF and an XML per record)."""
    bundle_unpacked_bytes: int = _limit(300 * MIB, "HOCBA_BUNDLE_MAX_UNPACKED_BYTES")
    """All files of a transfer package together, unpacked."""
    parse_memory_bytes: int = _limit(512 * MIB, "HOCBA_PARSE_MAX_MEMORY_BYTES")
    """Address space an upload's parsing child process may add (0: parse in-process)."""
    parse_seconds: int = _limit(60, "HOCBA_PARSE_TIMEOUT_SECONDS")
    """Wall time the parsing child process may take before it is killed."""

    @classmethod
    def setting_names(cls) -> dict[str, str]:
        """Setting/environment name -> field name."""
        return {f.metadata["setting"]: f.name for f in fields(cls)}

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> FileLimits:
        """Defaults overridden by ``values`` (setting name -> int or digit string)."""
        changes: dict[str, int] = {}
        for name, attr in cls.setting_names().items():
            raw = values.get(name)
            if raw is None or raw == "":
                continue
            try:
                number = int(raw)
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be a whole number; got {raw!r}") from None
            if number < 0:
                raise ValueError(f"{name} must not be negative; got {raw!r}")
            changes[attr] = number
        return replace(cls(), **changes)

    @classmethod
    def from_environ(cls) -> FileLimits:
        return cls.from_mapping(os.environ)


def default_limits() -> FileLimits:
    """What a pipeline reader uses when none is given: the defaults and the environment."""
    return FileLimits.from_environ()


def vn(number: int) -> str:
    """16384 -> "16.384" (Vietnamese thousands separator)."""
    return f"{number:,}".replace(",", ".")


def vn_bytes(number: int) -> str:
    """A size as users read it: "4 MB", "512 KB", "300 byte"."""
    if number >= 10 * MIB or (number >= MIB and number % MIB == 0):
        return f"{vn(round(number / MIB))} MB"
    if number >= MIB:
        return f"{number / MIB:.1f} MB".replace(".", ",")
    if number >= 1024:
        return f"{vn(number // 1024)} KB"
    return f"{vn(number)} byte"
