"""A small demo school (5 classes × 3 students) and one user per role of the workflow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from hocba.apps.accounts.services import create_user
from hocba.apps.directory import services as directory
from hocba.apps.directory.models import Enrolment, SchoolClass
from hocba.apps.records.demo import load_demo_school
from hocba.demo.generate import demo_school

PASSWORD = "mat-khau-thu-nghiem-1"


@dataclass
class World:
    cls: SchoolClass  # grade 3, current year
    other: SchoolClass  # grade 4, current year
    enrolments: list[Enrolment]
    gvcn: Any
    gvcn_other: Any
    teacher_tv: Any
    principal: Any
    parent: Any


@pytest.fixture
def world(db: None) -> World:
    stored = load_demo_school(demo_school(seed=7, classes_per_grade=1, students_per_class=3))
    by_grade: dict[int, list[Enrolment]] = {}
    for enrolment, _ in stored:
        by_grade.setdefault(enrolment.school_class.grade, []).append(enrolment)
    cls, other = by_grade[3][0].school_class, by_grade[4][0].school_class
    return World(
        cls=cls,
        other=other,
        enrolments=by_grade[3],
        gvcn=create_user("gvcn3", PASSWORD, role="homeroom_teacher", school_class=cls),
        gvcn_other=create_user("gvcn4", PASSWORD, role="homeroom_teacher", school_class=other),
        teacher_tv=create_user(
            "gv-tv", PASSWORD, role="subject_teacher", school_class=cls, subject_code="TV"
        ),
        principal=create_user("ht", PASSWORD, role="principal", org_unit=cls.school.org_unit),
        parent=create_user("phuhuynh", PASSWORD, role="parent", student=by_grade[3][0].student),
    )


@pytest.fixture
def stranger(world: World) -> Any:
    """The principal of another school under the same commune office."""
    school = directory.create_school(
        parent=world.cls.school.org_unit.parent, school_code="99999", name="Trường khác"
    )
    return create_user("ht2", PASSWORD, role="principal", org_unit=school.org_unit)
