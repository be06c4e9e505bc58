"""Roster and evaluation upserts: JSON bodies → the import rows of ``hocba.ingest.rows`` (each
value located by its JSON path), applied by ``hocba.apps.imports.services`` — the same
validation, one transaction, idempotence and audit as a workbook import.

Bodies are checked for shape here (types, lengths, level codes); everything that needs the
database (unknown student or class, a locked class, a score on a subject without a test) is
the import service's, reported with the JSON path of the value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from hocba.apps.accounts import policy
from hocba.apps.accounts.permissions import Permission
from hocba.apps.accounts.policy import SchoolAgent
from hocba.apps.api.queries import school_class
from hocba.apps.imports.services import apply_evaluations, apply_roster
from hocba.ingest.rows import (
    GuardianRow,
    ImportSummary,
    Location,
    RatingRow,
    RosterRow,
    SubjectRow,
)

MAX_STUDENTS = 200  # per class and request
MAX_ROWS = 5_000  # evaluation rows per class and request


Str20 = Annotated[str, StringConstraints(max_length=20)]
Str32 = Annotated[str, StringConstraints(max_length=32)]
Str50 = Annotated[str, StringConstraints(max_length=50)]
Str100 = Annotated[str, StringConstraints(max_length=100)]
Str200 = Annotated[str, StringConstraints(max_length=200)]
Str300 = Annotated[str, StringConstraints(max_length=300)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^\S+$")]
SubjectLevel = Literal["T", "H", "C", ""]
RatingLevel = Literal["T", "Đ", "C", ""]
Score = Annotated[int, Field(ge=0, le=10)]
Comment = Annotated[str, StringConstraints(max_length=2000)]


class GuardianIn(Schema):
    relation: Literal["father", "mother", "guardian"] = Field(
        description="Quan hệ: father (cha), mother (mẹ), guardian (người giám hộ)"
    )
    full_name: Str100 = Field(description="Họ và tên")
    year_of_birth: int | None = Field(default=None, ge=1900, le=2100)
    occupation: Str100 = ""
    phone: Str32 = ""


class StudentIn(Schema):
    student_code: Code = Field(description="Mã học sinh (khóa để cập nhật)")
    full_name: Str100 = Field(description="Họ và tên")
    sex: Literal["nam", "nữ"] = Field(description="Giới tính")
    date_of_birth: dt.date = Field(description="Ngày sinh")
    ethnicity: Str50 = "Kinh"
    nationality: Str50 = "Việt Nam"
    place_of_birth: Str200 = ""
    home_town: Str200 = ""
    residence: Str300 = ""
    personal_id: str | None = Field(
        default=None, pattern=r"^\d{12}$", description="Số định danh cá nhân (12 chữ số)"
    )
    class_name: Str20 | None = Field(
        default=None, description="Tên lớp; bỏ trống là lớp trong đường dẫn (khác lớp đó: lỗi)"
    )
    register_number: Str32 = Field(default="", description="Số đăng bộ")
    enrolled_on: dt.date | None = Field(default=None, description="Ngày vào lớp")
    guardians: list[GuardianIn] = Field(default_factory=list, max_length=3)


class RosterIn(Schema):
    students: list[StudentIn] = Field(max_length=MAX_STUDENTS)


class SubjectIn(Schema):
    """A field left out (or null) keeps what is stored; "" clears a level."""

    student_code: Code
    subject_code: Code = Field(description="Mã môn học, ví dụ TOAN")
    class_name: Str20 | None = Field(default=None, description="Kiểm tra lớp (tùy chọn)")
    mid_term_1_level: SubjectLevel | None = None
    mid_term_1_score: Score | None = None
    end_term_1_level: SubjectLevel | None = None
    end_term_1_score: Score | None = None
    mid_term_2_level: SubjectLevel | None = None
    mid_term_2_score: Score | None = None
    level: SubjectLevel | None = Field(default=None, description="Mức cuối năm: T, H, C")
    test_score: Score | None = Field(default=None, description="Điểm KTĐK cuối năm")
    comment: Comment | None = None


class RatingIn(Schema):
    student_code: Code
    kind: Literal["quality", "competence"] = Field(description="Phẩm chất hoặc năng lực")
    code: Code = Field(description="Mã phẩm chất/năng lực, ví dụ yeu_nuoc")
    class_name: Str20 | None = None
    level: RatingLevel | None = Field(default=None, description="Mức: T, Đ, C")
    comment: Comment | None = None


class EvaluationsIn(Schema):
    subjects: list[SubjectIn] = Field(default_factory=list, max_length=MAX_ROWS)
    ratings: list[RatingIn] = Field(default_factory=list, max_length=MAX_ROWS)


class SummaryOut(Schema):
    changed: bool = Field(description="Có dữ liệu thay đổi hay không (gửi lại lần hai: false)")
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]


def summary_out(summary: ImportSummary) -> SummaryOut:
    return SummaryOut(changed=summary.changed, **summary.as_dict())


# --- JSON → rows -----------------------------------------------------------------------------


def _located(path: str, names: Sequence[str]) -> dict[str, Any]:
    return {
        "where": Location(source="api", field=path),
        "columns": {name: (None, f"{path}.{name}") for name in names},
    }


def roster_rows(body: RosterIn, class_name: str) -> list[RosterRow]:
    rows = []
    for i, s in enumerate(body.students):
        path = f"$.students[{i}]"
        values = s.model_dump(exclude={"guardians"})
        if values["class_name"] is None:
            values["class_name"] = class_name
        guardians = tuple(
            GuardianRow(
                **_located(f"{path}.guardians[{j}]", list(GuardianIn.model_fields)),
                **g.model_dump(),
            )
            for j, g in enumerate(s.guardians)
        )
        rows.append(RosterRow(**_located(path, list(values)), **values, guardians=guardians))
    return rows


def subject_rows(body: EvaluationsIn) -> list[SubjectRow]:
    return [
        SubjectRow(**_located(f"$.subjects[{i}]", list(SubjectIn.model_fields)), **s.model_dump())
        for i, s in enumerate(body.subjects)
    ]


def rating_rows(body: EvaluationsIn) -> list[RatingRow]:
    return [
        RatingRow(**_located(f"$.ratings[{i}]", list(RatingIn.model_fields)), **r.model_dump())
        for i, r in enumerate(body.ratings)
    ]


# --- use cases -----------------------------------------------------------------------------------


def upsert_roster(agent: SchoolAgent, class_id: int, body: RosterIn) -> ImportSummary:
    """The class's students, enrolments and guardians; a class of another school is 404."""
    cls = school_class(agent, class_id, Permission.SCHOOL_YEAR_MANAGE)
    return apply_roster(
        cls.school,
        cls.school_year,
        roster_rows(body, cls.name),
        actor=agent,
        via="api",
        only_class=cls,
    )


def upsert_evaluations(agent: SchoolAgent, class_id: int, body: EvaluationsIn) -> ImportSummary:
    """The class's subject evaluations and ratings; a class of another school is 404."""
    cls = school_class(agent, class_id, Permission.CLASS_EVALUATION_EDIT)
    policy.require(agent, Permission.CLASS_RATING_EDIT, cls)
    return apply_evaluations(
        cls.school,
        cls.school_year,
        subject_rows(body),
        rating_rows(body),
        actor=agent,
        via="api",
        only_class=cls,
    )
