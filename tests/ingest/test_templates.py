"""The generated templates: drop-downs, locked headers, instructions, students pre-filled, and
what they hold reads back unchanged."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from hocba.ingest import layout as L
from hocba.ingest.read import read_workbook
from hocba.ingest.rows import GuardianRow, Location, RatingRow, RosterRow, SubjectRow
from hocba.ingest.templates import HEADER_ROW, TemplateStudent, evaluation_template, roster_template

YEAR = "2024-2025"
STUDENTS = [
    TemplateStudent("HS1", "Lê Thị Hoa", "1A", 1),
    TemplateStudent("HS2", "Phạm Văn An", "4A", 4),
    TemplateStudent("HS3", "Vũ Minh Khoa", "4A", 4),
]
HERE = Location("db")


def _validations(ws):
    return [(dv.type, dv.formula1, str(dv.sqref)) for dv in ws.data_validations.dataValidation]


def test_evaluation_template_structure():
    data = evaluation_template(
        school_name="Trường Tiểu học Thử", school_year=YEAR, students=STUDENTS,
        values=[SubjectRow(HERE, student_code="HS2", subject_code="TOAN", level="T",
                           test_score=9, comment="Giỏi tính nhẩm.")],
    )  # fmt: skip
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == L.GUIDE_SHEET and wb.sheetnames[-1] == L.RATING_SHEET
    guide = " ".join(str(c.value) for c in wb[L.GUIDE_SHEET]["A"] if c.value)
    assert "Hoàn thành tốt" in guide and "số nguyên từ 0 đến 10" in guide
    assert {"Toán", "Tiếng Việt", "Khoa học", "Đạo đức", "Tự nhiên và Xã hội"} <= set(wb.sheetnames)

    toan = wb["Toán"]
    headers = [c.value for c in toan[HEADER_ROW] if c.value]
    assert headers[:3] == ["Mã học sinh", "Họ và tên", "Lớp"]
    assert "Điểm KTĐK giữa HK I" in headers and "Điểm KTĐK cuối năm" in headers
    assert [c.value for c in toan["A"][HEADER_ROW:]] == ["HS1", "HS2", "HS3"]
    col = {h: i + 1 for i, h in enumerate(headers)}
    assert toan.cell(5, col["Mức cuối năm"]).value == "T"
    assert toan.cell(5, col["Điểm KTĐK cuối năm"]).value == 9
    # protection: sheet protected, headers and student columns locked, entry cells unlocked
    assert toan.protection.sheet
    assert toan.cell(HEADER_ROW, 1).protection.locked
    assert toan.cell(5, col["Mã học sinh"]).protection.locked
    assert not toan.cell(5, col["Mức cuối năm"]).protection.locked
    # grade 1 has no mid-term test in Toán: that cell stays locked
    assert toan.cell(4, col["Điểm KTĐK giữa HK I"]).protection.locked
    assert not toan.cell(5, col["Điểm KTĐK giữa HK I"]).protection.locked
    kinds = _validations(toan)
    assert ("list", '"T,H,C"') in [(t, f) for t, f, _ in kinds]
    assert any(t == "whole" for t, _, _ in kinds)
    # Đạo đức has no periodic test: no score columns at all
    dd = [c.value for c in wb["Đạo đức"][HEADER_ROW] if c.value]
    assert not any("Điểm" in h for h in dd)
    # Khoa học is grade 4–5 only
    assert [c.value for c in wb["Khoa học"]["A"][HEADER_ROW:]] == ["HS2", "HS3"]

    ratings = wb[L.RATING_SHEET]
    rating_headers = [c.value for c in ratings[HEADER_ROW] if c.value]
    assert "Yêu nước" in rating_headers and "Nhận xét Yêu nước" in rating_headers
    assert len(rating_headers) == 3 + 2 * 15
    assert ("list", '"T,Đ,C"') in [(t, f) for t, f, _ in _validations(ratings)]
    assert ratings.protection.sheet and not ratings.cell(4, 4).protection.locked


def test_subject_teacher_template_has_only_their_subject():
    data = evaluation_template(school_name="T", school_year=YEAR, students=STUDENTS,
                               subjects=["TOAN"], ratings=False)  # fmt: skip
    assert load_workbook(io.BytesIO(data)).sheetnames == [L.GUIDE_SHEET, "Toán"]


def test_evaluation_template_round_trip():
    values = [
        SubjectRow(HERE, student_code="HS2", subject_code="TOAN", mid_term_1_level="H",
                   mid_term_1_score=6, end_term_1_level="T", end_term_1_score=8, level="T",
                   test_score=9, comment="Tiến bộ."),
        SubjectRow(HERE, student_code="HS1", subject_code="DD", level="H"),
        RatingRow(HERE, student_code="HS3", kind="competence", code="tin_hoc", level="Đ",
                  comment="Thành thạo chuột."),
    ]  # fmt: skip
    data = evaluation_template(school_name="T", school_year=YEAR, students=STUDENTS, values=values)
    parsed = read_workbook(data, source="mau.xlsx", school_year=YEAR)
    assert parsed.problems == []
    given = {(r.student_code, r.subject_code): r.given() for r in parsed.subjects if r.given()}
    assert given == {
        ("HS2", "TOAN"): {"mid_term_1_level": "H", "mid_term_1_score": 6,
                          "end_term_1_level": "T", "end_term_1_score": 8, "level": "T",
                          "test_score": 9, "comment": "Tiến bộ."},
        ("HS1", "DD"): {"level": "H"},
    }  # fmt: skip
    rated = [(r.student_code, r.code, r.given()) for r in parsed.ratings if r.given()]
    assert rated == [("HS3", "tin_hoc", {"level": "Đ", "comment": "Thành thạo chuột."})]
    assert {r.class_name for r in parsed.subjects} == {"1A", "4A"}


def test_roster_template_round_trip():
    rows = [
        RosterRow(HERE, student_code="HS1", full_name="Lê Thị Hoa", sex="nữ",
                  date_of_birth=dt.date(2018, 2, 1), place_of_birth="Hà Nội",
                  residence="Hà Nội", personal_id="001234567890", class_name="1A",
                  register_number="01/2024", enrolled_on=dt.date(2024, 9, 5),
                  guardians=(GuardianRow(HERE, relation="father", full_name="Lê Văn Nam",
                                         year_of_birth=1985, occupation="Kỹ sư",
                                         phone="0912345678"),)),
    ]  # fmt: skip
    data = roster_template(school_name="T", school_year=YEAR, class_names=["1A", "1B"], rows=rows)
    wb = load_workbook(io.BytesIO(data))
    ws = wb[L.ROSTER_SHEET]
    assert ws.protection.sheet and ws.cell(HEADER_ROW, 1).protection.locked
    assert not ws.cell(HEADER_ROW + 10, 1).protection.locked  # room for new students
    assert tuple(f for t, f, _ in _validations(ws) if t == "list") == ('"Nam,Nữ"', '"1A,1B"')
    parsed = read_workbook(data, source="ds.xlsx", school_year=YEAR)
    assert parsed.problems == []
    (row,) = parsed.roster
    expected = rows[0]
    for attr in ("student_code", "full_name", "sex", "date_of_birth", "personal_id",
                 "class_name", "register_number", "enrolled_on", "place_of_birth"):  # fmt: skip
        assert getattr(row, attr) == getattr(expected, attr), attr
    (father,) = row.guardians
    assert (father.full_name, father.year_of_birth, father.occupation, father.phone) == (
        "Lê Văn Nam", 1985, "Kỹ sư", "0912345678",
    )  # fmt: skip
