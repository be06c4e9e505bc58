"""Plain record builders for pure tests (no database): a complete, valid record by default."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hocba.spec import (
    SCHEMA_VERSION,
    AdministrativeUnit,
    PlannedSigner,
    Rating,
    RatingLevel,
    Record,
    School,
    Sex,
    SignerRole,
    Student,
    SubjectLevel,
    SubjectResult,
    grade_catalog,
)

SCHOOL = School(
    code="79000001",
    name="Trường Tiểu học Lê Văn Tám",
    administrative_units=[
        AdministrativeUnit(level="province", code="79", name="Thành phố Hồ Chí Minh"),
        AdministrativeUnit(level="commune", name="Phường Bến Thành"),
    ],
)
STUDENT = Student(
    full_name="Trần Thị Ngọc Ánh",
    sex=Sex.FEMALE,
    date_of_birth=dt.date(2015, 3, 14),
    ethnicity="Kinh",
    nationality="Việt Nam",
    place_of_birth="Thành phố Hồ Chí Minh",
    residence="12 Lê Lợi, phường Bến Thành, TP Hồ Chí Minh",
    personal_id="079315001234",
    student_code="HS2400001",
)


def primary_record(
    *,
    grade: int = 3,
    levels: str | dict[str, str] = "T",
    qualities: str | dict[str, str] = "T",
    competences: str | dict[str, str] | None = None,
    scores: int | dict[str, int] = 10,
    school_year: str = "2024-2025",
    **fields: Any,
) -> Record:
    """A record for ``grade``: every compulsory subject at ``levels`` (or per-code dict),
    tested subjects scored ``scores`` (or per-code dict, default 10), ratings at
    ``qualities``/``competences``. Extra keyword arguments replace top-level fields."""
    catalog = grade_catalog(school_year, grade)
    competences = qualities if competences is None else competences

    def pick(spec: str | dict[str, str], code: str, default: str) -> str:
        return spec if isinstance(spec, str) else spec.get(code, default)

    subjects = [
        SubjectResult(
            code=s.code,
            name=s.name,
            level=SubjectLevel(pick(levels, s.code, "T")),
            test_score=(scores if isinstance(scores, int) else scores.get(s.code, 10))
            if s.tested
            else None,
            comment="Cần được giúp đỡ thêm." if pick(levels, s.code, "T") == "C" else "",
        )
        for s in catalog.compulsory_subjects
    ]
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "record_id": "0b8f8f52-6a5e-4c55-9d3c-2f7b0b1f4e10",
        "scheme": "TT27/2020",
        "school_year": school_year,
        "grade": grade,
        "class_name": f"{grade}A",
        "school": SCHOOL,
        "student": STUDENT,
        "subjects": subjects,
        "qualities": [
            Rating(code=q.code, name=q.name, level=RatingLevel(pick(qualities, q.code, "T")))
            for q in catalog.qualities
        ],
        "competences": [
            Rating(code=c.code, name=c.name, level=RatingLevel(pick(competences, c.code, "T")))
            for c in catalog.competences
        ],
        "place": "TP Hồ Chí Minh",
        "dated": dt.date(int(school_year[5:]), 5, 28),
        "signers": [
            PlannedSigner(
                role=SignerRole.GVCN, full_name="Lê Thị Hồng", title="Giáo viên chủ nhiệm"
            ),
            PlannedSigner(role=SignerRole.PRINCIPAL, full_name="Phạm Văn Đức", title="Hiệu trưởng"),
            PlannedSigner(role=SignerRole.SEAL, full_name=SCHOOL.name, title="Con dấu số"),
        ],
    }
    data.update(fields)
    return Record(**data)
