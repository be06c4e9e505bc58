"""Masking, string forms and the database's own constraints."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hocba.apps.directory.models import SchoolClass, SchoolYear, Student


def test_the_masked_personal_id_shows_only_the_last_four_digits() -> None:
    assert Student(personal_id="001216001234").masked_personal_id == "********1234"
    assert Student(personal_id=None).masked_personal_id == ""


def test_a_students_string_never_contains_the_personal_id() -> None:
    student = Student(student_code="HS1", full_name="Nguyễn Thị Lan", personal_id="001216001234")
    assert "001216001234" not in str(student)
    assert "1234" not in str(student).replace("HS1", "")


@pytest.mark.django_db
def test_model_validation_rejects_a_bad_personal_id_and_school_year_code() -> None:
    student = Student(
        student_code="HS1",
        full_name="A",
        sex="nam",
        date_of_birth=dt.date(2016, 1, 1),
        personal_id="12345",
    )
    with pytest.raises(ValidationError) as info:
        student.full_clean()
    assert "personal_id" in info.value.message_dict
    year = SchoolYear(
        code="2024-2026", start_date=dt.date(2024, 9, 1), end_date=dt.date(2026, 5, 31)
    )
    with pytest.raises(ValidationError) as info:
        year.full_clean()
    assert "code" in info.value.message_dict


def test_model_validation_checks_the_grade_against_the_school_level(class_3a: SchoolClass) -> None:
    class_3a.grade = 6
    with pytest.raises(ValidationError) as info:
        class_3a.full_clean()
    assert info.value.message_dict["grade"] == ["Khối lớp phải từ 1 đến 5."]


def test_the_database_refuses_a_duplicate_class(class_3a: SchoolClass) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolClass.objects.create(
            school=class_3a.school, school_year=class_3a.school_year, grade=4, name="3A"
        )


def test_the_database_refuses_a_duplicate_or_short_personal_id(student: Student) -> None:
    fields = {"full_name": "B", "sex": "nam", "date_of_birth": dt.date(2016, 1, 1)}
    with pytest.raises(IntegrityError), transaction.atomic():
        Student.objects.create(student_code="HS2", personal_id=student.personal_id, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Student.objects.create(student_code="HS3", personal_id="123", **fields)


@pytest.mark.django_db
def test_the_database_refuses_a_school_year_ending_before_it_starts() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolYear.objects.create(
            code="2024-2025", start_date=dt.date(2025, 5, 31), end_date=dt.date(2024, 9, 1)
        )
