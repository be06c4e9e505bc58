"""Spreadsheet import benchmark (issue #6): a 1,000-student school workbook (≈ 100k evaluation
cells) imported through hocba's own path (python-calamine read → normalise → validate against
the database → bulk write, one transaction) against a raw ``executemany`` of the same rows into
the same tables of the same database, in the same run.

Needs Django set up and migrated (``hocba.cli.django.setup_django``). ``build_school`` and
``school_workbook`` are also what the acceptance tests use.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction

from hocba.apps.directory import services as directory
from hocba.apps.directory.models import OrgUnit, School, SchoolClass, SchoolYear
from hocba.apps.imports.services import apply_roster
from hocba.apps.imports.workbook import import_workbook
from hocba.apps.records.demo import remove_demo_school
from hocba.apps.records.models import RatingEvaluation, SubjectEvaluation
from hocba.ingest.normalize import catalogs
from hocba.ingest.read import read_workbook
from hocba.ingest.rows import (
    GuardianRow,
    ImportSummary,
    Location,
    RatingRow,
    RosterRow,
    SubjectRow,
)
from hocba.ingest.templates import TemplateStudent, evaluation_template

SCHOOL_CODE = "BENCH-IMPORT"
YEAR = "2024-2025"
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Gia", "Thanh", "Đức", "Hải")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Mai", "Nam", "Phúc", "Quỳnh")
COMMENTS = (
    "Tiến bộ rõ, cần phát huy.",
    "Nắm vững kiến thức cơ bản.",
    "Cần luyện thêm ở nhà.",
    "Tích cực phát biểu xây dựng bài.",
)


@dataclass(frozen=True)
class BenchSchool:
    school: School
    year: SchoolYear
    classes: list[SchoolClass]
    students: list[TemplateStudent]


def _unit(kind: str, code: str, name: str, parent: OrgUnit | None) -> OrgUnit:
    found = OrgUnit.objects.filter(code=code).first()
    return found or directory.create_org_unit(kind=kind, code=code, name=name, parent=parent)


@dataclass(frozen=True)
class Roster:
    """A generated school roster (pure data, the same for the same arguments)."""

    classes: list[tuple[int, str]]  # (grade, name)
    rows: list[RosterRow]
    students: list[TemplateStudent]  # sorted by grade, class, code: the workbook order


def school_roster(
    code: str = SCHOOL_CODE, n_students: int = 1000, year_code: str = YEAR, seed: int = 1
) -> Roster:
    """``n_students`` in grades 1–5, 25 per class, with a mother each."""
    rng = random.Random(seed)
    per_class = 25
    n_classes = max(1, -(-n_students // per_class))
    classes = [(1 + i % 5, f"{1 + i % 5}{_letters(i // 5)}") for i in range(n_classes)]
    rows, students = [], []
    start = int(year_code[:4])
    for k in range(n_students):
        grade, class_name = classes[k % n_classes]
        born = date(start - 5 - grade, 1, 1) + timedelta(days=rng.randrange(365))
        female = rng.random() < 0.5
        middle = "Thị" if female else rng.choice(MIDDLE)
        name = f"{rng.choice(SURNAMES)} {middle} {rng.choice(GIVEN)}"
        student_code = f"{code}-{k + 1:05d}"
        mother = GuardianRow(
            Location("bench"),
            relation="mother",
            full_name=f"{rng.choice(SURNAMES)} Thị {rng.choice(GIVEN)}",
            year_of_birth=start - 30 - rng.randrange(10),
        )
        rows.append(
            RosterRow(
                Location("bench", "roster", k + 4),
                student_code=student_code,
                full_name=name,
                sex="nữ" if female else "nam",
                date_of_birth=born,
                place_of_birth="Hà Nội",
                residence="Phường Hoàn Kiếm, Hà Nội",
                class_name=class_name,
                register_number=f"{k + 1:04d}/{start - grade + 1}",
                guardians=(mother,),
            )
        )
        students.append(TemplateStudent(student_code, name, class_name, grade))
    students.sort(key=lambda s: (s.grade, s.class_name, s.student_code))
    return Roster(classes, rows, students)


def build_school(
    code: str = SCHOOL_CODE, n_students: int = 1000, year_code: str = YEAR, seed: int = 1
) -> BenchSchool:
    """A fresh school with the ``school_roster``, created with the roster import itself
    (``apply_roster``). An earlier school of the same code is removed first."""
    roster = school_roster(code, n_students, year_code, seed)
    remove_demo_school(code)
    ministry = _unit("ministry", "BENCH-BO", "Bộ Giáo dục và Đào tạo", None)
    dept = _unit("department", "BENCH-SO", "Sở Giáo dục và Đào tạo thử nghiệm", ministry)
    local = _unit("local_office", "BENCH-XA", "UBND xã thử nghiệm", dept)
    school = directory.create_school(parent=local, school_code=code, name=f"Trường {code}")
    year = SchoolYear.objects.filter(code=year_code).first() or directory.open_school_year(
        year_code
    )
    classes = [
        directory.create_class(school=school, school_year=year, grade=grade, name=name)
        for grade, name in roster.classes
    ]
    apply_roster(school, year, roster.rows, actor=None, via="bench")
    return BenchSchool(school, year, classes, roster.students)


def _letters(i: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i % 26] + (str(i // 26) if i >= 26 else "")


def evaluation_values(
    students: Sequence[TemplateStudent], year_code: str = YEAR, seed: int = 2
) -> list[SubjectRow | RatingRow]:
    """Every level, score (where tested) and comment of every student: what a school enters."""
    rng = random.Random(seed)
    by_grade = catalogs(year_code)
    out: list[SubjectRow | RatingRow] = []
    where = Location("bench")
    for s in students:
        catalog = by_grade[s.grade]
        for spec in catalog.compulsory_subjects:
            lv = lambda: rng.choice("TTHHHC")  # noqa: E731
            sc = lambda: rng.randrange(4, 11)  # noqa: E731
            out.append(
                SubjectRow(
                    where,
                    student_code=s.student_code,
                    subject_code=spec.code,
                    mid_term_1_level=lv(),
                    mid_term_1_score=sc() if spec.midterm_tested else None,
                    end_term_1_level=lv(),
                    end_term_1_score=sc() if spec.tested else None,
                    mid_term_2_level=lv(),
                    mid_term_2_score=sc() if spec.midterm_tested else None,
                    level=lv(),
                    test_score=sc() if spec.tested else None,
                    comment=rng.choice(COMMENTS),
                )
            )
        for kind, specs in (("quality", catalog.qualities), ("competence", catalog.competences)):
            for spec in specs:
                out.append(
                    RatingRow(
                        where,
                        student_code=s.student_code,
                        kind=kind,
                        code=spec.code,
                        level=rng.choice("TTĐĐĐC"),
                        comment=rng.choice(COMMENTS),
                    )
                )
    return out


def school_workbook(
    students: Sequence[TemplateStudent],
    values: Iterable[SubjectRow | RatingRow] | None = None,
    year_code: str = YEAR,
    school_name: str = f"Trường {SCHOOL_CODE}",
) -> bytes:
    """The school's evaluation workbook filled with ``values`` (default: ``evaluation_values``)."""
    return evaluation_template(
        school_name=school_name,
        school_year=year_code,
        students=students,
        values=evaluation_values(students, year_code) if values is None else values,
    )


@dataclass(frozen=True)
class ImportFigures:
    """Wall-clock seconds (what a user waits) and CPU seconds of this process (SQLite runs in
    it; on a shared machine the CPU figures are the steadier ones)."""

    students: int
    cells: int  # evaluation values in the workbook
    rows: int  # SubjectEvaluation + RatingEvaluation rows written
    read_s: float  # python-calamine read + normalise
    apply_s: float  # validate against the database + write (one transaction)
    reimport_s: float  # the same workbook again: read + validate, nothing written
    raw_s: float  # executemany of the same rows, same tables, one transaction
    read_cpu: float
    apply_cpu: float
    raw_cpu: float
    load: float  # 1-minute load average when the run ended
    summary: ImportSummary

    @property
    def total_s(self) -> float:
        return self.read_s + self.apply_s

    @property
    def total_cpu(self) -> float:
        return self.read_cpu + self.apply_cpu

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.total_s

    @property
    def rows_per_cpu_s(self) -> float:
        return self.rows / self.total_cpu

    @property
    def raw_rows_per_s(self) -> float:
        return self.rows / self.raw_s

    def lines(self) -> list[str]:
        return [
            f"{connection.vendor}: {self.students} students, {self.cells} evaluation cells, "
            f"{self.rows} rows; load average {self.load:.1f} on {os.cpu_count()} CPUs",
            f"hocba import (read + validate + write): wall {self.total_s:.2f} s = "
            f"{self.rows_per_s:,.0f} rows/s ({self.cells / self.total_s:,.0f} cells/s); "
            f"read {self.read_s:.2f} s, validate + write {self.apply_s:.2f} s",
            f"  CPU {self.total_cpu:.2f} s = {self.rows_per_cpu_s:,.0f} rows/s "
            f"(read {self.read_cpu:.2f} s, validate + write {self.apply_cpu:.2f} s)",
            f"re-import of the same file (nothing written): wall {self.reimport_s:.2f} s = "
            f"{self.rows / self.reimport_s:,.0f} rows/s",
            f"raw executemany of the same rows: wall {self.raw_s:.2f} s = "
            f"{self.raw_rows_per_s:,.0f} rows/s, CPU {self.raw_cpu:.2f} s = "
            f"{self.rows / self.raw_cpu:,.0f} rows/s; hocba's whole path takes "
            f"{self.total_s / self.raw_s:.1f}× the wall time, {self.total_cpu / self.raw_cpu:.1f}× "
            "the CPU of the bare insert",
        ]


def _evaluation_rows(school: School) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    s_cols = ("enrolment_id", "subject_code", "subject_name", "mid_term_1_level",
              "mid_term_1_score", "end_term_1_level", "end_term_1_score", "mid_term_2_level",
              "mid_term_2_score", "level", "test_score", "comment", "position", "updated_at")  # fmt: skip
    r_cols = ("enrolment_id", "kind", "code", "name", "level", "comment", "position", "updated_at")
    subjects = list(
        SubjectEvaluation.objects.filter(enrolment__school_class__school=school).values_list(
            *s_cols
        )
    )
    ratings = list(
        RatingEvaluation.objects.filter(enrolment__school_class__school=school).values_list(*r_cols)
    )
    return subjects, ratings


def _raw_insert(
    subjects: list[tuple[Any, ...]], ratings: list[tuple[Any, ...]]
) -> tuple[float, float]:
    s_table, r_table = SubjectEvaluation._meta.db_table, RatingEvaluation._meta.db_table
    s_sql = (
        f"INSERT INTO {s_table} (enrolment_id, subject_code, subject_name, mid_term_1_level, "
        "mid_term_1_score, end_term_1_level, end_term_1_score, mid_term_2_level, "
        "mid_term_2_score, level, test_score, comment, position, updated_at) VALUES "
        "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    r_sql = (
        f"INSERT INTO {r_table} (enrolment_id, kind, code, name, level, comment, position, "
        "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    wall, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(s_sql, subjects)
        cursor.executemany(r_sql, ratings)
    return time.perf_counter() - wall, time.process_time() - cpu


def _timed(fn: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run(n_students: int = 1000, code: str = SCHOOL_CODE, keep: bool = False) -> ImportFigures:
    """Build the school and its workbook (not timed), then time: the import, the re-import,
    and the raw executemany of the same rows (after deleting them)."""
    bench = build_school(code, n_students)
    data = school_workbook(bench.students, year_code=bench.year.code)
    year = bench.year.code
    parsed, read_s, read_cpu = _timed(
        lambda: read_workbook(data, source="b.xlsx", school_year=year)
    )
    summary, apply_s, apply_cpu = _timed(
        lambda: import_workbook(bench.school, bench.year, parsed, actor=None)
    )
    again, reimport_s, _ = _timed(
        lambda: import_workbook(
            bench.school,
            bench.year,
            read_workbook(data, source="b.xlsx", school_year=year),
            actor=None,
        )
    )
    assert not again.changed, "a second import of the same workbook changed something"
    subjects, ratings = _evaluation_rows(bench.school)
    rows = len(subjects) + len(ratings)
    assert rows == summary.created.get("subjects", 0) + summary.created.get("ratings", 0)
    SubjectEvaluation.objects.filter(enrolment__school_class__school=bench.school).delete()
    RatingEvaluation.objects.filter(enrolment__school_class__school=bench.school).delete()
    raw_s, raw_cpu = _raw_insert(subjects, ratings)
    if not keep:
        remove_demo_school(code)
    return ImportFigures(
        students=n_students,
        cells=parsed.cells,
        rows=rows,
        read_s=read_s,
        apply_s=apply_s,
        reimport_s=reimport_s,
        raw_s=raw_s,
        read_cpu=read_cpu,
        apply_cpu=apply_cpu,
        raw_cpu=raw_cpu,
        load=os.getloadavg()[0],
        summary=summary,
    )
