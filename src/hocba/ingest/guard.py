"""Bound the work of an untrusted workbook BEFORE calamine reads it (issue #11, findings 4, 5).

python-calamine builds each sheet as a dense grid (rows × columns × 32 bytes) and unpacks
every zip member whole: one cell at XFD1048576 asks for 512 GiB and aborts the process, and a
5 MB file holding 1.4 GB of sheet XML costs gigabytes. ``check_workbook`` looks first, with
bounded work, and refuses with a ``WorkbookTooLarge`` naming the limit crossed:

1. the zip's central directory only: number of members, each member's declared unpacked size
   and compression ratio, their total, method (stored/deflate), no encryption or duplicates;
2. every member is inflated in 64 KiB steps with a byte budget (``zlib`` ``max_length``) and
   must end exactly at its declared size with its CRC — a lying header cannot smuggle more
   bytes to calamine's own unzip;
3. each worksheet's XML is fed, as it inflates, to a streaming lxml parser (no DTD, no
   entities, no network, ``huge_tree`` off): the declared ``<dimension>`` and the real last
   row/column and used rectangle are checked against ``FileLimits``, and every formula cell
   (``<f>``) is reported — calamine gives cached values only, so a formula would otherwise be
   imported silently as whatever Excel last computed.

python-calamine 0.9 has no range-limited load (``get_sheet_by_name`` builds the dense range
from the first to the farthest cell; ``to_python(nrows=)`` only trims its output), so the far
cell must be found before. It does not reserve from ``<dimension>`` (measured: a lying
``A1:XFD1048576`` costs it nothing); the declared corner is checked anyway, as other readers
trust it. Cost: a 1,000-student school workbook (0.4 MB, 17 sheets) ~0.5 s on the 2-core
test machine; memory is bounded by one row of the XML tree.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from itertools import repeat

from lxml import etree

from hocba.ingest.rows import IngestProblem, Location, UnreadableWorkbook, WorkbookTooLarge
from hocba.limits import FileLimits, vn, vn_bytes

CHUNK = 64 * 1024
RATIO_FLOOR = 1024 * 1024  # ratios of small members do not matter
SMALL_XML = 1024 * 1024  # workbook.xml and its relationships, read whole to name the sheets
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,7})\$?(\d{1,12})")
_REF_LIST = re.compile(r"[A-Za-z]{1,7}\d{1,12}(?: [A-Za-z]{1,7}\d{1,12})*")
_LETTERS = re.compile(r"[A-Za-z]+")
_DIGITS = re.compile(r"\d+")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass
class _Extent:
    """Where a sheet's cells reach (1-based), and its formula cells."""

    rows: int = 0
    columns: int = 0
    formulas: list[str] = field(default_factory=list)


def column_number(letters: str) -> int:
    """ "A" -> 1, "XFD" -> 16384."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + (ord(ch) - 64)
    return number


def _letters(number: int) -> str:
    out = ""
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def _too_large(source: str, what_vi: str, detail: str, code: str = "import.too_large") -> None:
    raise WorkbookTooLarge(
        f"Tệp '{source}' bị từ chối: {what_vi}. Hãy lưu lại bảng tính từ mẫu của hệ thống, "
        "chỉ giữ các trang và ô cần nhập.",
        detail=detail,
        code=code,
    )


def _unreadable(source: str, detail: str) -> None:
    raise UnreadableWorkbook(
        f"Không đọc được tệp '{source}': tệp bị hỏng hoặc không phải .xlsx.", detail=detail
    )


def check_workbook(data: bytes, source: str, limits: FileLimits) -> list[IngestProblem]:
    """Raise ``WorkbookTooLarge`` (or ``UnreadableWorkbook``) when ``data`` would cost more
    than ``limits`` to read; return one problem per formula cell."""
    if len(data) > limits.upload_bytes:
        _too_large(
            source,
            f"tệp {vn_bytes(len(data))}, vượt giới hạn {vn_bytes(limits.upload_bytes)}",
            f"upload of {len(data)} bytes > {limits.upload_bytes}",
        )
    try:
        infos = zipfile.ZipFile(BytesIO(data)).infolist()  # the central directory only
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as err:
        _unreadable(source, f"bad zip: {type(err).__name__}")
    _check_directory(infos, source, limits)
    names = _sheet_names(data, infos, source, limits)
    problems: list[IngestProblem] = []
    budget = limits.xlsx_unpacked_bytes
    for info in infos:
        sheet = names.get(info.filename)
        if sheet is None and _is_worksheet(info.filename):
            sheet = posixpath.basename(info.filename)
        chunks = _inflate(data, info, source, limits, budget)
        if sheet is None:
            for chunk in chunks:
                budget -= len(chunk)
            continue
        extent = _scan_sheet(chunks, source, sheet, limits)
        budget -= info.file_size
        problems += [
            IngestProblem(
                Location(source, sheet, int(m[2]), m[1].upper(), ""),
                "",
                "cell.formula",
                "ô có công thức — công thức không được chấp nhận; hãy nhập giá trị (hoặc dán "
                "đặc biệt: chỉ giá trị)",
                "formula cell",
            )
            for ref in extent.formulas
            if (m := _CELL_REF.fullmatch(ref))
        ]
    return problems


def _check_directory(infos: list[zipfile.ZipInfo], source: str, limits: FileLimits) -> None:
    if len(infos) > limits.xlsx_members:
        _too_large(
            source,
            f"tệp nén có {vn(len(infos))} tệp con, vượt giới hạn {vn(limits.xlsx_members)}",
            f"{len(infos)} zip members > {limits.xlsx_members}",
        )
    if len({i.filename for i in infos}) != len(infos):
        _unreadable(source, "duplicate zip member names")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            _unreadable(source, f"encrypted zip member {info.filename!r}")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            _unreadable(source, f"zip method {info.compress_type} in {info.filename!r}")
        if info.file_size > limits.xlsx_member_bytes:
            _too_large(
                source,
                f"phần '{info.filename}' giải nén ra {vn_bytes(info.file_size)}, vượt giới hạn "
                f"{vn_bytes(limits.xlsx_member_bytes)} cho mỗi phần",
                f"member {info.filename!r} declares {info.file_size} bytes "
                f"> {limits.xlsx_member_bytes}",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > limits.xlsx_ratio:
            _too_large(
                source,
                f"phần '{info.filename}' nén {ratio:.0f} lần, vượt giới hạn "
                f"{vn(limits.xlsx_ratio)} lần (dấu hiệu bom nén)",
                f"member {info.filename!r} ratio {ratio:.0f} > {limits.xlsx_ratio}",
            )
        total += info.file_size
    if total > limits.xlsx_unpacked_bytes:
        _too_large(
            source,
            f"giải nén ra {vn_bytes(total)}, vượt giới hạn {vn_bytes(limits.xlsx_unpacked_bytes)}",
            f"zip declares {total} unpacked bytes > {limits.xlsx_unpacked_bytes}",
        )


def _inflate(
    data: bytes, info: zipfile.ZipInfo, source: str, limits: FileLimits, budget: int
) -> Iterator[bytes]:
    """The member's bytes in chunks; never more than its declared size (which is within the
    limits), and exactly that size with its CRC, or the workbook is refused."""
    view = memoryview(data)
    start = info.header_offset
    header = bytes(view[start : start + _LOCAL_HEADER.size])
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        _unreadable(source, f"bad local header for {info.filename!r}")
    fields = _LOCAL_HEADER.unpack(header)
    begin = start + _LOCAL_HEADER.size + fields[10] + fields[11]
    raw = view[begin : begin + info.compress_size]
    if len(raw) != info.compress_size:
        _unreadable(source, f"truncated member {info.filename!r}")
    allowed = min(info.file_size, budget)
    produced, crc = 0, 0

    def take(out: bytes) -> bytes:
        nonlocal produced, crc
        produced += len(out)
        if produced > allowed:
            if produced > info.file_size:
                _unreadable(source, f"member {info.filename!r} inflates past its declared size")
            _too_large(
                source,
                f"giải nén vượt giới hạn {vn_bytes(limits.xlsx_unpacked_bytes)}",
                f"unpacked budget {limits.xlsx_unpacked_bytes} exhausted at {info.filename!r}",
            )
        crc = zlib.crc32(out, crc)
        return out

    if info.compress_type == zipfile.ZIP_STORED:
        for i in range(0, len(raw), CHUNK):
            yield take(bytes(raw[i : i + CHUNK]))
    else:
        inflater = zlib.decompressobj(-15)
        pos, tail = 0, b""
        try:
            while not inflater.eof:
                if not tail:
                    if pos >= len(raw):
                        break
                    tail, pos = raw[pos : pos + CHUNK], pos + CHUNK
                out = inflater.decompress(tail, CHUNK)
                tail = inflater.unconsumed_tail
                if out:
                    yield take(out)
        except zlib.error as err:
            _unreadable(source, f"bad deflate data in {info.filename!r}: {err}")
        if not inflater.eof:
            _unreadable(source, f"truncated deflate stream in {info.filename!r}")
    if produced != info.file_size or (crc & 0xFFFFFFFF) != info.CRC:
        _unreadable(source, f"size or CRC mismatch in {info.filename!r}")


def _read_small(
    data: bytes, infos: list[zipfile.ZipInfo], name: str, source: str, limits: FileLimits
) -> bytes | None:
    info = next((i for i in infos if i.filename == name), None)
    if info is None or info.file_size > SMALL_XML:
        return None
    return b"".join(_inflate(data, info, source, limits, SMALL_XML))


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _sheet_names(
    data: bytes, infos: list[zipfile.ZipInfo], source: str, limits: FileLimits
) -> dict[str, str]:
    """Member path -> sheet name, from ``xl/workbook.xml`` and its relationships."""
    book = _read_small(data, infos, "xl/workbook.xml", source, limits)
    rels = _read_small(data, infos, "xl/_rels/workbook.xml.rels", source, limits)
    if book is None or rels is None:
        return {}
    try:
        targets = {
            r.get("Id"): r.get("Target", "")
            for r in etree.fromstring(rels, _safe_parser()).iter("{*}Relationship")
        }
        out = {}
        for sheet in etree.fromstring(book, _safe_parser()).iter("{*}sheet"):
            target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
            if target:
                path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                out[posixpath.normpath(path)] = sheet.get("name", "")
        return out
    except etree.XMLSyntaxError:
        return {}


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml") and "_rels" not in name


def _scan_sheet(chunks: Iterator[bytes], source: str, sheet: str, limits: FileLimits) -> _Extent:
    parser = etree.XMLPullParser(
        events=("end",),
        tag=("{*}row", "{*}dimension"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    extent = _Extent()
    row_number = 0
    first = True
    try:
        for chunk in chunks:
            if first and (b"<!DOCTYPE" in chunk[:4096] or b"<!ENTITY" in chunk[:4096]):
                _unreadable(source, f"DTD in sheet {sheet!r}")
            first = False
            parser.feed(chunk)
            for _, elem in parser.read_events():
                if elem.tag.endswith("dimension"):
                    _check_dimension(elem.get("ref", ""), source, sheet, limits)
                    continue
                row_number = _scan_row(elem, row_number, extent, source, sheet, limits)
                elem.clear()
                parent = elem.getparent()
                if parent is not None:
                    while elem.getprevious() is not None:
                        del parent[0]
        parser.close()
    except etree.XMLSyntaxError as err:
        _unreadable(source, f"bad XML in sheet {sheet!r}: {err.msg}")
    return extent


def _check_dimension(ref: str, source: str, sheet: str, limits: FileLimits) -> None:
    last = ref.split(":")[-1]
    match = _CELL_REF.fullmatch(last)
    if match is None:
        return
    _check_extent(
        int(match[2]), column_number(match[1]), last.upper(), source, sheet, limits, declared=True
    )


def _scan_row(
    row: etree._Element,
    previous: int,
    extent: _Extent,
    source: str,
    sheet: str,
    limits: FileLimits,
) -> int:
    """Fold one ``<row>`` into ``extent``; its number. The usual row (every cell has an
    ``r``, no formula, within the bounds) is judged with C-level operations only; any other
    goes cell by cell (``_scan_cells``), which names the cell that crosses a bound."""
    r = row.get("r")
    number = int(r) if r and r.isdigit() else previous + 1
    refs = [c.get("r") for c in row.iterchildren("{*}c")]
    if refs:
        joined = " ".join(refs) if None not in refs else ""
        if not _REF_LIST.fullmatch(joined) or next(row.iter("{*}f"), None) is not None:
            _scan_cells(row, number, extent, source, sheet, limits)
        else:
            letters = max(map(str.rjust, map(str.upper, _LETTERS.findall(joined)), repeat(7)))
            rows, columns = max(map(int, _DIGITS.findall(joined))), column_number(letters.strip())
            if rows > extent.rows or columns > extent.columns:
                rows, columns = max(rows, extent.rows), max(columns, extent.columns)
                if _crosses(rows, columns, limits):
                    _scan_cells(row, number, extent, source, sheet, limits)
                extent.rows, extent.columns = rows, columns
    if number > extent.rows:
        extent.rows = number  # an empty row still counts: calamine keeps its height
        _check_extent(number, max(extent.columns, 1), f"dòng {number}", source, sheet, limits)
    return number


def _scan_cells(
    row: etree._Element,
    number: int,
    extent: _Extent,
    source: str,
    sheet: str,
    limits: FileLimits,
) -> None:
    column = 0
    for cell in row.iterchildren("{*}c"):
        ref = cell.get("r")
        match = _CELL_REF.fullmatch(ref) if ref else None
        if match is not None:
            column, number_in_ref = column_number(match[1]), int(match[2])
        else:
            column, number_in_ref = column + 1, number
        cell_ref = f"{_letters(column)}{number_in_ref}"
        if number_in_ref > extent.rows or column > extent.columns:
            extent.rows = max(extent.rows, number_in_ref)
            extent.columns = max(extent.columns, column)
            _check_extent(extent.rows, extent.columns, cell_ref, source, sheet, limits)
        if cell.find("{*}f") is not None:
            extent.formulas.append(cell_ref)


def _crosses(rows: int, columns: int, limits: FileLimits) -> bool:
    return (
        rows > limits.xlsx_rows
        or columns > limits.xlsx_columns
        or rows * columns > limits.xlsx_cells
    )


def _check_extent(
    rows: int,
    columns: int,
    where: str,
    source: str,
    sheet: str,
    limits: FileLimits,
    declared: bool = False,
) -> None:
    what = "khai báo vùng dữ liệu đến" if declared else "có ô ở"
    bound = f"{vn(limits.xlsx_columns)} cột × {vn(limits.xlsx_rows)} dòng"
    if rows > limits.xlsx_rows or columns > limits.xlsx_columns:
        _too_large(
            source,
            f"trang '{sheet}' {what} {where}, vượt giới hạn {bound}",
            f"sheet {sheet!r} reaches {where} ({rows} rows x {columns} columns, "
            f"declared={declared}) > {limits.xlsx_rows} x {limits.xlsx_columns}",
        )
    if rows * columns > limits.xlsx_cells:
        _too_large(
            source,
            f"trang '{sheet}' {what} {where}: vùng {vn(rows)} dòng × {vn(columns)} cột vượt "
            f"giới hạn {vn(limits.xlsx_cells)} ô",
            f"sheet {sheet!r} rectangle {rows}x{columns} > {limits.xlsx_cells} cells",
        )
