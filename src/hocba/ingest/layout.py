"""The workbook layout shared by the templates (``templates``) and the reader (``read``): sheet
names, column headers (with the other spellings people use) and what each column parses to.

Columns are found by their header text, so a workbook with reordered or extra columns reads
the same. Headers compare without case, diacritics or extra spaces ("Mã HS" ≠ "Mã học sinh":
aliases list the accepted variants).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hocba.ingest import normalize as n

ROSTER_SHEET = "Danh sách học sinh"
RATING_SHEET = "Phẩm chất, năng lực"
GUIDE_SHEET = "Hướng dẫn"
CODE_HEADER = "Mã học sinh"
NAME_HEADER = "Họ và tên"
CLASS_HEADER = "Lớp"
SUBJECT_FIELD = "Môn học"
HEADER_SCAN_ROWS = 10  # the header row is the first of these with a "Mã học sinh" cell

SUBJECT_LEVELS_LIST = "T,H,C"
RATING_LEVELS_LIST = "T,Đ,C"


@dataclass(frozen=True)
class Column:
    attr: str
    header: str
    parse: Callable[[Any], Any]
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # "text" | "date" | "subject_level" | "rating_level" | "score" | "year"
    width: int = 14


_HK = re.compile(r"\bhoc k[yi]\b")


def header_key(value: Any) -> str:
    """The comparison key of a header: folded, "học kỳ"/"học kì" -> "hk", no punctuation."""
    k = n.lookup_key(value)
    k = _HK.sub("hk", k)
    return re.sub(r"[^\w]+", " ", k).strip()


def _optional_text(value: Any) -> str | None:
    """Text, or None for an empty cell ("not given: keep what is stored")."""
    return n.text(value) or None


# --- roster -------------------------------------------------------------------------------------

ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("student_code", CODE_HEADER, n.code, ("Mã HS",), width=14),
    Column("full_name", NAME_HEADER, n.text, ("Họ tên", "Họ tên học sinh"), width=26),
    Column("sex", "Giới tính", n.sex, ("Nam/Nữ",), width=9),
    Column("date_of_birth", "Ngày sinh", n.day, (), "date", 12),
    Column("ethnicity", "Dân tộc", n.text, (), width=10),
    Column("nationality", "Quốc tịch", n.text, (), width=11),
    Column("place_of_birth", "Nơi sinh", n.text, (), width=22),
    Column("home_town", "Quê quán", n.text, (), width=22),
    Column("residence", "Nơi ở hiện nay", n.text, ("Chỗ ở hiện nay", "Địa chỉ"), width=28),
    Column("personal_id", "Số định danh cá nhân", n.personal_id, ("Mã định danh", "Số CCCD"),
           width=16),
    Column("class_name", CLASS_HEADER, n.code, ("Tên lớp",), width=7),
    Column("register_number", "Số đăng bộ", n.code, (), width=11),
    Column("enrolled_on", "Ngày vào lớp", n.day, ("Ngày nhập học",), "date", 12),
)  # fmt: skip
ROSTER_REQUIRED = tuple(c.attr for c in ROSTER_COLUMNS)  # every student column must be there

GUARDIAN_RELATIONS = (("father", "cha"), ("mother", "mẹ"), ("guardian", "người giám hộ"))


def guardian_columns(relation: str, label: str) -> tuple[Column, ...]:
    return (
        Column(f"{relation}.full_name", f"Họ tên {label}", n.text, (), width=24),
        Column(f"{relation}.year_of_birth", f"Năm sinh {label}", n.year, (), "year", 9),
        Column(f"{relation}.occupation", f"Nghề nghiệp {label}", n.text, (), width=16),
        Column(f"{relation}.phone", f"Số điện thoại {label}", n.code, (f"SĐT {label}",), width=13),
    )


GUARDIAN_COLUMNS: tuple[Column, ...] = tuple(
    c for relation, label in GUARDIAN_RELATIONS for c in guardian_columns(relation, label)
)


# --- evaluations --------------------------------------------------------------------------------

KEY_COLUMNS: tuple[Column, ...] = (
    Column("student_code", CODE_HEADER, n.code, ("Mã HS",), width=14),
    Column("full_name", NAME_HEADER, n.text, ("Họ tên",), width=26),
    Column("class_name", CLASS_HEADER, _optional_text, ("Tên lớp",), width=7),
)
SUBJECT_COLUMNS: tuple[Column, ...] = (
    Column("mid_term_1_level", "Mức giữa HK I", n.subject_level, (), "subject_level", 10),
    Column("mid_term_1_score", "Điểm KTĐK giữa HK I", n.score, ("Điểm giữa HK I",), "score", 10),
    Column("end_term_1_level", "Mức cuối HK I", n.subject_level, (), "subject_level", 10),
    Column("end_term_1_score", "Điểm KTĐK cuối HK I", n.score, ("Điểm cuối HK I",), "score", 10),
    Column("mid_term_2_level", "Mức giữa HK II", n.subject_level, (), "subject_level", 10),
    Column("mid_term_2_score", "Điểm KTĐK giữa HK II", n.score, ("Điểm giữa HK II",), "score",
           10),
    Column("level", "Mức cuối năm", n.subject_level, ("Mức đạt được cuối năm", "Mức đạt được"),
           "subject_level", 10),
    Column("test_score", "Điểm KTĐK cuối năm", n.score, ("Điểm cuối năm", "Điểm KTĐK"), "score",
           10),
    Column("comment", "Nhận xét", _optional_text, ("Nhận xét cuối năm",), width=40),
)  # fmt: skip
MIDTERM_SCORES = ("mid_term_1_score", "mid_term_2_score")
END_SCORES = ("end_term_1_score", "test_score")


def rating_columns(kind: str, code: str, name: str) -> tuple[Column, Column]:
    return (
        Column(f"{kind}.{code}.level", name, n.rating_level, (), "rating_level", 11),
        Column(f"{kind}.{code}.comment", f"Nhận xét {name}", _optional_text, (), width=24),
    )


def index(columns: tuple[Column, ...]) -> dict[str, Column]:
    """Header key (and alias keys) -> column."""
    out = {}
    for c in columns:
        for h in (c.header, *c.aliases):
            out[header_key(h)] = c
    return out
