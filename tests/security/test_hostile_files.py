"""Issue #11, findings 4, 5, 7: hostile files never take the server down.

4. one cell at XFD1048576 made calamine ask for 512 GiB and abort the web process;
5. a 5 MB xlsx holding 1.4 GB of sheet XML cost 45 s and 6 GB before it was refused;
7. a 0.26 MB PDF whose record.json inflates to 256 MB cost 260 MB per public verification.

Each bomb is generated here (a few seconds). The reading is measured in a child Python with a
2 GiB address-space ceiling, so the old code fails the test (abort, MemoryError, or a peak far
above the bound) instead of taking the test run down; then the live server is shown to keep
answering other requests while the bomb is uploaded.
"""

from __future__ import annotations

import functools
import io
import json
import re
import resource
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from openpyxl import load_workbook

from hocba.ingest.read import read_workbook
from hocba.ingest.rows import WorkbookTooLarge
from hocba.ingest.templates import TemplateStudent, evaluation_template
from hocba.limits import FileLimits
from hocba.sandbox import ParseAborted, run_limited
from hocba.verify import Verdict, verify_pdf
from tests.apps.imports.conftest import World, world  # noqa: F401  (the fixture)

YEAR = "2024-2025"
MIB = 1024 * 1024
CEILING = 2 * 1024 * MIB  # address space of the measuring child
BOUND_MIB = 512  # the acceptance bound: peak memory above idle


# --- bomb factories ----------------------------------------------------------------------------


def _template() -> bytes:
    students = [TemplateStudent(f"HS{i}", "Nguyễn Văn An", "4A", 4) for i in range(5)]
    return evaluation_template(school_name="Trường thử", school_year=YEAR, students=students)


def far_cell_xlsx(ref: str = "XFD1048576", dimension: str | None = None) -> bytes:
    """The evaluation template with one extra cell at ``ref``; with ``dimension``, the sheet's
    ``<dimension>`` is rewritten to lie (say the data ends at ``dimension``)."""
    wb = load_workbook(io.BytesIO(_template()))
    wb["Toán"][ref] = "x"
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    if dimension is None:
        return data
    members = _members(data)
    for name, body in members.items():
        if name.startswith("xl/worksheets/") and f'r="{ref}"'.encode() in body:
            members[name] = re.sub(
                rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), body
            )
    return _zip({n: (b, None) for n, b in members.items()})


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _deflate_repeated(chunk: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of ``chunk * times + tail`` without compressing it all: one full-flushed
    block (it refers to nothing before it) repeated, then a final block. Returns the stream,
    its unpacked size and CRC-32."""
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    once = block.compress(chunk) + block.flush(zlib.Z_FULL_FLUSH)
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    final = last.compress(tail) + last.flush()
    crc = 0
    if times * len(chunk) < 64 * MIB:  # (the zip bomb computes its own CRC)
        for _ in range(times):
            crc = zlib.crc32(chunk, crc)
        crc = zlib.crc32(tail, crc)
    return once * times + final, len(chunk) * times + len(tail), crc


def _zip(
    members: dict[str, tuple[bytes, tuple[bytes, int, int] | None]],
    declare: dict[str, tuple[int, int]] | None = None,
) -> bytes:
    """A zip written by hand: ``(plain, None)`` members are deflated here; ``(b"", (raw
    deflate, size, crc))`` are taken as they are. ``declare`` makes a member's headers claim
    another (size, crc)."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, (plain, packed) in members.items():
        if packed is None:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed = (c.compress(plain) + c.flush(), len(plain), zlib.crc32(plain))
        raw, size, crc = packed
        size, crc = (declare or {}).get(name, (size, crc))
        encoded = name.encode()
        offset = out.tell()
        out.write(
            struct.pack(
                "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(raw), size, len(encoded), 0
            )
            + encoded
        )
        out.write(raw)
        central.write(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                len(raw),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start, directory = out.tell(), central.getvalue()
    out.write(directory)
    out.write(
        struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), start, 0
        )
    )
    return out.getvalue()


def zip_bomb_xlsx(unpacked: int = 1400 * MIB, lie: bool = False) -> bytes:
    """The template with its second sheet replaced by ``unpacked`` bytes of repeated rows
    (about 5 MB packed). With ``lie`` the headers declare 1 MiB (and that prefix's CRC)."""
    members = _members(_template())
    sheet = "xl/worksheets/sheet2.xml"
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>"
    )
    tail = b"</sheetData></worksheet>"
    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 200 + b"</t></is></c></row>"
    chunk = row * (MIB // len(row))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head_raw = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)  # refers to nothing before
    body_raw, body_size, _ = _deflate_repeated(chunk, (unpacked - len(head)) // len(chunk), tail)
    crc = zlib.crc32(head)
    for _ in range((unpacked - len(head)) // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    packed: dict[str, tuple[bytes, tuple[bytes, int, int] | None]]
    packed = {n: (b, None) for n, b in members.items()}
    packed[sheet] = (b"", (head_raw + body_raw, len(head) + body_size, crc))
    declare = {sheet: (MIB, zlib.crc32((head + chunk)[:MIB]))} if lie else None
    return _zip(packed, declare)


def pdf_bomb(inflated: int = 256 * MIB, extra: dict[str, bytes] | None = None) -> bytes:
    """A small PDF attaching ``record.json`` whose FlateDecode stream inflates to
    ``inflated`` bytes (plus ``extra`` plain attachments)."""
    chunk = b" " * MIB
    raw, _, _ = _deflate_repeated(chunk, inflated // MIB, b"{}")
    adler = 1
    for _ in range(inflated // MIB):
        adler = zlib.adler32(chunk, adler)
    adler = zlib.adler32(b"{}", adler)
    stream = b"\x78\xda" + raw + struct.pack(">L", adler)
    files = {"record.json": (stream, b"/Filter /FlateDecode ")}
    files |= {n: (zlib.compress(b), b"/Filter /FlateDecode ") for n, b in (extra or {}).items()}
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names ["
        + b" ".join(f"({n}) {4 + 2 * i} 0 R".encode() for i, n in enumerate(files))
        + b"] >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    for i, (name, (data, filt)) in enumerate(files.items()):
        objects.append(
            f"<< /Type /Filespec /F ({name}) /UF ({name}) /EF << /F {5 + 2 * i} 0 R >> >>".encode()
        )
        objects.append(
            b"<< /Type /EmbeddedFile "
            + filt
            + b"/Length "
            + str(len(data)).encode()
            + b" >>\nstream\n"
            + data
            + b"\nendstream"
        )
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


# --- measuring in a child Python ---------------------------------------------------------------

PROBE = r"""
import json, resource, sys, time
from hocba.ingest.read import read_workbook
from hocba.ingest.templates import TemplateStudent, evaluation_template
from hocba.verify import verify_pdf
warm = evaluation_template(school_name="T", school_year="2024-2025",
                           students=[TemplateStudent("HS1", "An", "4A", 4)])
read_workbook(warm, source="warm.xlsx", school_year="2024-2025")
verify_pdf(b"%PDF-1.7\n")
for line in sys.stdin:
    name, kind, path = line.split()
    data = open(path, "rb").read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    out = {"name": name}
    try:
        if kind == "xlsx":
            read_workbook(data, source="bom.xlsx", school_year="2024-2025")
            out["outcome"] = "read"
        else:
            report = verify_pdf(data)
            out["outcome"] = report.verdict.value
            out["codes"] = [p.code for p in report.problems]
            out["message"] = " ".join(p.message_vi for p in report.problems)
    except Exception as exc:
        out["outcome"] = getattr(exc, "code", type(exc).__name__)
        out["message"] = getattr(exc, "message_vi", str(exc))
    out["seconds"] = time.monotonic() - started
    out["peak_mib"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(json.dumps(out), flush=True)
"""


def _ceiling() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CEILING, CEILING))


FAR = [("XFD1048576", None), ("XFD1048576", "A1:C5"), ("XFD1", None), ("A1048576", None)]


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> dict[str, dict]:
    """Every bomb read, one after the other, in ONE child Python with a 2 GiB address space:
    name -> outcome, seconds and peak RSS above the child's warmed-up state. The old code
    aborts (far cell), runs out of time (zip bomb) or peaks at +495 MiB (PDF) here."""
    where = tmp_path_factory.mktemp("bombs")
    started = time.monotonic()
    bombs = {f"far:{ref}:{dim}": ("xlsx", far_cell_xlsx(ref, dim)) for ref, dim in FAR}
    bombs["zip"] = ("xlsx", zip_bomb_xlsx())
    bombs["zip-lie"] = ("xlsx", zip_bomb_xlsx(lie=True))
    bombs["pdf"] = ("pdf", pdf_bomb())
    made = time.monotonic() - started
    lines = []
    for name, (kind, data) in bombs.items():
        (where / name.replace(":", "_")).write_bytes(data)
        lines.append(f"{name} {kind} {where / name.replace(':', '_')}\n")
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        input="".join(lines),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_ceiling,
    )
    assert done.returncode == 0, f"the reader died ({done.returncode}): {done.stderr[-800:]}"
    results = {r["name"]: r for r in map(json.loads, done.stdout.strip().splitlines())}
    for name, (_, data) in bombs.items():  # the figures for the report (pytest -s)
        print(f"{name}: {len(data)} bytes -> {results[name]}")
    return results | {"made_seconds": {"seconds": made}}


# --- finding 4: one far cell -------------------------------------------------------------------


@pytest.mark.parametrize(("ref", "dimension"), FAR)
def test_one_far_cell_is_refused_in_milliseconds_not_a_512_gib_grid(measured, ref, dimension):
    result = measured[f"far:{ref}:{dimension}"]
    assert result["outcome"] == "import.too_large"
    col, row = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()  # the cell, or the corner that
    corner = re.search(r"đến ([A-Z]+)(\d+)", result["message"])  # its <dimension> declares
    assert ref in result["message"] or (corner and (corner[1] == col or corner[2] == row))
    assert "vượt giới hạn" in result["message"]
    assert result["seconds"] < 3
    assert result["peak_mib"] < BOUND_MIB


def test_a_lying_dimension_alone_is_refused_before_calamine_reserves_it():
    data = far_cell_xlsx("D4", dimension="A1:XFD1048576")
    with pytest.raises(WorkbookTooLarge) as refused:
        read_workbook(data, source="a.xlsx", school_year=YEAR)
    assert "khai báo vùng dữ liệu đến XFD1048576" in refused.value.message_vi


def test_the_limits_come_from_settings_and_name_the_bound():
    limits = FileLimits.from_mapping(
        {
            "HOCBA_XLSX_MAX_ROWS": "5000",
            "HOCBA_XLSX_MAX_COLUMNS": "16384",
            "HOCBA_XLSX_MAX_CELLS": str(10**12),
        }
    )
    with pytest.raises(WorkbookTooLarge) as refused:
        read_workbook(
            far_cell_xlsx(dimension="A1:C5"), source="a.xlsx", school_year=YEAR, limits=limits
        )
    assert (
        "Tệp 'a.xlsx' bị từ chối: trang 'Toán' có ô ở XFD1048576, vượt giới hạn "
        "16.384 cột × 5.000 dòng" in refused.value.message_vi
    )
    assert "1048576" in refused.value.detail


# --- finding 5: the zip bomb -------------------------------------------------------------------


def test_a_spreadsheet_zip_bomb_is_refused_at_once_with_bounded_memory(measured):
    assert measured["made_seconds"]["seconds"] < 15  # making all the bombs
    result = measured["zip"]
    assert result["outcome"] == "import.too_large"
    assert "vượt giới hạn" in result["message"]
    assert result["seconds"] < 1
    assert result["peak_mib"] < BOUND_MIB


def test_a_zip_bomb_that_lies_about_its_size_is_refused_while_inflating(measured):
    result = measured["zip-lie"]
    assert result["outcome"] in ("import.unreadable", "import.too_large")
    assert result["seconds"] < 2
    assert result["peak_mib"] < BOUND_MIB


@functools.cache
def _big_ordinary_workbook() -> bytes:
    """5,000 rows × 10 columns on the 'Toán' sheet (1.6 MB of sheet XML): within every default."""
    wb = load_workbook(io.BytesIO(_template()))
    for r in range(10, 5010):
        for c in range(20, 30):
            wb["Toán"].cell(r, c, "x")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("HOCBA_XLSX_MAX_UNPACKED_BYTES", 100_000, "vượt giới hạn 97 KB"),
        ("HOCBA_XLSX_MAX_MEMBER_BYTES", 100_000, "vượt giới hạn 97 KB cho mỗi phần"),
        ("HOCBA_XLSX_MAX_RATIO", 5, "vượt giới hạn 5 lần (dấu hiệu bom nén)"),
        ("HOCBA_XLSX_MAX_MEMBERS", 3, "tệp con, vượt giới hạn 3"),
        ("HOCBA_XLSX_MAX_ROWS", 50, "vượt giới hạn 256 cột × 50 dòng"),
        ("HOCBA_XLSX_MAX_COLUMNS", 5, "vượt giới hạn 5 cột × 20.000 dòng"),
        ("HOCBA_XLSX_MAX_CELLS", 1000, "vượt giới hạn 1.000 ô"),
        ("HOCBA_MAX_UPLOAD_BYTES", 1000, "vượt giới hạn 1.000 byte"),
    ],
)
def test_each_spreadsheet_bound_is_checked_and_named(setting, value, words):
    data = _big_ordinary_workbook()
    assert read_workbook(data, source="a.xlsx", school_year=YEAR).problems == []
    limits = FileLimits.from_mapping({setting: value})
    with pytest.raises(WorkbookTooLarge) as refused:
        read_workbook(data, source="a.xlsx", school_year=YEAR, limits=limits)
    assert words in refused.value.message_vi


# --- finding 7: the PDF decompression bomb ------------------------------------------------------


def test_a_pdf_whose_attachment_inflates_to_256_mb_is_refused_without_inflating_it(measured):
    assert len(pdf_bomb(inflated=MIB)) < 4096 and len(zip_bomb_xlsx(unpacked=2 * MIB)) < 64_000
    result = measured["pdf"]
    assert result["outcome"] == Verdict.UNREADABLE.value
    assert result["codes"] == ["document.attachment_too_large"]
    assert "record.json" in result["message"] and "4 MB" in result["message"]
    assert result["seconds"] < 2
    assert result["peak_mib"] < 64  # the bound is 4 MB per file, 16 MB in all


def test_the_total_decoded_size_of_a_pdf_is_bounded_too():
    three = b"[" + b" " * (3 * MIB) + b"]"
    bomb = pdf_bomb(inflated=3 * MIB, extra={"a.json": three, "b.json": three})
    report = verify_pdf(bomb, limits=FileLimits(pdf_decoded_bytes=8 * MIB))
    assert report.verdict is Verdict.UNREADABLE
    assert "8 MB cho tổng các tệp đính kèm" in report.problems[0].message_vi


def test_every_file_limit_setting_is_documented():
    from hocba.apps.limits import FILE_LIMIT_SETTINGS

    docs = (Path(__file__).parents[2] / "docs" / "settings.md").read_text("utf-8")
    assert set(FILE_LIMIT_SETTINGS) == set(FileLimits.setting_names())
    assert [n for n in FILE_LIMIT_SETTINGS if f"`{n}`" not in docs] == []


# --- the server keeps answering ----------------------------------------------------------------


def _peak_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _while_uploading(live_server, upload) -> tuple[Any, list[float], float]:
    """Run ``upload`` in a thread while GETting the public page; the upload's response, the
    other requests' times, and the server process's peak RSS above its level before."""
    requests.get(live_server.url + "/xac-minh/", timeout=30)  # warm
    _peak_reset()
    idle = _peak_mib()
    answer: list[requests.Response] = []
    worker = threading.Thread(target=lambda: answer.append(upload()))
    worker.start()
    times = []
    while worker.is_alive() or not times:
        started = time.monotonic()
        assert requests.get(live_server.url + "/xac-minh/", timeout=10).status_code == 200
        times.append(time.monotonic() - started)
        time.sleep(0.05)
    worker.join()
    return answer[0], times, _peak_mib() - idle


def _verification_upload(live_server, data: bytes):
    session = requests.Session()
    page = session.get(live_server.url + "/xac-minh/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    return lambda: session.post(
        live_server.url + "/xac-minh/",
        data={"csrfmiddlewaretoken": token},
        files={"pdf": ("hocba.pdf", data, "application/pdf")},
        headers={"Referer": live_server.url + "/xac-minh/"},
        timeout=60,
    )


@pytest.mark.django_db(transaction=True)
def test_the_public_page_answers_while_pdf_bombs_are_verified(live_server, caplog, settings):
    # The rate-limit counters in process memory for this test: the live server's threads share
    # one in-memory SQLite connection, which six requests at once cannot use together (the
    # shared cache itself is tested in test_web_hardening.py, across real processes).
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "bombs"}
    }
    caplog.set_level("INFO", logger="hocba.sandbox")
    uploads = [_verification_upload(live_server, pdf_bomb()) for _ in range(6)]

    def six_at_once() -> list[requests.Response]:  # the finding: six held 2 GB
        with ThreadPoolExecutor(6) as pool:
            return list(pool.map(lambda upload: upload(), uploads))

    responses, times, peak = _while_uploading(live_server, six_at_once)
    for response in responses:
        assert response.status_code == 200
        assert "vượt giới hạn" in response.text and "record.json" in response.text
    assert max(times) < 3, times
    assert peak < BOUND_MIB, peak
    child = _child_peak_mib(caplog)
    print(f"server peak +{peak:.0f} MiB; child peak {child:.0f} MiB; others max {max(times):.2f}s")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("bomb", ["far_cell", "zip_bomb"])
def test_the_server_answers_while_a_hostile_workbook_is_uploaded(
    live_server,
    world,  # noqa: F811
    client,
    bomb,
    caplog,
):
    caplog.set_level("INFO", logger="hocba.sandbox")
    data = far_cell_xlsx() if bomb == "far_cell" else zip_bomb_xlsx()
    client.force_login(world.gvcn)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    page = session.get(f"{live_server.url}/nhap-lieu/{world.cls.pk}/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]

    def upload() -> requests.Response:
        return session.post(
            f"{live_server.url}/nhap-lieu/{world.cls.pk}/tai-len/",
            data={"csrfmiddlewaretoken": token},
            files={"file": ("lop.xlsx", data, "application/octet-stream")},
            headers={"Referer": live_server.url},
            timeout=60,
        )

    response, times, peak = _while_uploading(live_server, upload)
    assert response.status_code == 422
    assert "vượt giới hạn" in response.text
    assert max(times) < 3, times
    assert peak < BOUND_MIB, peak
    child = _child_peak_mib(caplog)
    print(f"{bomb}: server +{peak:.0f} MiB; child peak {child:.0f} MiB; others {max(times):.2f}s")


def _child_peak_mib(caplog) -> float:
    """The parsing child's peak RSS (it includes the ~60 MiB the forkserver preloaded)."""
    peaks = [
        int(m[1]) / 1024
        for r in caplog.records
        if (m := re.search(r"peak RSS (\d+) KiB", r.getMessage()))
    ]
    assert peaks, "the upload was not parsed in a limited child process"
    assert max(peaks) < 128 + BOUND_MIB
    return max(peaks)


# --- the CLI shows the same refusals -----------------------------------------------------------


def test_hocba_verify_names_the_attachment_limit(tmp_path):
    from click.testing import CliRunner

    from hocba.cli import main

    path = tmp_path / "hocba.pdf"
    path.write_bytes(pdf_bomb())
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 3, result.output
    assert "record.json" in result.output and "vượt giới hạn 4 MB" in result.output


@pytest.mark.django_db
def test_hocba_import_names_the_far_cell_and_the_formula(world, tmp_path):  # noqa: F811
    from click.testing import CliRunner

    from hocba.cli import main

    code, year = world.school.school_code, world.year.code
    far = tmp_path / "far.xlsx"
    far.write_bytes(far_cell_xlsx(dimension="A1:C5"))
    result = CliRunner().invoke(main, ["import", str(far), "--school", code, "--year", year])
    assert result.exit_code == 2
    assert "có ô ở XFD1048576, vượt giới hạn 256 cột × 20.000 dòng" in result.output
    wb = load_workbook(io.BytesIO(_template()))
    wb["Toán"]["E5"] = "=2*5"
    out = io.BytesIO()
    wb.save(out)
    formula = tmp_path / "formula.xlsx"
    formula.write_bytes(out.getvalue())
    result = CliRunner().invoke(main, ["import", str(formula), "--school", code, "--year", year])
    assert result.exit_code == 1
    assert "Trang 'Toán', ô E5" in result.output
    assert "công thức không được chấp nhận" in result.output


# --- the parsing child: memory and time ceilings -----------------------------------------------

UNBOUNDED = FileLimits(
    xlsx_rows=10**7, xlsx_columns=10**5, xlsx_cells=10**15, parse_memory_bytes=256 * MIB
)


def test_a_reader_that_still_explodes_costs_only_its_child():
    """Without the guard's bounds calamine asks for 512 GiB on the far cell and aborts: in the
    child that only ends the child, and the caller gets a Vietnamese refusal."""
    started = time.monotonic()
    with pytest.raises(ParseAborted) as aborted:
        run_limited(
            read_workbook,
            far_cell_xlsx(),
            source="a.xlsx",
            school_year=YEAR,
            limits=UNBOUNDED,
            within=UNBOUNDED,
        )
    assert "quá nhiều bộ nhớ" in aborted.value.message_vi and "256 MB" in aborted.value.message_vi
    assert time.monotonic() - started < 20


def test_a_child_that_runs_too_long_is_killed():
    started = time.monotonic()
    with pytest.raises(ParseAborted) as aborted:
        run_limited(time.sleep, 30, within=FileLimits(parse_seconds=1))
    assert "1 giây" in aborted.value.message_vi and "timed out" in aborted.value.detail
    assert time.monotonic() - started < 10


def test_the_childs_refusal_reaches_the_caller_as_the_same_error():
    with pytest.raises(WorkbookTooLarge) as refused:
        run_limited(read_workbook, far_cell_xlsx(), source="a.xlsx", school_year=YEAR)
    assert refused.value.code == "import.too_large" and "XFD1048576" in refused.value.message_vi
