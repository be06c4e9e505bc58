"""``hocba import`` and ``hocba import-template``: exit 0 imported, 1 rejected (every problem
printed, nothing written), 2 unreadable or unknown school/year/class."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from hocba.apps.records.demo import load_demo_school
from hocba.apps.records.models import SubjectEvaluation
from hocba.cli import main
from hocba.demo.generate import demo_school
from hocba.ingest.templates import HEADER_ROW

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    stored = load_demo_school(demo_school(seed=5, classes_per_grade=1, students_per_class=2))
    return stored[0][0].school_class.school


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_template_then_import_then_again(school, tmp_path):
    out = tmp_path / "mau.xlsx"
    result = _run("import-template", "--school", school.school_code, "--year", "2024-2025",
                  "--kind", "evaluations", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    ws = wb["Toán"]
    header = {c.value: c.column for c in ws[HEADER_ROW]}
    code = ws.cell(HEADER_ROW + 1, 1).value
    ws.cell(HEADER_ROW + 1, header["Điểm KTĐK cuối năm"], "3")
    ws.cell(HEADER_ROW + 1, header["Mức cuối năm"], " c ")
    wb.save(out)
    result = _run("import", str(out), "--school", school.school_code, "--year", "2024-2025")
    assert result.exit_code == 0, result.output
    assert "cập nhật 1" in result.output
    stored = SubjectEvaluation.objects.get(enrolment__student__student_code=code,
                                           subject_code="TOAN",
                                           enrolment__school_class__school_year__code="2024-2025")  # fmt: skip
    assert (stored.level, stored.test_score) == ("C", 3)
    again = _run("import", str(out), "--school", school.school_code, "--year", "2024-2025")
    assert again.exit_code == 0 and "Không có gì thay đổi" in again.output


def test_rejected_file_prints_every_problem_and_exits_1(school, tmp_path):
    out = tmp_path / "mau.xlsx"
    _run("import-template", "--school", school.school_code, "--year", "2024-2025",
         "--kind", "evaluations", "--class", "4A", "--subject", "TOAN", "-o", str(out))  # fmt: skip
    wb = load_workbook(out)
    assert wb.sheetnames == ["Hướng dẫn", "Toán"]
    ws = wb["Toán"]
    header = {c.value: c.column for c in ws[HEADER_ROW]}
    ws.cell(HEADER_ROW + 1, header["Điểm KTĐK cuối năm"], 7.5)
    ws.cell(HEADER_ROW + 2, 1, "KHONG-CO-MA")
    ws.cell(HEADER_ROW + 2, header["Mức cuối năm"], "T")
    wb.save(out)
    before = list(SubjectEvaluation.objects.order_by("pk").values_list())
    result = _run("import", str(out), "--school", school.school_code, "--year", "2024-2025")
    assert result.exit_code == 1, result.output
    assert "có 2 lỗi" in result.output
    score_cell = f"{_letter(header['Điểm KTĐK cuối năm'])}{HEADER_ROW + 1}"
    assert f"Trang 'Toán', ô {score_cell} (Điểm KTĐK cuối năm): giá trị '7.5'" in result.output
    assert (
        f"Trang 'Toán', ô A{HEADER_ROW + 2} (Mã học sinh): giá trị 'KHONG-CO-MA'" in result.output
    )
    assert list(SubjectEvaluation.objects.order_by("pk").values_list()) == before


def _letter(column: int) -> str:
    from hocba.ingest.read import column_letter

    return column_letter(column - 1)


def test_unreadable_and_unknown(school, tmp_path):
    bad = tmp_path / "diem.csv"
    bad.write_text("Mã học sinh,Điểm\nHS1,8\n", "utf-8")
    result = _run("import", str(bad), "--school", school.school_code, "--year", "2024-2025")
    assert result.exit_code == 2 and ".xlsx" in result.output
    missing = _run("import", str(tmp_path / "khong-co.xlsx"), "--school", school.school_code,
                   "--year", "2024-2025")  # fmt: skip
    assert missing.exit_code == 2
    assert _run("import", str(bad), "--school", "KHONG", "--year", "2024-2025").exit_code == 2
    assert (
        _run("import", str(bad), "--school", school.school_code, "--year", "1999-2000").exit_code
        == 2
    )
    no_class = _run("import-template", "--school", school.school_code, "--year", "2024-2025",
                    "--kind", "roster", "--class", "9Z", "-o", str(tmp_path / "x.xlsx"))  # fmt: skip
    assert no_class.exit_code == 2 and "9Z" in no_class.output


def test_roster_template(school, tmp_path):
    out = tmp_path / "ds.xlsx"
    result = _run("import-template", "--school", school.school_code, "--year", "2024-2025",
                  "--kind", "roster", "--class", "1A", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0
    ws = load_workbook(io.BytesIO(out.read_bytes()))["Danh sách học sinh"]
    assert [ws.cell(HEADER_ROW + i, 1).value is not None for i in (1, 2, 3)] == [True, True, False]
    again = _run("import", str(out), "--school", school.school_code, "--year", "2024-2025")
    assert again.exit_code == 0 and "Không có gì thay đổi" in again.output, again.output
