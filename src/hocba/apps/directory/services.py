"""Use cases that write the directory. Each runs in one transaction and raises a
``DirectoryError`` (Vietnamese message, machine code) on bad input; none returns HTTP.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction

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
    Guardian,
    Guardianship,
    OrgUnit,
    School,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
)
from hocba.apps.directory.validators import validate_personal_id, validate_school_year_code


def clean_text(value: str) -> str:
    """NFC (Vietnamese typed on different keyboards), trimmed, single spaces."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def _require_choice(value: str, choices: type[models.TextChoices], what: str) -> str:
    if value not in choices.values:
        raise InvalidChoice(
            f"Giá trị «{value}» không hợp lệ cho {what}.", detail=f"unknown {what} {value!r}"
        )
    return value


@transaction.atomic
def create_administrative_unit(
    *,
    code: str,
    name: str,
    level: str,
    parent: AdministrativeUnit | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> AdministrativeUnit:
    """Add a province, district, commune or ward, optionally under a parent unit."""
    level = _require_choice(level, AdministrativeUnit.Level, "cấp đơn vị hành chính")
    unit = AdministrativeUnit(
        code=code.strip(), name=clean_text(name), level=level, parent=parent, valid_to=valid_to
    )
    if valid_from is not None:
        unit.valid_from = valid_from
    if AdministrativeUnit.objects.filter(code=unit.code, valid_from=unit.valid_from).exists():
        raise AlreadyExists(
            f"Đơn vị hành chính mã {unit.code} đã có từ ngày {unit.valid_from:%d/%m/%Y}.",
            detail=f"administrative unit {unit.code} from {unit.valid_from} exists",
        )
    unit.save()
    return unit


@transaction.atomic
def create_org_unit(
    *,
    kind: str,
    code: str,
    name: str,
    parent: OrgUnit | None = None,
    administrative_unit: AdministrativeUnit | None = None,
    valid_from: dt.date | None = None,
) -> OrgUnit:
    """Add a unit of the education tree under ``parent`` (its ``path`` is set on save)."""
    kind = _require_choice(kind, OrgUnit.Kind, "loại đơn vị")
    code = code.strip()
    if OrgUnit.objects.filter(code=code).exists():
        raise AlreadyExists(
            f"Mã đơn vị {code} đã được sử dụng.", detail=f"org unit code {code} exists"
        )
    unit = OrgUnit(
        kind=kind,
        code=code,
        name=clean_text(name),
        parent=parent,
        administrative_unit=administrative_unit,
    )
    if valid_from is not None:
        unit.valid_from = valid_from
    unit.save()
    return unit


@transaction.atomic
def move_org_unit(unit: OrgUnit, *, new_parent: OrgUnit | None) -> OrgUnit:
    """Re-parent a unit; the paths of all its descendants follow."""
    unit.parent = new_parent
    unit.save(update_fields=["parent"])
    return unit


@transaction.atomic
def create_school(
    *,
    parent: OrgUnit | None,
    school_code: str,
    name: str,
    address: str = "",
    level: str = School.Level.PRIMARY,
    phone: str = "",
    email: str = "",
    administrative_unit: AdministrativeUnit | None = None,
    valid_from: dt.date | None = None,
) -> School:
    """Create the school's org-tree node (code = mã trường) and the school itself."""
    level = _require_choice(level, School.Level, "cấp học")
    school_code = school_code.strip()
    if School.objects.filter(school_code=school_code).exists():
        raise AlreadyExists(
            f"Mã trường {school_code} đã được sử dụng.", detail=f"school code {school_code} exists"
        )
    node = create_org_unit(
        kind=OrgUnit.Kind.SCHOOL,
        code=school_code,
        name=name,
        parent=parent,
        administrative_unit=administrative_unit,
        valid_from=valid_from,
    )
    return School.objects.create(
        org_unit=node,
        school_code=school_code,
        name=node.name,
        address=clean_text(address),
        level=level,
        phone=phone.strip(),
        email=email.strip(),
    )


@transaction.atomic
def open_school_year(
    code: str, *, start_date: dt.date | None = None, end_date: dt.date | None = None
) -> SchoolYear:
    """Open ``"2024-2025"``; dates default to 1 September and 31 May."""
    code = code.strip()
    try:
        validate_school_year_code(code)
    except ValidationError as err:
        raise InvalidSchoolYear(err.messages[0], detail=f"bad school year code {code!r}") from err
    first, second = (int(part) for part in code.split("-"))
    start_date = start_date or dt.date(first, 9, 1)
    end_date = end_date or dt.date(second, 5, 31)
    if not (start_date.year == first and end_date.year == second and start_date < end_date):
        raise InvalidSchoolYear(
            f"Năm học {code} phải bắt đầu trong năm {first} và kết thúc trong năm {second}.",
            detail=f"school year {code} dates {start_date}..{end_date} do not fit the code",
        )
    if SchoolYear.objects.filter(code=code).exists():
        raise AlreadyExists(f"Năm học {code} đã có.", detail=f"school year {code} exists")
    return SchoolYear.objects.create(code=code, start_date=start_date, end_date=end_date)


@transaction.atomic
def add_staff(
    *, school: School, full_name: str, position: str, user: AbstractBaseUser | None = None
) -> Staff:
    """Add a principal, vice-principal or teacher to a school."""
    position = _require_choice(position, Staff.Position, "chức vụ")
    return Staff.objects.create(
        school=school, full_name=clean_text(full_name), position=position, user=user
    )


@transaction.atomic
def create_class(
    *,
    school: School,
    school_year: SchoolYear,
    grade: int,
    name: str,
    homeroom_teacher: Staff | None = None,
) -> SchoolClass:
    """Open a class; the grade must fit the school's level (1–5 for primary)."""
    grades = school.grades
    if grade not in grades:
        raise InvalidGrade(
            f"Khối lớp {grade} không hợp lệ: trường {School.Level(school.level).label.lower()} "
            f"chỉ có khối {grades[0]} đến {grades[-1]}.",
            detail=f"grade {grade} outside {grades[0]}..{grades[-1]} for {school.level}",
        )
    name = clean_text(name)
    if homeroom_teacher is not None and homeroom_teacher.school_id != school.pk:
        raise InvalidStaff(
            "Giáo viên chủ nhiệm phải thuộc trường của lớp.",
            detail=f"staff {homeroom_teacher.pk} is not at school {school.pk}",
        )
    if SchoolClass.objects.filter(school=school, school_year=school_year, name=name).exists():
        raise AlreadyExists(
            f"Lớp {name} đã có trong năm học {school_year.code}.",
            detail=f"class {name} exists at school {school.pk} in {school_year.code}",
        )
    return SchoolClass.objects.create(
        school=school,
        school_year=school_year,
        grade=grade,
        name=name,
        homeroom_teacher=homeroom_teacher,
    )


def _personal_id(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        validate_personal_id(value)
    except ValidationError as err:
        raise InvalidPersonalId(
            err.messages[0], detail=f"personal id has {len(value)} characters, not 12 digits"
        ) from err
    return value


@transaction.atomic
def register_student(
    *,
    student_code: str,
    full_name: str,
    sex: str,
    date_of_birth: dt.date,
    personal_id: str | None = None,
    ethnicity: str = "Kinh",
    nationality: str = "Việt Nam",
    place_of_birth: str = "",
    home_town: str = "",
    residence: str = "",
) -> Student:
    """Add a student; ``personal_id`` may be missing but, when given, is 12 digits and unique."""
    sex = _require_choice(clean_text(sex).lower(), Student.Sex, "giới tính")
    student_code = student_code.strip()
    pid = _personal_id(personal_id)
    if Student.objects.filter(student_code=student_code).exists():
        raise AlreadyExists(
            f"Mã học sinh {student_code} đã được sử dụng.",
            detail=f"student code {student_code} exists",
        )
    if pid is not None and Student.objects.filter(personal_id=pid).exists():
        raise AlreadyExists(
            "Số định danh cá nhân này đã gắn với một học sinh khác.",
            detail="personal id already belongs to another student",
        )
    return Student.objects.create(
        student_code=student_code,
        personal_id=pid,
        full_name=clean_text(full_name),
        sex=sex,
        date_of_birth=date_of_birth,
        ethnicity=clean_text(ethnicity),
        nationality=clean_text(nationality),
        place_of_birth=clean_text(place_of_birth),
        home_town=clean_text(home_town),
        residence=clean_text(residence),
    )


@transaction.atomic
def add_guardian(
    *,
    student: Student,
    full_name: str,
    relation: str,
    year_of_birth: int | None = None,
    occupation: str = "",
    phone: str = "",
) -> Guardianship:
    """Record a father, mother or legal guardian of a student."""
    relation = _require_choice(relation, Guardianship.Relation, "quan hệ")
    guardian = Guardian.objects.create(
        full_name=clean_text(full_name),
        year_of_birth=year_of_birth,
        occupation=clean_text(occupation),
        phone=phone.strip(),
    )
    return Guardianship.objects.create(student=student, guardian=guardian, relation=relation)


@transaction.atomic
def enrol_student(
    *,
    student: Student,
    school_class: SchoolClass,
    register_number: str,
    enrolled_on: dt.date,
    kind: str = Enrolment.Kind.NEW,
) -> Enrolment:
    """Put a student in a class; one open enrolment per student and school year."""
    kind = _require_choice(kind, Enrolment.Kind, "hình thức nhập học")
    year = school_class.school_year
    if not year.start_date <= enrolled_on <= year.end_date:
        raise InvalidEnrolment(
            f"Ngày vào lớp phải nằm trong năm học {year.code}.",
            detail=f"enrolled_on {enrolled_on} outside school year {year.code}",
        )
    Student.objects.select_for_update().filter(pk=student.pk).first()  # one enrolment at a time
    open_in_year = Enrolment.objects.filter(
        student=student, school_class__school_year=year, left_on__isnull=True
    )
    if open_in_year.exists():
        raise InvalidEnrolment(
            f"Học sinh {student.full_name} đang học một lớp khác trong năm học {year.code}.",
            detail=f"student {student.pk} already has an open enrolment in {year.code}",
        )
    if Enrolment.objects.filter(student=student, school_class=school_class).exists():
        raise AlreadyExists(
            f"Học sinh {student.full_name} đã có tên trong lớp {school_class.name}.",
            detail=f"student {student.pk} already enrolled in class {school_class.pk}",
        )
    return Enrolment.objects.create(
        student=student,
        school_class=school_class,
        register_number=register_number.strip(),
        enrolled_on=enrolled_on,
        kind=kind,
    )
