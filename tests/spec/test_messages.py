"""Schema problems are told to users in Vietnamese, including pydantic's list of choices."""

from __future__ import annotations

import pytest

from hocba.demo.generate import demo_school
from hocba.spec import record_data
from hocba.spec.io import RecordProblems, validate_record


def _bad_level(field: str, index: int, level: str) -> RecordProblems:
    school = demo_school(seed=3, classes_per_grade=1, students_per_class=1)
    data = record_data(school.classes[0].students[0].record)
    data[field][index]["level"] = level
    with pytest.raises(RecordProblems) as caught:
        validate_record(data)
    return caught.value


@pytest.mark.parametrize(("field", "level"), [("subjects", "Giỏi"), ("qualities", "H")])
def test_the_allowed_levels_are_listed_with_hoac_not_or(field, level):
    (problem,) = _bad_level(field, 0, level).problems
    assert "cho phép" in problem.message_vi and "hoặc" in problem.message_vi
    assert " or " not in problem.message_vi
