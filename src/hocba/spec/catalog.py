"""Reference catalogs: which subjects a grade studies in a school year (DOMAIN §4.1).

The data lives in ``data/tt27.toml``; this module only reads and answers questions about it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from hocba.errors import CatalogError


@dataclass(frozen=True)
class SubjectSpec:
    code: str
    name: str
    compulsory: bool
    tested: bool  # has an end-of-year periodic test, so a score is required
    midterm_tested: bool


@dataclass(frozen=True)
class RatingSpec:
    code: str
    name: str
    group: str = ""


@dataclass(frozen=True)
class GradeCatalog:
    """What one grade is assessed on in one school year."""

    scheme: str
    school_year: str
    grade: int
    subjects: tuple[SubjectSpec, ...]
    qualities: tuple[RatingSpec, ...]
    competences: tuple[RatingSpec, ...]

    def subject(self, code: str) -> SubjectSpec | None:
        return next((s for s in self.subjects if s.code == code), None)

    @property
    def compulsory_subjects(self) -> tuple[SubjectSpec, ...]:
        return tuple(s for s in self.subjects if s.compulsory)


@cache
def _load(scheme_file: str) -> dict[str, object]:
    text = resources.files("hocba.spec").joinpath("data", scheme_file).read_text("utf-8")
    return tomllib.loads(text)


def _start_year(school_year: str) -> int:
    return int(school_year[:4])


@cache
def grade_catalog(school_year: str, grade: int) -> GradeCatalog:
    """The TT27 catalog for ``grade`` in ``school_year`` (e.g. "2024-2025").

    Raises CatalogError when the 2018 programme did not yet apply to that grade and year.
    """
    data = _load("tt27.toml")
    programme_from: dict[str, str] = data["programme_from"]  # type: ignore[assignment]
    first = programme_from.get(str(grade))
    if first is None or _start_year(school_year) < _start_year(first):
        raise CatalogError(
            f"Không có danh mục môn học cho lớp {grade} năm học {school_year}.",
            detail=f"no TT27 catalog for grade {grade} in {school_year}",
        )
    subjects = []
    for row in data["subjects"]:  # type: ignore[attr-defined]
        compulsory = grade in row.get("grades", [])
        if not compulsory and grade not in row.get("optional_grades", []):
            continue
        subjects.append(
            SubjectSpec(
                code=row["code"],
                name=row["name"],
                compulsory=compulsory,
                tested=grade in row.get("tested_grades", []),
                midterm_tested=grade in row.get("midterm_tested_grades", []),
            )
        )
    return GradeCatalog(
        scheme=str(data["scheme"]),
        school_year=school_year,
        grade=grade,
        subjects=tuple(subjects),
        qualities=tuple(RatingSpec(**q) for q in data["qualities"]),  # type: ignore[attr-defined]
        competences=tuple(RatingSpec(**c) for c in data["competences"]),  # type: ignore[attr-defined]
    )
