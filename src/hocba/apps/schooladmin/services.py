"""School administration use cases: open a school year, create classes with their GVCN, assign
subject teachers, enrol students, create parent accounts. Each write runs in one transaction
through the directory and account services and is audited (ids only). None returns HTTP.

Generated passwords are returned to the caller once (to show on the result page) and never
logged or audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils.crypto import get_random_string

from hocba.apps.accounts import policy
from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.models import Grant, Role
from hocba.apps.accounts.permissions import Permission
from hocba.apps.accounts.services import add_grant, create_user
from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory import services as directory
from hocba.apps.directory import tenancy
from hocba.apps.directory.errors import AlreadyExists
from hocba.apps.directory.models import (
    Enrolment,
    School,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
)
from hocba.apps.schooladmin.errors import (
    CannotLeave,
    InvalidSubject,
    InvalidTeacher,
    UsernameTaken,
)
from hocba.errors import CatalogError
from hocba.spec import grade_catalog

# No 0/O, 1/l/I: passwords are read off a screen and typed on a phone.
PASSWORD_CHARS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class NewAccount:
    """A login created just now; ``password`` is shown once and then forgotten."""

    user: Any
    username: str
    password: str


@dataclass(frozen=True)
class NewTeacher:
    """A teacher to add to the school's staff, with a login of their own."""

    full_name: str
    username: str


@dataclass(frozen=True)
class ClassRow:
    school_class: SchoolClass
    students: int
    subject_teachers: list[tuple[str, str]] = field(default_factory=list)  # (subject, name)


@dataclass(frozen=True)
class Overview:
    school: School
    years: list[SchoolYear]
    year: SchoolYear | None
    classes: list[ClassRow]


# --- reading, within the user's authority ---------------------------------------------------


def school_id_of(org_unit_id: int) -> int | None:
    """The school whose org-tree node is ``org_unit_id`` (for a school leader's menu link)."""
    return School.objects.filter(org_unit_id=org_unit_id).values_list("pk", flat=True).first()


def managed_school(user: Any, school_id: int) -> School:
    """A school the user administers (``NotAllowed`` → 404 otherwise)."""
    school = School.objects.select_related("org_unit").filter(pk=school_id).first()
    if school is None:
        raise NotAllowed("Không tìm thấy trường.", detail=f"no school {school_id}")
    policy.require(user, Permission.SCHOOL_YEAR_MANAGE, school)
    return school


def managed_class(user: Any, school: School, class_id: int) -> SchoolClass:
    """A class of ``school`` that the user administers (``NotAllowed`` → 404 otherwise)."""
    cls = (
        SchoolClass.objects.select_related("school__org_unit", "school_year", "homeroom_teacher")
        .filter(pk=class_id, school=school)
        .first()
    )
    if cls is None:
        raise NotAllowed("Không tìm thấy lớp.", detail=f"no class {class_id} at {school.pk}")
    policy.require(user, Permission.SCHOOL_YEAR_MANAGE, cls)
    return cls


def staff_of(school: School) -> list[Staff]:
    return list(Staff.objects.filter(school=school, active=True).select_related("user"))


def students_of(school: School) -> list[Student]:
    """The students who belong to the school now (those who left it are not offered)."""
    return list(tenancy.students_of(school).order_by("full_name", "student_code"))


def open_enrolments(school: School) -> list[Enrolment]:
    """The school's students still here (open enrolment of a student it owns), for the form."""
    return list(
        Enrolment.objects.filter(
            school_class__school=school,
            left_on__isnull=True,
            student__in=tenancy.students_of(school),
        )
        .select_related("student", "school_class__school_year")
        .order_by("student__full_name", "student__student_code")
    )


def leavers(school: School) -> list[Enrolment]:
    """Enrolments of this school its students left (newest first): "đã chuyển đi/đã nghỉ"."""
    return list(
        Enrolment.objects.filter(school_class__school=school, left_on__isnull=False)
        .select_related("student", "school_class")
        .order_by("-left_on", "-pk")
    )


def subjects_for(school_class: SchoolClass) -> list[tuple[str, str]]:
    try:
        catalog = grade_catalog(school_class.school_year.code, school_class.grade)
    except CatalogError:
        return []
    return [(s.code, s.name) for s in catalog.subjects]


def overview(school: School, year_code: str | None) -> Overview:
    years = list(SchoolYear.objects.all())
    year = next((y for y in years if y.code == year_code), years[0] if years else None)
    rows: list[ClassRow] = []
    if year is not None:
        classes = (
            SchoolClass.objects.filter(school=school, school_year=year)
            .select_related("homeroom_teacher")
            .annotate(n=Count("enrolments", distinct=True))
        )
        grants = Grant.objects.filter(
            role=Role.SUBJECT_TEACHER, active=True, school_class__in=classes
        ).select_related("user")
        teachers: dict[int, list[tuple[str, str]]] = {}
        for g in grants.order_by("subject_code"):
            name = g.user.get_full_name() or g.user.username
            teachers.setdefault(g.school_class_id, []).append((g.subject_code, name))
        rows = [ClassRow(c, c.n, teachers.get(c.pk, [])) for c in classes]
    return Overview(school=school, years=years, year=year, classes=rows)


# --- writing ----------------------------------------------------------------------------------


def generate_password() -> str:
    return get_random_string(12, PASSWORD_CHARS)


def _check_username(username: str) -> str:
    username = username.strip()
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise UsernameTaken(
            f"Tên đăng nhập «{username}» đã có người dùng.", detail="username taken"
        )
    return username


def _new_account(actor: Any, username: str, full_name: str, **grant: Any) -> NewAccount:
    username = _check_username(username)
    password = generate_password()
    user = create_user(username, password, full_name=full_name, actor=actor, **grant)
    return NewAccount(user=user, username=username, password=password)


def _teacher(
    actor: Any, school: School, staff: Staff | None, new: NewTeacher | None
) -> tuple[Staff, NewAccount | None]:
    """The chosen staff member, or a new teacher with a new login (no grant yet)."""
    if new is not None:
        account = _new_account(actor, new.username, new.full_name)
        staff = directory.add_staff(
            school=school,
            full_name=new.full_name,
            position=Staff.Position.TEACHER,
            user=account.user,
        )
        return staff, account
    if staff is None or staff.school_id != school.pk or not staff.active:
        raise InvalidTeacher(
            "Hãy chọn một giáo viên của trường hoặc thêm giáo viên mới.",
            detail="no teacher chosen",
        )
    return staff, None


@dataclass(frozen=True)
class YearResult:
    year: SchoolYear
    created: bool


@transaction.atomic
def open_year(actor: Any, school: School, code: str) -> YearResult:
    """Open a school year; one that is already open is returned as it is."""
    try:
        year = directory.open_school_year(code)
    except AlreadyExists:
        return YearResult(SchoolYear.objects.get(code=code.strip()), created=False)
    audit.record(
        EventTag.DIRECTORY_YEAR_OPENED,
        actor=actor,
        subject=year,
        scope_path=school.org_unit.path,
        data={"year": year.code, "school": school.pk},
    )
    return YearResult(year, created=True)


@dataclass(frozen=True)
class ClassResult:
    school_class: SchoolClass
    account: NewAccount | None


@transaction.atomic
def create_class(
    actor: Any,
    school: School,
    *,
    school_year: SchoolYear,
    grade: int,
    name: str,
    homeroom: Staff | None = None,
    new_teacher: NewTeacher | None = None,
) -> ClassResult:
    """Create a class and make its GVCN: an existing staff member or a new teacher with a
    login. A GVCN with a login gets a HOMEROOM_TEACHER grant on the class."""
    staff, account = _teacher(actor, school, homeroom, new_teacher)
    cls = directory.create_class(
        school=school, school_year=school_year, grade=grade, name=name, homeroom_teacher=staff
    )
    audit.record(
        EventTag.DIRECTORY_CLASS_CREATED,
        actor=actor,
        subject=cls,
        scope_path=school.org_unit.path,
        data={"class": cls.pk, "school": school.pk, "year": school_year.code, "staff": staff.pk},
    )
    if staff.user is not None:
        add_grant(staff.user, role=Role.HOMEROOM_TEACHER, school_class=cls, actor=actor)
    return ClassResult(cls, account)


@dataclass(frozen=True)
class SubjectTeacherResult:
    staff: Staff
    subject_code: str
    account: NewAccount | None


@transaction.atomic
def assign_subject_teacher(
    actor: Any,
    school_class: SchoolClass,
    *,
    subject_code: str,
    staff: Staff | None = None,
    new_teacher: NewTeacher | None = None,
) -> SubjectTeacherResult:
    """Give a teacher (existing, with a login, or new) a SUBJECT_TEACHER grant on a class."""
    if subject_code not in dict(subjects_for(school_class)):
        raise InvalidSubject(
            f"Môn «{subject_code}» không có trong chương trình khối {school_class.grade}.",
            detail=f"subject {subject_code!r} not in grade {school_class.grade}",
        )
    school = school_class.school
    chosen, account = _teacher(actor, school, staff, new_teacher)
    if chosen.user is None:
        raise InvalidTeacher(
            f"Giáo viên {chosen.full_name} chưa có tài khoản: hãy thêm giáo viên mới kèm "
            "tên đăng nhập.",
            detail=f"staff {chosen.pk} has no user",
        )
    duplicate = Grant.objects.filter(
        user=chosen.user,
        role=Role.SUBJECT_TEACHER,
        school_class=school_class,
        subject_code=subject_code,
        active=True,
    )
    if duplicate.exists():
        raise InvalidTeacher(
            f"Giáo viên {chosen.full_name} đã dạy môn này ở lớp {school_class.name}.",
            detail=f"staff {chosen.pk} already teaches {subject_code} in {school_class.pk}",
        )
    add_grant(
        chosen.user,
        role=Role.SUBJECT_TEACHER,
        school_class=school_class,
        subject_code=subject_code,
        actor=actor,
    )
    return SubjectTeacherResult(chosen, subject_code, account)


@dataclass(frozen=True)
class NewStudent:
    student_code: str
    full_name: str
    sex: str
    date_of_birth: dt.date
    personal_id: str = ""


@transaction.atomic
def enrol(
    actor: Any,
    school_class: SchoolClass,
    *,
    register_number: str,
    enrolled_on: dt.date,
    new_student: NewStudent | None = None,
    existing_code: str = "",
    guardians: dict[str, str] | None = None,
) -> Enrolment:
    """Register a new student (or find one by code) and enrol them in the class, recording
    the father, mother or guardian given (``{"father": name, ...}``).

    A code finds only a student of this school or one never enrolled anywhere (taken by the
    first school that enrols them); students of other schools come with a transfer package."""
    if new_student is not None:
        student = directory.register_student(
            student_code=new_student.student_code,
            full_name=new_student.full_name,
            sex=new_student.sex,
            date_of_birth=new_student.date_of_birth,
            personal_id=new_student.personal_id or None,
        )
    else:  # scoped: another school's code answers as an unknown one (issue #11)
        student = tenancy.student_of_school(school_class.school, existing_code, or_unowned=True)
    for relation, name in (guardians or {}).items():
        if name.strip():
            directory.add_guardian(student=student, full_name=name, relation=relation)
    enrolment = directory.enrol_student(
        student=student,
        school_class=school_class,
        register_number=register_number,
        enrolled_on=enrolled_on,
    )
    audit.record(
        EventTag.DIRECTORY_ENROLMENT_CREATED,
        actor=actor,
        subject=enrolment,
        scope_path=school_class.school.org_unit.path,
        data={"enrolment": enrolment.pk, "student": student.pk, "class": school_class.pk},
    )
    return enrolment


@transaction.atomic
def create_parent_account(
    actor: Any, school: School, *, student: Student, username: str, full_name: str
) -> NewAccount:
    """A parent login with a PARENT grant on one student who belongs to the school now
    (a family grant is only ever made by the student's own school)."""
    Student.objects.select_for_update().filter(pk=student.pk).first()
    tenancy.require_student_of(school, student)
    return _new_account(actor, username, full_name, role=Role.PARENT, student=student)


@transaction.atomic
def mark_left(
    actor: Any, school: School, enrolment_id: int, *, left_on: dt.date, reason: str
) -> Enrolment:
    """The student of ``enrolment_id`` left ``school`` on ``left_on`` for ``reason``
    (``Enrolment.LeftReason``): the open enrolment is closed, audited. Only a student who
    belongs to ``school`` (tenancy); the school keeps them (read-only history, the transfer
    package) until another school takes them in with that package."""
    policy.require(actor, Permission.SCHOOL_YEAR_MANAGE, school)
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("student", "school_class")
        .filter(pk=enrolment_id, school_class__school=school, left_on__isnull=True)
        .first()
    )
    if enrolment is None or not tenancy.may_write(school, enrolment.student):
        raise CannotLeave(
            "Không tìm thấy học sinh đang học tại trường.",
            detail=f"no open enrolment {enrolment_id}",
        )
    if reason not in Enrolment.LeftReason.values:
        raise CannotLeave("Chọn lý do rời trường.", detail=f"unknown reason {reason!r}")
    if left_on < enrolment.enrolled_on:
        raise CannotLeave(
            f"Ngày rời trường phải từ ngày vào lớp ({enrolment.enrolled_on:%d/%m/%Y}) trở đi.",
            detail="left before enrolled",
        )
    enrolment.left_on, enrolment.left_reason = left_on, reason
    enrolment.save(update_fields=["left_on", "left_reason"])
    audit.record(
        EventTag.DIRECTORY_ENROLMENT_LEFT,
        actor=actor,
        subject=enrolment,
        scope_path=school.org_unit.path,
        data={"enrolment": enrolment.pk, "student": enrolment.student_id,
              "left_on": left_on.isoformat(), "reason": reason},
    )  # fmt: skip
    return enrolment
