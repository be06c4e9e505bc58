"""What an import carries, whatever it comes from (a workbook or the REST API): plain rows
with their location, problems that name the cell, and the summary of what was written.

Pure: no Django. The Django side (``hocba.apps.imports.services``) validates rows against the
database and writes them; every problem it finds points back at a cell through ``Row.at``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, ClassVar

from hocba.errors import HocbaError


@dataclass(frozen=True)
class Location:
    """Where a value came from: ``source`` is the file name or "api"; ``row`` is 1-based as Excel
    shows it; ``column`` the Excel letter; ``field`` the Vietnamese header or the JSON path."""

    source: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    field: str = ""

    @property
    def cell(self) -> str:
        """ "D7", or "dòng 7" when the column is unknown, or "" outside a sheet."""
        if self.row is None:
            return ""
        return f"{self.column}{self.row}" if self.column else f"dòng {self.row}"

    def describe_vi(self) -> str:
        parts = []
        if self.sheet is not None:
            parts.append(f"Trang '{self.sheet}'")
        if self.row is not None:
            parts.append(f"ô {self.cell}" if self.column else self.cell)
        where = ", ".join(parts) or (f"Tệp '{self.source}'" if self.source != "api" else "API")
        return f"{where} ({self.field})" if self.field else where


@dataclass(frozen=True)
class IngestProblem:
    """One bad value: where, what was found, a machine code, the reason (Vietnamese for users,
    English ``detail`` for logs — which never include ``value``: it may be personal data)."""

    where: Location
    value: str
    code: str
    message_vi: str
    detail: str = ""

    def describe_vi(self) -> str:
        """ "Trang 'Toán', ô D7 (Điểm KTĐK cuối năm): giá trị '7.5' — điểm phải là số nguyên…"."""
        found = f"giá trị '{self.value}'" if self.value != "" else "ô trống"
        return f"{self.where.describe_vi()}: {found} — {self.message_vi}"

    @property
    def sort_key(self) -> tuple[str, str, int, str, str]:
        w = self.where
        column = (w.column or "").rjust(3)
        return (w.source, w.sheet or "", w.row or 0, column, w.field)


class ImportRejected(HocbaError):
    """Nothing was written because at least one value is wrong; ``problems`` lists them all."""

    code = "import.rejected"

    def __init__(self, problems: list[IngestProblem]) -> None:
        problems = sorted(problems, key=lambda p: p.sort_key)
        super().__init__(
            f"Không nhập được: có {len(problems)} lỗi cần sửa. Chưa có dữ liệu nào được ghi.",
            detail=f"import rejected with {len(problems)} problem(s): "
            + ", ".join(sorted({p.code for p in problems})),
        )
        self.problems = problems


class UnreadableWorkbook(HocbaError):
    """The upload is not an xlsx workbook (or is damaged)."""

    code = "import.unreadable"


class WorkbookTooLarge(UnreadableWorkbook):
    """The workbook would cost more to read than ``hocba.limits.FileLimits`` allows (a far
    cell, a zip bomb, too many rows…): refused before it is read; the message names the limit."""

    code = "import.too_large"


@dataclass(frozen=True)
class Row:
    """Base of every imported row: the row's location and, per attribute, where its value was
    (``columns``: attribute -> (Excel column letter or None, header or JSON path))."""

    where: Location
    columns: Mapping[str, tuple[str | None, str]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def at(self, attribute: str) -> Location:
        """The location of one field, e.g. ``row.at("test_score")`` -> sheet 'Toán', cell L7."""
        column, label = self.columns.get(attribute, (None, attribute))
        return replace(self.where, column=column, field=label)

    def problem(
        self, attribute: str, value: Any, code: str, message_vi: str, detail: str = ""
    ) -> IngestProblem:
        text = "" if value is None else str(value)
        return IngestProblem(self.at(attribute), text, code, message_vi, detail or code)


@dataclass(frozen=True)
class GuardianRow(Row):
    """A father, mother or legal guardian of the student on the same roster row."""

    relation: str = ""  # Guardianship.Relation: "father" | "mother" | "guardian"
    full_name: str = ""
    year_of_birth: int | None = None
    occupation: str = ""
    phone: str = ""


@dataclass(frozen=True)
class RosterRow(Row):
    """One student: identity (as ``directory.Student``), the class and enrolment, guardians."""

    student_code: str = ""
    full_name: str = ""
    sex: str = ""  # Student.Sex: "nam" | "nữ"
    date_of_birth: date | None = None
    ethnicity: str = "Kinh"
    nationality: str = "Việt Nam"
    place_of_birth: str = ""
    home_town: str = ""
    residence: str = ""
    personal_id: str | None = None
    class_name: str = ""
    register_number: str = ""
    enrolled_on: date | None = None
    guardians: tuple[GuardianRow, ...] = ()


# Fields of SubjectEvaluation an import may set. ``None`` means "not given: keep what is there".
SUBJECT_LEVEL_FIELDS = ("mid_term_1_level", "end_term_1_level", "mid_term_2_level", "level")
SUBJECT_SCORE_FIELDS = ("mid_term_1_score", "end_term_1_score", "mid_term_2_score", "test_score")
MIDTERM_SCORE_FIELDS = ("mid_term_1_score", "mid_term_2_score")
SUBJECT_VALUE_FIELDS = (*SUBJECT_LEVEL_FIELDS, *SUBJECT_SCORE_FIELDS, "comment")
RATING_VALUE_FIELDS = ("level", "comment")


@dataclass(frozen=True)
class SubjectRow(Row):
    """One student's periodic levels/scores and comment in one subject (``SubjectEvaluation``).
    ``class_name`` (optional) is checked against the student's class when given."""

    student_code: str = ""
    subject_code: str = ""
    class_name: str | None = None
    mid_term_1_level: str | None = None
    mid_term_1_score: int | None = None
    end_term_1_level: str | None = None
    end_term_1_score: int | None = None
    mid_term_2_level: str | None = None
    mid_term_2_score: int | None = None
    level: str | None = None
    test_score: int | None = None
    comment: str | None = None

    def given(self) -> dict[str, Any]:
        """The fields this row sets (not None)."""
        return {f: value for f in SUBJECT_VALUE_FIELDS if (value := getattr(self, f)) is not None}


@dataclass(frozen=True)
class RatingRow(Row):
    """One student's level and comment of one quality or competence (``RatingEvaluation``)."""

    student_code: str = ""
    kind: str = ""  # RatingEvaluation.Kind: "quality" | "competence"
    code: str = ""
    class_name: str | None = None
    level: str | None = None
    comment: str | None = None

    def given(self) -> dict[str, Any]:
        return {f: value for f in RATING_VALUE_FIELDS if (value := getattr(self, f)) is not None}


@dataclass
class ImportSummary:
    """What an import did, per kind of row ("students", "enrolments", "guardians", "subjects",
    "ratings"): created / updated / unchanged counts."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, *, created: int = 0, updated: int = 0, unchanged: int = 0) -> None:
        for bucket, n in (
            (self.created, created),
            (self.updated, updated),
            (self.unchanged, unchanged),
        ):
            bucket[kind] = bucket.get(kind, 0) + n

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_updated(self) -> int:
        return sum(self.updated.values())

    @property
    def total_unchanged(self) -> int:
        return sum(self.unchanged.values())

    @property
    def changed(self) -> bool:
        return bool(self.total_created or self.total_updated)

    def merge(self, other: ImportSummary) -> ImportSummary:
        for kind in {*other.created, *other.updated, *other.unchanged}:
            self.count(
                kind,
                created=other.created.get(kind, 0),
                updated=other.updated.get(kind, 0),
                unchanged=other.unchanged.get(kind, 0),
            )
        return self

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
        }

    KINDS_VI: ClassVar[Mapping[str, str]] = {
        "students": "học sinh",
        "enrolments": "ghi danh",
        "guardians": "phụ huynh",
        "subjects": "đánh giá môn học",
        "ratings": "đánh giá phẩm chất, năng lực",
    }

    def describe_vi(self) -> str:
        kinds = [k for k in self.KINDS_VI if k in {*self.created, *self.updated, *self.unchanged}]
        parts = [
            f"{self.KINDS_VI[k]}: thêm {self.created.get(k, 0)}, cập nhật "
            f"{self.updated.get(k, 0)}, giữ nguyên {self.unchanged.get(k, 0)}"
            for k in kinds
        ]
        return "; ".join(parts) or "Không có dòng dữ liệu nào."


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a bulk import builds ~100k short-lived objects (the
    collector would rescan them again and again); restored afterwards, even on errors."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
