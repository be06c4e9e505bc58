"""The reader: columns by header text, every problem with its sheet, cell, header and value."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest
from openpyxl import Workbook

from hocba.ingest.read import column_letter, read_workbook
from hocba.ingest.rows import UnreadableWorkbook

YEAR = "2024-2025"


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 51, 52)] == [
        "A", "Z", "AA", "AB", "AZ", "BA",
    ]  # fmt: skip


def test_reordered_columns_nfd_spaces_and_float_scores_read_the_same():
    data = xlsx({
        nfd("Toán"): [
            ["Bảng điểm lớp 4A"],
            [],
            [nfd("Nhận xét"), "  Điểm KTĐK cuối năm ", nfd("Mức cuối năm"), "MÃ HỌC SINH", "Ghi chú"],
            [nfd("Tiến  bộ "), 8.0, "hoàn thành tốt", "HS001", "bỏ qua"],
            ["", "9", nfd(" Hoàn thành "), " HS002 ", None],
            [None, None, None, None, None],
            [None, 7, "t", 12345.0, None],
        ],
    })  # fmt: skip
    parsed = read_workbook(data, source="lop4a.xlsx", school_year=YEAR)
    assert parsed.problems == []
    rows = [(r.student_code, r.subject_code, r.level, r.test_score, r.comment)
            for r in parsed.subjects]  # fmt: skip
    assert rows == [
        ("HS001", "TOAN", "T", 8, "Tiến bộ"),
        ("HS002", "TOAN", "H", 9, None),
        ("12345", "TOAN", "T", 7, None),
    ]
    first = parsed.subjects[0]
    assert (first.where.sheet, first.where.row) == (nfd("Toán"), 4)
    assert first.at("test_score").cell == "B4"
    assert first.at("test_score").field == "Điểm KTĐK cuối năm"


def test_every_problem_is_reported_with_its_cell_and_value():
    data = xlsx({
        "Tiếng Việt": [
            ["Mã học sinh", "Mức cuối năm", "Điểm KTĐK cuối năm", "Mức giữa HK I"],
            ["HS001", "Giỏi", 7.5, "H"],
            ["HS002", "T", 11, "x"],
        ],
        "Bảng tính riêng": [["Mã học sinh", "Ghi chú"], ["HS001", "?"]],
        "Ghi chú": [["không phải dữ liệu"]],
    })  # fmt: skip
    parsed = read_workbook(data, source="sai.xlsx", school_year=YEAR)
    found = sorted((p.where.sheet, p.where.cell, p.value, p.code) for p in parsed.problems)
    assert found == [
        ("Bảng tính riêng", "", "Bảng tính riêng", "sheet.unknown"),
        ("Tiếng Việt", "B2", "Giỏi", "value.level"),
        ("Tiếng Việt", "C2", "7.5", "value.score_decimal"),
        ("Tiếng Việt", "C3", "11", "value.score_range"),
        ("Tiếng Việt", "D3", "x", "value.level"),
    ]
    decimal = next(p for p in parsed.problems if p.code == "value.score_decimal")
    assert decimal.describe_vi() == (
        "Trang 'Tiếng Việt', ô C2 (Điểm KTĐK cuối năm): giá trị '7.5' — "
        "điểm phải là số nguyên từ 0 đến 10 (không có phần thập phân)"
    )
    assert "7.5" not in decimal.detail  # logs never carry the value


def test_missing_required_column_and_duplicate_column():
    data = xlsx({
        "Toán": [["Họ và tên", "Mức cuối năm"], ["An", "T"]],
        "Khoa học": [["Mã học sinh", "Mức cuối năm", "mức cuối năm"], ["HS1", "T", "H"]],
    })  # fmt: skip
    parsed = read_workbook(data, source="x.xlsx", school_year=YEAR)
    codes = sorted((p.where.sheet, p.code) for p in parsed.problems)
    assert codes == [("Khoa học", "column.duplicate"), ("Toán", "column.missing")]
    dup = next(p for p in parsed.problems if p.code == "column.duplicate")
    assert (dup.where.sheet, dup.where.cell) == ("Khoa học", "C1")


def test_roster_sheet_reads_students_and_guardians():
    header = ["Lớp", "Mã học sinh", "Họ và tên", "Giới tính", "Ngày sinh", "Dân tộc",
              "Quốc tịch", "Nơi sinh", "Quê quán", "Nơi ở hiện nay", "Số định danh cá nhân",
              "Số đăng bộ", "Ngày vào lớp", "Họ tên mẹ", "Năm sinh mẹ"]  # fmt: skip
    data = xlsx({
        "Danh sách học sinh": [
            header,
            ["4A", "HS1", nfd("Lê Thị Hoa"), "nữ", dt.datetime(2015, 3, 2), "", "", "Hà Nội",
             "", "Hà Nội", 1234567890, "12/2020", "05/09/2024", "Trần Thị Mai", 1988.0],
            ["4A", "HS2", "Phạm An", "X", "30/02/2015", "Kinh", "Việt Nam", "", "", "", "",
             "", "", "", ""],
        ],
    })  # fmt: skip
    parsed = read_workbook(data, source="ds.xlsx", school_year=YEAR)
    assert sorted((p.where.cell, p.code) for p in parsed.problems) == [
        ("D3", "value.sex"), ("E3", "value.date"),
    ]  # fmt: skip
    first = parsed.roster[0]
    assert (first.full_name, first.sex, first.date_of_birth) == ("Lê Thị Hoa", "nữ",
                                                                 dt.date(2015, 3, 2))  # fmt: skip
    assert (first.ethnicity, first.nationality, first.personal_id) == ("Kinh", "Việt Nam",
                                                                       "001234567890")  # fmt: skip
    assert first.enrolled_on == dt.date(2024, 9, 5)
    (mother,) = first.guardians
    assert (mother.relation, mother.full_name, mother.year_of_birth) == ("mother",
                                                                         "Trần Thị Mai", 1988)  # fmt: skip


def test_roster_without_a_student_column_is_refused():
    data = xlsx({"Danh sách học sinh": [["Mã học sinh", "Họ và tên", "Lớp"], ["HS1", "An", "4A"]]})
    parsed = read_workbook(data, source="ds.xlsx", school_year=YEAR)
    missing = {p.where.field for p in parsed.problems if p.code == "column.missing"}
    assert {"Giới tính", "Ngày sinh", "Số đăng bộ"} <= missing
    assert parsed.roster == []


def test_rating_sheet():
    data = xlsx({
        "Phẩm chất, năng lực": [
            ["Mã học sinh", "Yêu nước", "Nhận xét Yêu nước", nfd("Tự chủ và tự học")],
            ["HS1", "đạt", "Ngoan", "Cần cố gắng"],
            ["HS2", "Tốt", None, "Xuất sắc"],
        ],
    })  # fmt: skip
    parsed = read_workbook(data, source="pc.xlsx", school_year=YEAR)
    assert [(p.where.cell, p.value) for p in parsed.problems] == [("D3", "Xuất sắc")]
    got = [(r.student_code, r.kind, r.code, r.level, r.comment) for r in parsed.ratings]
    assert got == [
        ("HS1", "quality", "yeu_nuoc", "Đ", "Ngoan"),
        ("HS1", "competence", "tu_chu_tu_hoc", "C", None),
        ("HS2", "quality", "yeu_nuoc", "T", None),
        ("HS2", "competence", "tu_chu_tu_hoc", None, None),
    ]
    assert parsed.ratings[0].at("comment").cell == "C2"


@pytest.mark.parametrize(
    "data", [b"", b"%PDF-1.7 not a workbook", b"PK\x03\x04 broken zip", "Mã,Điểm\n".encode()]
)
def test_not_an_xlsx_file(data):
    with pytest.raises(UnreadableWorkbook) as err:
        read_workbook(data, source="bang.csv", school_year=YEAR)
    assert ".xlsx" in err.value.message_vi
