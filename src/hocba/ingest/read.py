"""Read a filled workbook (python-calamine) into rows and problems, without a database.

``read_workbook`` finds each sheet's header row and its columns by header text, parses every
cell with ``normalize`` and returns the rows (roster, subjects, ratings) plus EVERY problem it
found (bad level, decimal score, bad date, unknown sheet, missing column…). Checks that need
the database (does this student exist, is the class locked, is this subject tested in that
student's grade) are the services' job; their problems point at cells through ``Row.at``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from hocba.ingest import layout as L
from hocba.ingest import normalize as n
from hocba.ingest.guard import check_workbook
from hocba.ingest.rows import (
    GuardianRow,
    IngestProblem,
    Location,
    RatingRow,
    RosterRow,
    SubjectRow,
    UnreadableWorkbook,
    gc_paused,
)
from hocba.limits import FileLimits, default_limits
from hocba.spec import grade_catalog


@dataclass
class ParsedWorkbook:
    source: str
    roster: list[RosterRow] = field(default_factory=list)
    subjects: list[SubjectRow] = field(default_factory=list)
    ratings: list[RatingRow] = field(default_factory=list)
    problems: list[IngestProblem] = field(default_factory=list)

    @property
    def cells(self) -> int:
        """How many evaluation values the workbook gives (levels, scores, comments)."""
        return sum(len(r.given()) for r in self.subjects) + sum(
            len(r.given()) for r in self.ratings
        )


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def open_workbook(
    data: bytes, source: str, limits: FileLimits | None = None
) -> tuple[CalamineWorkbook, list[IngestProblem]]:
    """The workbook and its formula cells (problems), or ``UnreadableWorkbook`` for anything
    that is not an xlsx file, or ``WorkbookTooLarge`` for one that would cost more than
    ``limits`` to read (checked by ``guard.check_workbook`` before calamine sees it)."""
    if not data.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnreadableWorkbook(
            f"Tệp '{source}' không phải bảng tính Excel (.xlsx). Hãy tải mẫu, điền và lưu dạng .xlsx.",
            detail="upload is not a zip/xlsx file",
        )
    formulas = check_workbook(data, source, limits or default_limits())
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data)), formulas
    except (CalamineError, ValueError, OSError) as err:
        raise UnreadableWorkbook(
            f"Không đọc được tệp '{source}': tệp bị hỏng hoặc không phải .xlsx.",
            detail=f"calamine could not open the workbook: {type(err).__name__}",
        ) from err


@dataclass
class _Sheet:
    source: str
    name: str
    rows: list[list[Any]]
    header_row: int  # 0-based index in ``rows``
    columns: dict[str, tuple[int, L.Column]]  # attr -> (0-based column index, column)
    problems: list[IngestProblem]

    def location(self, row_index: int | None = None, attr: str | None = None) -> Location:
        if attr is None or attr not in self.columns:
            return Location(self.source, self.name, None if row_index is None else row_index + 1)
        index, column = self.columns[attr]
        return Location(
            self.source,
            self.name,
            None if row_index is None else row_index + 1,
            column_letter(index),
            column.header,
        )

    def column_map(self) -> dict[str, tuple[str | None, str]]:
        return {attr: (column_letter(i), c.header) for attr, (i, c) in self.columns.items()}

    def data_rows(self) -> Iterable[tuple[int, list[Any]]]:
        for i in range(self.header_row + 1, len(self.rows)):
            row = self.rows[i]
            if any(row[j] not in ("", None) for j, _ in self.columns.values() if j < len(row)):
                yield i, row

    def plan(self, attrs: Iterable[str]) -> list[tuple[str, int, Callable[[Any], Any]]]:
        """(attr, column index, parser) of the given attrs this sheet has."""
        return [
            (a, self.columns[a][0], self.columns[a][1].parse) for a in attrs if a in self.columns
        ]

    def parse(
        self, i: int, row: list[Any], plan: list[tuple[str, int, Callable[[Any], Any]]]
    ) -> dict[str, Any]:
        """attr -> parsed value (problems appended; a bad value becomes None)."""
        out: dict[str, Any] = {}
        width = len(row)
        for attr, j, parse in plan:
            raw = row[j] if j < width else None
            if raw == "":
                raw = None
            try:
                out[attr] = parse(raw)
            except n.BadValue as bad:
                out[attr] = None
                self.problems.append(
                    IngestProblem(
                        self.location(i, attr),
                        _shown(raw, attr),
                        bad.code,
                        bad.message_vi,
                        bad.code,
                    )
                )
        return out


def _shown(raw: Any, attr: str) -> str:
    text = repr(raw) if isinstance(raw, float) and not raw.is_integer() else n.text(raw)
    if attr == "personal_id" and len(text) > 4:
        return "*" * (len(text) - 4) + text[-4:]  # never echo a personal ID number in full
    return text


def _sheet(
    wb: CalamineWorkbook,
    name: str,
    source: str,
    columns: dict[str, L.Column],
    problems: list[IngestProblem],
) -> _Sheet | None:
    """The sheet with its header row found and its columns matched; None when no header row."""
    rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    code_key = L.header_key(L.CODE_HEADER)
    header_row = next(
        (
            i
            for i, row in enumerate(rows[: L.HEADER_SCAN_ROWS])
            if any(L.header_key(v) in (code_key, "ma hs") for v in row if isinstance(v, str))
        ),
        None,
    )
    if header_row is None:
        return None
    found: dict[str, tuple[int, L.Column]] = {}
    for j, value in enumerate(rows[header_row]):
        column = columns.get(L.header_key(value)) if isinstance(value, str) else None
        if column is None:
            continue
        if column.attr in found:
            problems.append(
                IngestProblem(
                    Location(source, name, header_row + 1, column_letter(j), column.header),
                    n.text(value),
                    "column.duplicate",
                    f"cột '{column.header}' xuất hiện hai lần (đã có ở cột "
                    f"{column_letter(found[column.attr][0])})",
                    "duplicate column",
                )
            )
            continue
        found[column.attr] = (j, column)
    return _Sheet(source, name, rows, header_row, found, problems)


def _missing(sheet: _Sheet, attrs: Iterable[str], columns: dict[str, L.Column]) -> bool:
    by_attr = {c.attr: c for c in columns.values()}
    missing = [a for a in attrs if a not in sheet.columns]
    for attr in missing:
        sheet.problems.append(
            IngestProblem(
                Location(
                    sheet.source, sheet.name, sheet.header_row + 1, None, by_attr[attr].header
                ),
                "",
                "column.missing",
                f"thiếu cột '{by_attr[attr].header}' ở dòng tiêu đề",
                "missing column",
            )
        )
    return bool(missing)


def _read_roster(sheet: _Sheet, out: ParsedWorkbook) -> None:
    student_attrs = [c.attr for c in L.ROSTER_COLUMNS]
    columns = sheet.column_map()
    plan = sheet.plan([*student_attrs, *(c.attr for c in L.GUARDIAN_COLUMNS)])
    for i, row in sheet.data_rows():
        values = sheet.parse(i, row, plan)
        where = sheet.location(i)
        guardians = []
        for relation, _ in L.GUARDIAN_RELATIONS:
            g = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(relation + ".")}
            if not any(g.values()):
                continue
            g_columns = {
                k.split(".", 1)[1]: v for k, v in columns.items() if k.startswith(relation + ".")
            }
            guardians.append(
                GuardianRow(
                    where,
                    g_columns,
                    relation=relation,
                    full_name=g.get("full_name") or "",
                    year_of_birth=g.get("year_of_birth"),
                    occupation=g.get("occupation") or "",
                    phone=g.get("phone") or "",
                )
            )
        student = {a: values.get(a) for a in student_attrs}
        out.roster.append(
            RosterRow(
                where,
                columns,
                student_code=student["student_code"] or "",
                full_name=student["full_name"] or "",
                sex=student["sex"] or "",
                date_of_birth=student["date_of_birth"],
                ethnicity=student["ethnicity"] or "Kinh",
                nationality=student["nationality"] or "Việt Nam",
                place_of_birth=student["place_of_birth"] or "",
                home_town=student["home_town"] or "",
                residence=student["residence"] or "",
                personal_id=student["personal_id"],
                class_name=student["class_name"] or "",
                register_number=student["register_number"] or "",
                enrolled_on=student["enrolled_on"],
                guardians=tuple(guardians),
            )
        )


def _read_subject(sheet: _Sheet, subject_code: str, out: ParsedWorkbook) -> None:
    columns = {**sheet.column_map(), "subject_code": (None, L.SUBJECT_FIELD)}
    plan = sheet.plan(["student_code", "class_name", *(c.attr for c in L.SUBJECT_COLUMNS)])
    append = out.subjects.append
    for i, row in sheet.data_rows():
        values = sheet.parse(i, row, plan)
        code = values.pop("student_code", None) or ""
        append(
            SubjectRow(
                sheet.location(i), columns, student_code=code, subject_code=subject_code, **values
            )
        )


def _read_ratings(sheet: _Sheet, specs: dict[str, tuple[str, str]], out: ParsedWorkbook) -> None:
    """One row per student, a level and a comment column per quality/competence."""
    base = sheet.column_map()
    present = []
    for key, (kind, rating) in specs.items():
        level_attr, comment_attr = f"{key}.level", f"{key}.comment"
        if level_attr not in sheet.columns and comment_attr not in sheet.columns:
            continue
        columns = {
            "student_code": base["student_code"],
            "class_name": base.get("class_name", (None, L.CLASS_HEADER)),
            "code": base.get(level_attr, base.get(comment_attr, (None, rating))),
            "level": base.get(level_attr, (None, rating)),
            "comment": base.get(comment_attr, (None, f"Nhận xét {rating}")),
        }
        present.append((kind, key.split(".", 1)[1], level_attr, comment_attr, columns))
    plan = sheet.plan(["student_code", "class_name", *(a for p in present for a in (p[2], p[3]))])
    append = out.ratings.append
    for i, row in sheet.data_rows():
        values = sheet.parse(i, row, plan)
        code = values.get("student_code") or ""
        class_name = values.get("class_name")
        where = sheet.location(i)
        for kind, rating_code, level_attr, comment_attr, columns in present:
            append(
                RatingRow(
                    where,
                    columns,
                    student_code=code,
                    kind=kind,
                    code=rating_code,
                    class_name=class_name,
                    level=values.get(level_attr),
                    comment=values.get(comment_attr),
                )
            )


def rating_index(school_year: str) -> tuple[tuple[L.Column, ...], dict[str, tuple[str, str]]]:
    """The rating sheet's columns and "kind.code" -> (kind, name), from the catalog."""
    catalogs = n.catalogs(school_year)
    catalog = next(iter(catalogs.values()), None) or grade_catalog("2024-2025", 1)
    columns: list[L.Column] = []
    specs: dict[str, tuple[str, str]] = {}
    for kind, items in (("quality", catalog.qualities), ("competence", catalog.competences)):
        for spec in items:
            columns += L.rating_columns(kind, spec.code, spec.name)
            specs[f"{kind}.{spec.code}"] = (kind, spec.name)
    return tuple(columns), specs


def read_workbook(
    data: bytes,
    *,
    source: str,
    school_year: str,
    progress: Callable[[str], None] | None = None,
    limits: FileLimits | None = None,
) -> ParsedWorkbook:
    """Every row and every problem of the workbook (raises ``UnreadableWorkbook`` only when the
    file is not an xlsx workbook at all, ``WorkbookTooLarge`` when it crosses ``limits``).
    Formula cells are problems: only typed values are accepted."""
    with gc_paused():
        return _read_workbook(
            data, source=source, school_year=school_year, progress=progress, limits=limits
        )


def _read_workbook(
    data: bytes,
    *,
    source: str,
    school_year: str,
    progress: Callable[[str], None] | None,
    limits: FileLimits | None,
) -> ParsedWorkbook:
    wb, formulas = open_workbook(data, source, limits)
    out = ParsedWorkbook(source, problems=formulas)
    subjects = n.subject_index(school_year)
    roster_columns = L.index((*L.ROSTER_COLUMNS, *L.GUARDIAN_COLUMNS))
    subject_columns = L.index((*L.KEY_COLUMNS, *L.SUBJECT_COLUMNS))
    rating_cols, rating_specs = rating_index(school_year)
    rating_columns = L.index((*L.KEY_COLUMNS, *rating_cols))
    guide = L.header_key(L.GUIDE_SHEET)

    def no_header(name: str) -> None:
        out.problems.append(
            IngestProblem(
                Location(source, name, None, None, L.CODE_HEADER),
                "",
                "column.missing",
                f"không tìm thấy dòng tiêu đề có cột '{L.CODE_HEADER}' trong "
                f"{L.HEADER_SCAN_ROWS} dòng đầu",
                "no header row",
            )
        )

    seen_subjects: dict[str, str] = {}
    for name in wb.sheet_names:
        if progress:
            progress(name)
        sheet_key = L.header_key(name)
        if sheet_key == guide:
            continue
        if sheet_key == L.header_key(L.ROSTER_SHEET):
            sheet = _sheet(wb, name, source, roster_columns, out.problems)
            if sheet is None:
                no_header(name)
            elif not _missing(sheet, L.ROSTER_REQUIRED, roster_columns):
                _read_roster(sheet, out)
        elif sheet_key == L.header_key(L.RATING_SHEET):
            sheet = _sheet(wb, name, source, rating_columns, out.problems)
            if sheet is None:
                no_header(name)
            elif not _missing(sheet, ["student_code"], rating_columns):
                _read_ratings(sheet, rating_specs, out)
        elif (found := subjects.get(n.key(name)) or subjects.get(n.lookup_key(name))) is not None:
            code, _ = found
            if code in seen_subjects:
                out.problems.append(
                    IngestProblem(
                        Location(source, name),
                        name,
                        "sheet.duplicate",
                        f"môn này đã có ở trang '{seen_subjects[code]}'",
                        "duplicate subject sheet",
                    )
                )
                continue
            seen_subjects[code] = name
            sheet = _sheet(wb, name, source, subject_columns, out.problems)
            if sheet is None:
                no_header(name)
            elif not _missing(sheet, ["student_code"], subject_columns):
                _read_subject(sheet, code, out)
        else:
            sheet = _sheet(wb, name, source, subject_columns, [])
            if sheet is not None:  # looks like data, but of what?
                out.problems.append(
                    IngestProblem(
                        Location(source, name, None, None, L.SUBJECT_FIELD),
                        name,
                        "sheet.unknown",
                        "không nhận ra trang này: tên trang phải là tên môn học (ví dụ 'Toán'), "
                        f"'{L.ROSTER_SHEET}' hoặc '{L.RATING_SHEET}'",
                        "unknown sheet",
                    )
                )
    return out
