"""The rendered PDF: archival, self-describing, verifiable, deterministic, and it never
overflows or loses a glyph."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from hocba.render import DEFAULT_VERIFY_URL, Renderer, render_pdf, verification_token
from hocba.spec import Record, canonical_json, record_data
from hocba.spec.xml import to_xml
from tests.tools import require

A4_WIDTH, LEFT_MARGIN, RIGHT_MARGIN = 595.28, 70.87, 42.52  # points (2.5 cm, 1.5 cm)


@pytest.fixture
def poppler() -> None:
    require("pdftotext")
    require("pdftoppm")


@pytest.fixture
def zbar() -> None:
    require("zbarimg")


def _reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(BytesIO(pdf))


def _attachments(pdf: bytes) -> dict[str, tuple[bytes, str]]:
    root = _reader(pdf).root
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    found = {}
    for i in range(0, len(names), 2):
        spec = names[i + 1].get_object()
        found[str(names[i])] = (spec["/EF"]["/F"].data, str(spec["/AFRelationship"]))
    assert sorted(str(a.get_object()["/F"]) for a in root["/AF"]) == sorted(found)
    return found


def _xmp(pdf: bytes) -> str:
    return _reader(pdf).root["/Metadata"].data.decode("utf-8")


def _text(pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    cmd = ["pdftotext", *args, str(path), "-"]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def pdf(renderer: Renderer, record: Record) -> bytes:
    return renderer.render(record)


def test_the_record_is_attached_as_canonical_json_and_xml(pdf: bytes, record: Record) -> None:
    found = _attachments(pdf)
    assert found["record.json"] == (canonical_json(record), "/Data")
    assert found["record.xml"] == (to_xml(record), "/Data")


def test_the_keywords_carry_the_verification_token(pdf: bytes, record: Record) -> None:
    token = verification_token(record)
    info = _reader(pdf).trailer["/Info"]
    assert token in str(info["/Keywords"])
    assert token in _xmp(pdf)


def test_the_file_declares_tagged_pdf_a_3a(pdf: bytes) -> None:
    xmp = _xmp(pdf)
    assert re.search(r"pdfaid:part(>|=\")3", xmp)
    assert re.search(r"pdfaid:conformance(>|=\")A", xmp)
    root = _reader(pdf).root
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert str(root["/Lang"]).startswith("vi")


def test_only_the_packaged_fonts_are_embedded(pdf: bytes) -> None:
    fonts = set()
    for page in _reader(pdf).root["/Pages"]["/Kids"]:
        for font in page.get_object()["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert fonts and all(f.startswith("Liberation") for f in fonts), fonts


def test_the_same_record_always_gives_the_same_bytes(
    renderer: Renderer, record: Record, pdf: bytes
) -> None:
    assert render_pdf(record) == pdf
    assert Renderer().render(record) == pdf
    assert "D:2025" in str(_reader(pdf).trailer["/Info"]["/CreationDate"])


def test_the_verify_url_is_configurable(renderer: Renderer, record: Record) -> None:
    pdf = renderer.render(record, verify_url="https://so-gd.example.vn/kiem-tra")
    assert pdf != renderer.render(record)


@pytest.mark.usefixtures("zbar")
@pytest.mark.parametrize("page", [1, 2])
def test_the_qr_code_opens_the_verify_url_with_the_token(
    pdf: bytes, record: Record, tmp_path: Path, page: int
) -> None:
    (tmp_path / "r.pdf").write_bytes(pdf)
    png = tmp_path / "page"
    pages = ["-f", str(page), "-l", str(page), "-singlefile"]
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", *pages, str(tmp_path / "r.pdf"), str(png)], check=True
    )
    out = subprocess.run(
        ["zbarimg", "-q", "--raw", f"{png}.png"], capture_output=True, text=True, check=False
    ).stdout.strip()
    assert out == f"{DEFAULT_VERIFY_URL}?q={verification_token(record)}"


def test_every_demo_record_renders_without_a_warning(
    renderer: Renderer, demo_records: list[Record]
) -> None:
    # PDF/A makes a glyph missing from the packaged fonts a hard error; other problems warn.
    for rec in demo_records:
        result = renderer.typeset(rec)
        assert result.warnings == (), (rec.record_id, result.warnings)
        assert len(result.areas) == 3


@pytest.mark.usefixtures("poppler")
def test_user_text_is_printed_literally_never_run_as_markup(
    renderer: Renderer, record: Record, tmp_path: Path
) -> None:
    data = record_data(record)
    tricky = '#panic("x") *đậm* _nghiêng_ $x^2$ <nhãn> @ref [a] \\ `code` // chú thích'
    data["student"]["full_name"] = tricky
    data["subjects"][0]["comment"] = tricky
    pdf = renderer.render(Record.model_validate(data, strict=False))
    flat = re.sub(r"\s+", "", _text(pdf, tmp_path, "-raw"))
    assert flat.count(re.sub(r"\s+", "", tricky)) == 2  # the year page's name and the comment


def _page_noise(pages: int) -> re.Pattern[str]:
    headers = [
        "Mônhọcvàhoạtđộnggiáodục",
        "MứcđạtđượcĐiểmKTĐKNhậnxét",
        "MứcđạtđượcNhậnxét",
        "Phẩmchất",
        "Nănglực",
    ]
    footer = rf"Họcbạsố·mãhọcbạ[0-9a-f\-]+·phiênbản\d+Trang\d+/{pages}"
    return re.compile("|".join([footer, *map(re.escape, headers)]))


@pytest.mark.usefixtures("poppler")
def test_long_comments_and_names_wrap_and_are_printed_whole(
    renderer: Renderer, long_record: Record, tmp_path: Path
) -> None:
    pdf = renderer.render(long_record)
    pages = len(_reader(pdf).root["/Pages"]["/Kids"])
    assert 3 <= pages <= 15
    flat = re.sub(r"\s+", "", _text(pdf, tmp_path, "-raw")).replace("\u200b", "")
    flat = _page_noise(pages).sub("", flat)
    for item in (*long_record.subjects, *long_record.qualities, *long_record.competences):
        assert re.sub(r"\s+", "", item.comment) in flat, item.name
    assert re.sub(r"\s+", "", long_record.student.full_name) in flat


@pytest.mark.usefixtures("poppler")
def test_no_word_runs_past_the_margins(
    renderer: Renderer, long_record: Record, tmp_path: Path
) -> None:
    boxes = _text(renderer.render(long_record), tmp_path, "-bbox")
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', boxes)
    assert len(words) > 3000
    for x_min, x_max in words:
        assert float(x_min) >= LEFT_MARGIN - 1 and float(x_max) <= A4_WIDTH - RIGHT_MARGIN + 1
