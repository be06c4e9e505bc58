"""A small demo school (one class per grade, 3 students each) for the import services and views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from hocba.apps.accounts.services import create_user
from hocba.apps.directory.models import Enrolment, School, SchoolClass, SchoolYear
from hocba.apps.records.demo import load_demo_school
from hocba.demo.generate import demo_school

PASSWORD = "mat-khau-thu-nghiem-1"


@dataclass
class World:
    school: School
    year: SchoolYear
    cls: SchoolClass  # grade 4, current year
    enrolments: list[Enrolment]
    gvcn: Any
    gvcn_other: Any
    teacher_toan: Any
    principal: Any
    vice: Any
    parent: Any


@pytest.fixture
def world(db: None) -> World:
    stored = load_demo_school(demo_school(seed=3, classes_per_grade=1, students_per_class=3))
    by_grade: dict[int, list[Enrolment]] = {}
    for enrolment, _ in stored:
        by_grade.setdefault(enrolment.school_class.grade, []).append(enrolment)
    cls, other = by_grade[4][0].school_class, by_grade[3][0].school_class
    org = cls.school.org_unit
    return World(
        school=cls.school,
        year=cls.school_year,
        cls=cls,
        enrolments=by_grade[4],
        gvcn=create_user("gvcn4", PASSWORD, role="homeroom_teacher", school_class=cls),
        gvcn_other=create_user("gvcn3", PASSWORD, role="homeroom_teacher", school_class=other),
        teacher_toan=create_user(
            "gv-toan", PASSWORD, role="subject_teacher", school_class=cls, subject_code="TOAN"
        ),
        principal=create_user("ht", PASSWORD, role="principal", org_unit=org),
        vice=create_user("pht", PASSWORD, role="vice_principal", org_unit=org),
        parent=create_user("ph", PASSWORD, role="parent", student=by_grade[4][0].student),
    )
