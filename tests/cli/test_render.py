"""``hocba render``: a PDF for a valid record, exit 2 and Vietnamese reasons otherwise."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hocba.cli import main
from hocba.render import verification_token
from hocba.spec import load_record
from hocba.spec.xml import to_xml

GOLDEN = Path(__file__).parents[1] / "spec" / "data" / "golden_record.json"


def run(*args: str):
    result = CliRunner().invoke(main, ["render", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_a_valid_record_becomes_a_pdf(tmp_path: Path) -> None:
    out = tmp_path / "hoc-ba.pdf"
    result = run(str(GOLDEN), "-o", str(out), "--public-url", "https://x.example.vn")
    assert result.exit_code == 0, result.output
    record = load_record(GOLDEN.read_bytes())
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-") and verification_token(record).encode() in pdf
    assert "Đã ghi" in result.output


def test_an_xml_record_renders_too(tmp_path: Path) -> None:
    source = tmp_path / "record.xml"
    source.write_bytes(to_xml(load_record(GOLDEN.read_bytes())))
    assert run(str(source), "-o", str(tmp_path / "out.pdf")).exit_code == 0


def test_a_missing_file_exits_2_in_vietnamese(tmp_path: Path) -> None:
    result = run(str(tmp_path / "khong-co.json"), "-o", str(tmp_path / "out.pdf"))
    assert result.exit_code == 2
    assert "Không tìm thấy tệp" in result.output
    assert not (tmp_path / "out.pdf").exists()


def test_a_record_against_the_schema_exits_2_with_each_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "hocba.record.tt27/1.0"}', "utf-8")
    result = run(str(bad), "-o", str(tmp_path / "out.pdf"))
    assert result.exit_code == 2
    assert "không phải học bạ hợp lệ" in result.output and "record_id" in result.output


def test_an_unwritable_output_exits_2(tmp_path: Path) -> None:
    result = run(str(GOLDEN), "-o", str(tmp_path / "no-such-dir" / "out.pdf"))
    assert result.exit_code == 2
    assert "Không ghi được tệp" in result.output


def test_production_refuses_to_render_without_a_public_address(tmp_path: Path) -> None:
    out = tmp_path / "hoc-ba.pdf"
    result = CliRunner().invoke(
        main, ["render", str(GOLDEN), "-o", str(out)],
        env={"HOCBA_ENV": "production", "HOCBA_PUBLIC_URL": ""},
    )  # fmt: skip
    assert result.exit_code == 2
    assert "Chưa cấu hình HOCBA_PUBLIC_URL" in result.output
    assert not out.exists()


def test_the_public_address_comes_from_the_option_else_the_environment(tmp_path: Path) -> None:
    from hocba.render import render_pdf

    record = load_record(GOLDEN.read_bytes())
    out = tmp_path / "hoc-ba.pdf"
    env = {"HOCBA_ENV": "production", "HOCBA_PUBLIC_URL": "https://hocba.sogd.example.vn"}
    assert CliRunner().invoke(main, ["render", str(GOLDEN), "-o", str(out)], env=env).exit_code == 0
    expected = render_pdf(record, verify_url="https://hocba.sogd.example.vn/xac-minh/")
    assert out.read_bytes() == expected
    option = ["render", str(GOLDEN), "-o", str(out), "--public-url", "https://x.example.vn"]
    assert CliRunner().invoke(main, option, env=env).exit_code == 0
    assert out.read_bytes() == render_pdf(record, verify_url="https://x.example.vn/xac-minh/")
