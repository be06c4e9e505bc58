"""Services validate their input and raise a DirectoryError with a code and a Vietnamese message."""

from __future__ import annotations

import datetime as dt

import pytest

from hocba.apps.directory import services
from hocba.apps.directory.errors import (
    AlreadyExists,
    InvalidChoice,
    InvalidEnrolment,
    InvalidGrade,
    InvalidPersonalId,
    InvalidSchoolYear,
    InvalidStaff,
)
from hocba.apps.directory.models import (
    AdministrativeUnit,
    Enrolment,
    School,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
)
from hocba.errors import HocbaError


@pytest.mark.parametrize("grade", [0, 6, 12])
def test_a_primary_class_grade_outside_one_to_five_is_refused(
    school: School, year: SchoolYear, grade: int
) -> None:
    with pytest.raises(InvalidGrade) as info:
        services.create_class(school=school, school_year=year, grade=grade, name="X")
    err = info.value
    assert isinstance(err, HocbaError)
    assert err.code == "directory.invalid_grade"
    assert err.message_vi == (
        f"Khối lớp {grade} không hợp lệ: trường tiểu học chỉ có khối 1 đến 5."
    )
    assert not SchoolClass.objects.exists()


@pytest.mark.parametrize(
    "code", ["2024-2026", "2024/2025", "24-25", "2025-2024", " 2024-2025x", "２０２４-２０２５"]
)
def test_a_school_year_code_must_be_two_consecutive_years(db: None, code: str) -> None:
    with pytest.raises(InvalidSchoolYear) as info:
        services.open_school_year(code)
    assert info.value.code == "directory.invalid_school_year"
    assert "2024-2025" in info.value.message_vi


def test_a_school_year_opens_with_default_dates(db: None) -> None:
    year = services.open_school_year("2024-2025")
    assert (year.start_date, year.end_date) == (dt.date(2024, 9, 1), dt.date(2025, 5, 31))
    with pytest.raises(AlreadyExists):
        services.open_school_year("2024-2025")


def test_school_year_dates_must_fit_the_code(db: None) -> None:
    with pytest.raises(InvalidSchoolYear):
        services.open_school_year("2024-2025", start_date=dt.date(2023, 9, 5))


@pytest.mark.parametrize(
    "personal_id", ["12345678901", "1234567890123", "00121600123a", "٠٠١٢١٦٠٠١٢٣٤"]
)
def test_a_personal_id_must_be_exactly_twelve_digits(db: None, personal_id: str) -> None:
    with pytest.raises(InvalidPersonalId) as info:
        services.register_student(
            student_code="HS9",
            full_name="Trần Văn An",
            sex="nam",
            date_of_birth=dt.date(2017, 1, 2),
            personal_id=personal_id,
        )
    err = info.value
    assert err.code == "directory.invalid_personal_id"
    assert err.message_vi == "Số định danh cá nhân phải gồm đúng 12 chữ số."
    assert personal_id not in str(err)


def test_a_student_may_have_no_personal_id_yet(db: None) -> None:
    for code in ("HS1", "HS2"):
        student = services.register_student(
            student_code=code,
            full_name="Lò Văn Páo",
            sex="nam",
            date_of_birth=dt.date(2017, 5, 6),
            personal_id="  ",
            ethnicity="Thái",
        )
        assert student.personal_id is None
    assert Student.objects.filter(personal_id__isnull=True).count() == 2


def test_personal_ids_and_student_codes_are_unique(student: Student) -> None:
    with pytest.raises(AlreadyExists) as info:
        services.register_student(
            student_code="HS0002",
            full_name="Người khác",
            sex="nam",
            date_of_birth=dt.date(2016, 1, 1),
            personal_id="001216001234",
        )
    assert "001216001234" not in str(info.value) + info.value.message_vi
    with pytest.raises(AlreadyExists):
        services.register_student(
            student_code="HS0001", full_name="X", sex="nam", date_of_birth=dt.date(2016, 1, 1)
        )


def test_names_are_stored_in_nfc_with_single_spaces(db: None) -> None:
    decomposed = "Nguye\u0302\u0303n  Va\u0306n   A"  # NFD, as some keyboards type it
    student = services.register_student(
        student_code="HS3", full_name=decomposed, sex="Nam", date_of_birth=dt.date(2016, 2, 2)
    )
    assert student.full_name == "Nguyễn Văn A"
    assert student.sex == Student.Sex.MALE


def test_unknown_choices_are_refused(db: None) -> None:
    with pytest.raises(InvalidChoice):
        services.register_student(
            student_code="HS4", full_name="A", sex="khác", date_of_birth=dt.date(2016, 2, 2)
        )


def test_class_names_are_unique_per_school_and_year(class_3a: SchoolClass) -> None:
    with pytest.raises(AlreadyExists):
        services.create_class(
            school=class_3a.school, school_year=class_3a.school_year, grade=3, name="3A"
        )
    next_year = services.open_school_year("2025-2026")
    services.create_class(school=class_3a.school, school_year=next_year, grade=4, name="3A")


def test_the_homeroom_teacher_must_work_at_the_school(
    school: School, year: SchoolYear, commune
) -> None:
    other = services.create_school(parent=commune, school_code="01002", name="Trường TH Khác")
    teacher = services.add_staff(
        school=other, full_name="Phạm Thu Hà", position=Staff.Position.TEACHER
    )
    with pytest.raises(InvalidStaff):
        services.create_class(
            school=school, school_year=year, grade=1, name="1A", homeroom_teacher=teacher
        )
    own = services.add_staff(school=school, full_name="Lê Minh", position="teacher")
    klass = services.create_class(
        school=school, school_year=year, grade=1, name="1A", homeroom_teacher=own
    )
    assert klass.homeroom_teacher == own


def test_create_school_makes_its_org_unit(school: School, commune) -> None:
    assert school.org_unit.kind == "school"
    assert school.org_unit.code == school.school_code == "01001"
    assert school.org_unit.parent == commune
    with pytest.raises(AlreadyExists):
        services.create_school(parent=commune, school_code="01001", name="Trùng")


def test_enrolment_once_per_class_and_one_open_class_per_year(
    student: Student, class_3a: SchoolClass
) -> None:
    enrolment = services.enrol_student(
        student=student,
        school_class=class_3a,
        register_number="12/2022",
        enrolled_on=dt.date(2024, 9, 5),
    )
    assert enrolment.kind == Enrolment.Kind.NEW
    with pytest.raises(InvalidEnrolment):
        other = services.create_class(
            school=class_3a.school, school_year=class_3a.school_year, grade=3, name="3B"
        )
        services.enrol_student(
            student=student,
            school_class=other,
            register_number="1",
            enrolled_on=dt.date(2024, 9, 6),
        )
    enrolment.left_on = dt.date(2024, 12, 31)
    enrolment.save()
    with pytest.raises(AlreadyExists):
        services.enrol_student(
            student=student,
            school_class=class_3a,
            register_number="1",
            enrolled_on=dt.date(2025, 1, 2),
        )


def test_enrolment_date_must_be_in_the_school_year(student: Student, class_3a: SchoolClass) -> None:
    with pytest.raises(InvalidEnrolment):
        services.enrol_student(
            student=student,
            school_class=class_3a,
            register_number="5",
            enrolled_on=dt.date(2025, 8, 1),
            kind=Enrolment.Kind.TRANSFERRED_IN,
        )


def test_guardians_are_linked_with_their_relation(student: Student) -> None:
    link = services.add_guardian(
        student=student, full_name="Nguyễn Văn Bình", relation="father", year_of_birth=1985
    )
    assert str(link) == "Cha: Nguyễn Văn Bình"
    assert student.guardianships.get().guardian.year_of_birth == 1985


def test_administrative_units_are_dated_and_unique_per_start(db: None) -> None:
    hanoi = services.create_administrative_unit(
        code="01", name="Thành phố Hà Nội", level="province", valid_from=dt.date(2008, 8, 1)
    )
    ward = services.create_administrative_unit(
        code="00070",
        name="Hoàn Kiếm",
        level=AdministrativeUnit.Level.WARD,
        parent=hanoi,
        valid_from=dt.date(2025, 7, 1),
    )
    assert str(ward) == "Phường Hoàn Kiếm"
    with pytest.raises(AlreadyExists):
        services.create_administrative_unit(
            code="01", name="Hà Nội", level="province", valid_from=dt.date(2008, 8, 1)
        )
