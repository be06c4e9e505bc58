"""The TT27 subject catalog per grade and school year (DOMAIN §4.1)."""

from __future__ import annotations

import pytest

from hocba.errors import CatalogError
from hocba.spec import grade_catalog


def codes(grade, year="2024-2025", tested=None):
    return [
        s.code
        for s in grade_catalog(year, grade).subjects
        if s.compulsory and (tested is None or s.tested == tested)
    ]


def test_grade_one_studies_eight_compulsory_subjects_and_activities():
    assert codes(1) == ["TV", "TOAN", "DD", "TNXH", "GDTC", "AN", "MT", "HDTN"]


def test_grade_one_is_tested_only_in_vietnamese_and_maths():
    assert codes(1, tested=True) == ["TV", "TOAN"]


def test_grades_four_and_five_replace_tnxh_with_history_geography_and_science():
    assert "TNXH" not in codes(4)
    assert {"LSDL", "KH"} <= set(codes(5, tested=True))


def test_foreign_language_is_optional_in_grades_one_and_two():
    nn1 = grade_catalog("2024-2025", 2).subject("NN1")
    assert nn1 is not None and not nn1.compulsory and not nn1.tested
    assert grade_catalog("2024-2025", 3).subject("NN1").tested


def test_mid_term_tests_only_in_grades_four_and_five():
    assert grade_catalog("2024-2025", 4).subject("TOAN").midterm_tested
    assert not grade_catalog("2024-2025", 3).subject("TOAN").midterm_tested


def test_five_qualities_and_ten_competences():
    cat = grade_catalog("2024-2025", 3)
    assert len(cat.qualities) == 5 and len(cat.competences) == 10


def test_no_catalog_before_the_2018_programme_reached_a_grade():
    with pytest.raises(CatalogError) as exc:
        grade_catalog("2023-2024", 5)
    assert "lớp 5" in exc.value.message_vi
    assert grade_catalog("2023-2024", 4).grade == 4
