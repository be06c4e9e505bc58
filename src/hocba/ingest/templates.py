"""Downloadable xlsx templates (openpyxl), built from plain data: a class roster and the
evaluations of one or more classes (one sheet per subject, one for qualities/competences).

Every template has an instructions sheet ("Hướng dẫn"), header rows locked (sheet protection,
data cells unlocked, no password: it guards against slips, not people), drop-downs for levels
and whole-number checks on scores, and the students pre-filled — with their stored values, so
uploading an untouched template changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from hocba.ingest import layout as L
from hocba.ingest import normalize as n
from hocba.ingest.read import column_letter, rating_index
from hocba.ingest.rows import RatingRow, RosterRow, SubjectRow

TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3
UNLOCKED = Protection(locked=False)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")
WRAP = Alignment(wrap_text=True, vertical="center")
SUBJECT_LEVEL_NAMES = {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}


@dataclass(frozen=True)
class TemplateStudent:
    student_code: str
    full_name: str
    class_name: str
    grade: int


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Text that a spreadsheet may take for a formula (OWASP "CSV injection")."""


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` into a cell; text is ALWAYS a string cell, never a formula: a comment
    ``=HYPERLINK(...)`` typed in a web grid stays text (openpyxl would write ``<f>``), and
    one starting like a formula also gets Excel's quote prefix, so editing the cell keeps
    it text."""
    cell = ws.cell(row, column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    return cell


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sheet(
    wb: Workbook, title: str, heading: str, note: str, columns: Sequence[L.Column]
) -> Worksheet:
    ws = wb.create_sheet(title)
    put(ws, TITLE_ROW, 1, heading).font = Font(bold=True, size=13)
    put(ws, NOTE_ROW, 1, note).font = Font(italic=True)
    for j, column in enumerate(columns, start=1):
        cell = put(ws, HEADER_ROW, j, column.header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        ws.column_dimensions[column_letter(j - 1)].width = column.width
    ws.row_dimensions[HEADER_ROW].height = 32
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # users may still widen columns
    ws.protection.formatRows = False
    ws.protection.sort = False
    ws.protection.autoFilter = False
    return ws


def _validation(ws: Worksheet, kind: str, ranges: list[str], extra: str = "") -> None:
    if not ranges:
        return
    if kind == "subject_level":
        dv = DataValidation(type="list", formula1=f'"{L.SUBJECT_LEVELS_LIST}"', allow_blank=True)
        dv.error = "Chọn T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành)."
    elif kind == "rating_level":
        dv = DataValidation(type="list", formula1=f'"{L.RATING_LEVELS_LIST}"', allow_blank=True)
        dv.error = "Chọn T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng)."
    elif kind == "score":
        dv = DataValidation(
            type="whole", operator="between", formula1="0", formula2="10", allow_blank=True
        )
        dv.error = "Điểm là số nguyên từ 0 đến 10."
    elif kind == "list":
        dv = DataValidation(type="list", formula1=f'"{extra}"', allow_blank=True)
        dv.error = "Chọn một giá trị trong danh sách."
    else:
        return
    dv.errorTitle = "Giá trị không hợp lệ"
    dv.showErrorMessage = True
    dv.sqref = " ".join(ranges)  # type: ignore[assignment]
    ws.add_data_validation(dv)


def _unlock(ws: Worksheet, first_row: int, last_row: int, col: int) -> None:
    for r in range(first_row, last_row + 1):
        ws.cell(r, col).protection = UNLOCKED


def _guide(wb: Workbook, lines: Iterable[str]) -> None:
    ws = wb.active
    ws.title = L.GUIDE_SHEET
    ws.column_dimensions["A"].width = 110
    for i, line in enumerate(lines, start=1):
        cell = put(ws, i, 1, line)
        cell.alignment = Alignment(wrap_text=True)
        if i == 1:
            cell.font = Font(bold=True, size=14)
    ws.protection.sheet = True


COMMON_GUIDE = (
    "• Không đổi tên các trang và các ô tiêu đề (dòng 3, đã khóa); có thể đổi thứ tự cột.",
    "• Mỗi học sinh được nhận ra bằng Mã học sinh; không sửa cột này.",
    "• Sau khi điền, lưu tệp dạng .xlsx rồi tải lên ở trang Nhập dữ liệu của lớp "
    "(hoặc: hocba import TỆP.xlsx --school MÃ_TRƯỜNG --year NĂM).",
    "• Hệ thống kiểm tra toàn bộ tệp trước: nếu có lỗi, mọi lỗi được liệt kê kèm trang, ô, "
    "giá trị và lý do, và KHÔNG có dữ liệu nào được ghi. Sửa hết lỗi rồi tải lên lại.",
    "• Tải lên cùng một tệp hai lần không thay đổi gì thêm.",
    "• Lớp đã chốt dữ liệu thì không nhập được thay đổi; cần hiệu trưởng mở khóa trước.",
)


def roster_template(
    *,
    school_name: str,
    school_year: str,
    class_names: Sequence[str],
    rows: Sequence[RosterRow] = (),
    blank_rows: int = 40,
) -> bytes:
    """The roster of one or more classes: the students in ``rows`` pre-filled, room for more."""
    wb = Workbook()
    _guide(
        wb,
        (
            f"HƯỚNG DẪN ĐIỀN DANH SÁCH HỌC SINH — {school_name} — năm học {school_year}",
            "• Mỗi dòng là một học sinh. Các cột bắt buộc: Mã học sinh, Họ và tên, Giới tính "
            "(Nam/Nữ), Ngày sinh, Lớp.",
            "• Ngày ghi dạng dd/mm/yyyy (ví dụ 05/09/2017) hoặc ô kiểu ngày của Excel.",
            "• Số định danh cá nhân: đúng 12 chữ số (để trống nếu chưa có). Nên định dạng ô là Văn "
            "bản để giữ số 0 ở đầu.",
            "• Lớp phải là một lớp đã mở của trường trong năm học: " + ", ".join(class_names) + ".",
            "• Cha, mẹ, người giám hộ: ghi họ tên, năm sinh (4 chữ số), nghề nghiệp, số điện thoại "
            "nếu có. Ô để trống không xóa thông tin đã lưu.",
            *COMMON_GUIDE,
        ),
    )
    columns = (*L.ROSTER_COLUMNS, *L.GUARDIAN_COLUMNS)
    ws = _sheet(
        wb,
        L.ROSTER_SHEET,
        f"DANH SÁCH HỌC SINH — {school_name} — năm học {school_year}",
        "Dòng tiêu đề đã khóa; điền từ dòng 4. Ngày: dd/mm/yyyy. Giới tính: Nam hoặc Nữ.",
        columns,
    )
    first = HEADER_ROW + 1
    for i, row in enumerate(rows):
        r = first + i
        guardians = {g.relation: g for g in row.guardians}
        for j, column in enumerate(columns, start=1):
            if "." in column.attr:
                relation, attr = column.attr.split(".", 1)
                g = guardians.get(relation)
                value: Any = getattr(g, attr) if g is not None else None
            else:
                value = getattr(row, column.attr)
            if column.attr == "sex":
                value = {"nam": "Nam", "nữ": "Nữ"}.get(value, value)
            put(ws, r, j, value if value not in ("", None) else None)
    last = first + len(rows) + blank_rows - 1
    for j, column in enumerate(columns, start=1):
        _unlock(ws, first, last, j)
        letter = column_letter(j - 1)
        if column.kind == "date":
            for r in range(first, last + 1):
                ws.cell(r, j).number_format = "DD/MM/YYYY"
        if column.attr in (
            "personal_id",
            "student_code",
            "register_number",
        ) or column.attr.endswith(".phone"):
            for r in range(first, last + 1):
                ws.cell(r, j).number_format = "@"
        span = [f"{letter}{first}:{letter}{last}"]
        if column.attr == "sex":
            _validation(ws, "list", span, "Nam,Nữ")
        elif column.attr == "class_name" and class_names and len(",".join(class_names)) < 250:
            _validation(ws, "list", span, ",".join(class_names))
    return _save(wb)


def _value(column: L.Column, value: Any) -> Any:
    if value in ("", None):
        return None
    return value


def evaluation_template(
    *,
    school_name: str,
    school_year: str,
    students: Sequence[TemplateStudent],
    subjects: Sequence[str] | None = None,
    ratings: bool = True,
    values: Iterable[SubjectRow | RatingRow] = (),
) -> bytes:
    """One sheet per subject (the students whose grade studies it) and, with ``ratings``, one
    for qualities and competences; ``values`` pre-fill what is stored. ``subjects`` limits the
    subject sheets (a subject teacher's); by default every compulsory subject of the grades and
    any optional one that already has values."""
    catalogs = n.catalogs(school_year)
    subject_values: dict[tuple[str, str], SubjectRow] = {}
    rating_values: dict[tuple[str, str, str], RatingRow] = {}
    for v in values:
        if isinstance(v, SubjectRow):
            subject_values[(v.student_code, v.subject_code)] = v
        else:
            rating_values[(v.student_code, v.kind, v.code)] = v
    grades = sorted({s.grade for s in students if s.grade in catalogs})
    specs: dict[str, Any] = {}  # code -> SubjectSpec of the first grade that has it
    for g in grades:
        for spec in catalogs[g].subjects:
            with_values = any(k[1] == spec.code for k in subject_values)
            if spec.compulsory or with_values or (subjects is not None and spec.code in subjects):
                specs.setdefault(spec.code, spec)
    if subjects is not None:
        specs = {c: s for c, s in specs.items() if c in subjects}
    wb = Workbook()
    _guide(
        wb,
        (
            f"HƯỚNG DẪN NHẬP ĐÁNH GIÁ — {school_name} — năm học {school_year}",
            "• Mỗi môn học một trang (tên trang là tên môn); trang 'Phẩm chất, năng lực' cho 5 phẩm "
            "chất và 10 năng lực.",
            "• Mức đạt được của môn học: T = Hoàn thành tốt, H = Hoàn thành, C = Chưa hoàn thành "
            "(chọn trong danh sách; cũng nhận gõ đầy đủ như 'Hoàn thành tốt', chữ hoa hay thường).",
            "• Phẩm chất, năng lực: T = Tốt, Đ = Đạt, C = Cần cố gắng.",
            "• Điểm kiểm tra định kỳ: số nguyên từ 0 đến 10, không có phần thập phân. Chỉ ghi điểm "
            "ở môn và khối lớp có bài kiểm tra định kỳ (ô xám là không có bài kiểm tra).",
            "• Ô để trống: giữ nguyên dữ liệu đã lưu (không xóa).",
            *COMMON_GUIDE,
        ),
    )
    first = HEADER_ROW + 1
    for code, spec in specs.items():
        takers = [s for s in students if s.grade in catalogs and catalogs[s.grade].subject(code)]
        tested = {s.grade for s in takers if catalogs[s.grade].subject(code).tested}
        midterm = {s.grade for s in takers if catalogs[s.grade].subject(code).midterm_tested}
        columns = [
            *L.KEY_COLUMNS,
            *(
                c
                for c in L.SUBJECT_COLUMNS
                if (c.attr not in L.MIDTERM_SCORES or midterm)
                and (c.attr not in L.END_SCORES or tested)
            ),
        ]
        ws = _sheet(
            wb,
            spec.name[:31],
            f"MÔN {spec.name.upper()} — năm học {school_year}",
            "Mức: T/H/C. Điểm: số nguyên 0–10 (ô xám: không có bài kiểm tra).",
            columns,
        )
        ranges: dict[str, list[str]] = {}
        for i, student in enumerate(takers):
            r = first + i
            stored = subject_values.get((student.student_code, code))
            s_spec = catalogs[student.grade].subject(code)
            for j, column in enumerate(columns, start=1):
                if column.attr in ("student_code", "full_name", "class_name"):
                    put(ws, r, j, getattr(student, column.attr))
                    continue
                allowed = not (
                    (column.attr in L.MIDTERM_SCORES and not s_spec.midterm_tested)
                    or (column.attr in L.END_SCORES and not s_spec.tested)
                )
                cell = put(
                    ws, r, j, _value(column, getattr(stored, column.attr)) if stored else None
                )
                if allowed:
                    cell.protection = UNLOCKED
                    if column.kind in ("subject_level", "score"):
                        ranges.setdefault(column.kind, []).append(f"{column_letter(j - 1)}{r}")
                else:
                    cell.fill = LOCKED_FILL
        for kind, cells in ranges.items():
            _validation(ws, kind, _compress(cells))
    if ratings and students:
        rating_cols, _ = rating_index(school_year)
        columns = [*L.KEY_COLUMNS, *rating_cols]
        ws = _sheet(
            wb,
            L.RATING_SHEET,
            f"PHẨM CHẤT, NĂNG LỰC — năm học {school_year}",
            "Mức: T (Tốt), Đ (Đạt), C (Cần cố gắng); mỗi phẩm chất/năng lực có một cột nhận xét.",
            columns,
        )
        for i, student in enumerate(students):
            r = first + i
            for j, column in enumerate(columns, start=1):
                if column.attr in ("student_code", "full_name", "class_name"):
                    put(ws, r, j, getattr(student, column.attr))
                    continue
                kind, code, field = column.attr.split(".")
                stored = rating_values.get((student.student_code, kind, code))
                put(ws, r, j, _value(column, getattr(stored, field)) if stored else None)
                ws.cell(r, j).protection = UNLOCKED
        last = first + len(students) - 1
        level_ranges = [
            f"{column_letter(j)}{first}:{column_letter(j)}{last}"
            for j, c in enumerate(columns)
            if c.kind == "rating_level"
        ]
        _validation(ws, "rating_level", level_ranges)
    return _save(wb)


def _compress(cells: list[str]) -> list[str]:
    """["D4", "D5", "D6", "F4"] -> ["D4:D6", "F4"] (one range per column run)."""
    by_col: dict[str, list[int]] = {}
    for c in cells:
        letters = c.rstrip("0123456789")
        by_col.setdefault(letters, []).append(int(c[len(letters) :]))
    out = []
    for col, rows in by_col.items():
        rows.sort()
        start = prev = rows[0]
        for r in [*rows[1:], None]:
            if r is not None and r == prev + 1:
                prev = r
                continue
            out.append(f"{col}{start}:{col}{prev}" if prev != start else f"{col}{start}")
            if r is not None:
                start = prev = r
    return out
