"""Loading the generated demo schools into the database (the demo's only writer).

``load_demo_school`` stores one school (tests use it); ``load_demo_province`` stores the demo's
province: schools in different wards of one department, so every role has a counterpart in
another school. The demo is reproducible: loading removes any earlier demo school with the same
code first, so ``hocba demo --seed N`` twice gives the same database content and records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.db import transaction

from hocba.apps.directory import services as directory
from hocba.apps.directory.models import (
    AdministrativeUnit,
    Enrolment,
    Guardian,
    OrgUnit,
    School,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
)
from hocba.apps.records import services as records
from hocba.apps.records.models import RecordVersion
from hocba.demo.generate import DEPARTMENT_NAME, DemoSchool

MINISTRY_CODE = "BGDDT"
DEPARTMENT_CODE = "SGDDT-01"
LOCAL_CODE = "UBND-00070"
"""The first demo school's commune (ward) office; another ward's is ``UBND-<ward code>``."""


def local_code(ward_code: str) -> str:
    return f"UBND-{ward_code}"


def _year(code: str) -> SchoolYear:
    existing = SchoolYear.objects.filter(code=code).first()
    return existing or directory.open_school_year(code)


def _org_tree(demo: DemoSchool) -> tuple[OrgUnit, AdministrativeUnit]:
    units = demo.school.administrative_units
    province = AdministrativeUnit.objects.filter(code=units[0].code).first()
    if province is None:
        province = directory.create_administrative_unit(
            code=units[0].code or "01", name=units[0].name, level="province"
        )
    ward = AdministrativeUnit.objects.filter(code=units[-1].code).first()
    if ward is None:
        ward = directory.create_administrative_unit(
            code=units[-1].code or "00070", name=units[-1].name, level="ward", parent=province
        )

    def unit(kind: str, code: str, name: str, parent: OrgUnit | None, au=None) -> OrgUnit:
        found = OrgUnit.objects.filter(code=code).first()
        return found or directory.create_org_unit(
            kind=kind, code=code, name=name, parent=parent, administrative_unit=au
        )

    ministry = unit("ministry", MINISTRY_CODE, "Bộ Giáo dục và Đào tạo", None)
    department = unit("department", DEPARTMENT_CODE, DEPARTMENT_NAME, ministry, province)
    local = unit(
        "local_office",
        local_code(ward.code),
        demo.school.managing_unit or "UBND",
        department,
        ward,
    )
    return local, ward


def remove_demo_school(school_code: str) -> None:
    """Delete a school loaded by the demo and everything of it (only ever demo data)."""
    school = School.objects.filter(school_code=school_code).first()
    if school is None:
        return
    enrolments = Enrolment.objects.filter(school_class__school=school)
    students = list(Student.objects.filter(enrolments__in=enrolments).distinct())
    RecordVersion.objects.filter(enrolment__in=enrolments).delete()
    enrolments.delete()
    SchoolClass.objects.filter(school=school).delete()
    Staff.objects.filter(school=school).delete()
    Guardian.objects.filter(guardianships__student__in=students).delete()
    Student.objects.filter(pk__in=[s.pk for s in students]).delete()
    org_unit = school.org_unit
    school.delete()
    org_unit.delete()


@transaction.atomic
def load_demo_school(
    demo: DemoSchool, progress: Callable[[int], None] | None = None
) -> list[tuple[Enrolment, RecordVersion]]:
    """Store the demo school, its people and evaluations; build and keep every record."""
    remove_demo_school(demo.school.code)
    local, ward = _org_tree(demo)
    province_name = demo.school.administrative_units[0].name
    school = directory.create_school(
        parent=local,
        school_code=demo.school.code,
        name=demo.school.name,
        address=f"{ward.name}, {province_name.removeprefix('Thành phố ')}",
        administrative_unit=ward,
    )
    directory.add_staff(school=school, full_name=demo.principal, position="principal")
    year = _year(demo.school_year)
    out = []
    for demo_class in demo.classes:
        teacher = directory.add_staff(
            school=school, full_name=demo_class.homeroom_teacher, position="teacher"
        )
        cls = directory.create_class(
            school=school,
            school_year=year,
            grade=demo_class.grade,
            name=demo_class.name,
            homeroom_teacher=teacher,
        )
        for item in demo_class.students:
            enrolment = _enrol_with_history(
                school, cls, item.student, item.register_number, item.record
            )
            records.save_evaluations(enrolment, item.record)
            record = records.build_record(enrolment)
            out.append((enrolment, records.store_version(enrolment, record)))
            if progress:
                progress(1)
    return out


def load_demo_province(
    schools: Sequence[DemoSchool], progress: Callable[[int], None] | None = None
) -> list[list[tuple[Enrolment, RecordVersion]]]:
    """Store several demo schools of one province (each in its own ward, see
    ``hocba.demo.generate.SECOND_SCHOOL``); the stored records per school, in order."""
    return [load_demo_school(demo, progress) for demo in schools]


def _enrol_with_history(school, cls, student, register_number, record) -> Enrolment:
    s = student
    db_student = directory.register_student(
        student_code=s.student_code,
        full_name=s.full_name,
        sex=s.sex.value,
        date_of_birth=s.date_of_birth,
        personal_id=s.personal_id,
        ethnicity=s.ethnicity,
        nationality=s.nationality,
        place_of_birth=s.place_of_birth,
        home_town=s.home_town or "",
        residence=s.residence,
    )
    for relation in ("father", "mother", "guardian"):
        g = getattr(s, relation)
        if g is not None:
            directory.add_guardian(
                student=db_student,
                full_name=g.full_name,
                relation=relation,
                year_of_birth=g.year_of_birth,
                occupation=g.occupation or "",
            )
    # Earlier years at this school, as the study history says (DOMAIN §4.4).
    enrolment = None
    for row in record.study_history:
        year = _year(row.school_year)
        if row.school_year == cls.school_year.code:
            row_class = cls
        else:
            row_class = SchoolClass.objects.filter(
                school=school, school_year=year, name=row.class_name
            ).first() or directory.create_class(
                school=school,
                school_year=year,
                grade=int(row.class_name[0]),
                name=row.class_name,
            )
        enrolment = directory.enrol_student(
            student=db_student,
            school_class=row_class,
            register_number=register_number,
            enrolled_on=row.enrolled_on or dt.date(int(row.school_year[:4]), 9, 5),
        )
    assert enrolment is not None and enrolment.school_class_id == cls.pk
    return enrolment


@transaction.atomic
def issue_demo_classes(grade: int, signed: dict[str, tuple[bytes, bytes]]) -> int:
    """Mark the demo's classes of ``grade`` finalised and their records issued with the forms
    the demo signed and verified (record id → (signed PDF, XAdES-signed XML), both VALID with
    the same digest, as the web's issue step checks them), so families and officers have issued
    records to see while the other grades wait for teachers on the web. Returns the number
    issued."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from hocba.apps.audit import services as audit
    from hocba.apps.audit.tags import EventTag
    from hocba.apps.records.models import ClassFinalisation

    now = timezone.now()
    issued = 0
    for cls in SchoolClass.objects.filter(
        grade=grade, enrolments__records__isnull=False
    ).distinct():
        ClassFinalisation.objects.update_or_create(
            school_class=cls, defaults={"locked": True, "finalised_at": now}
        )
        versions = RecordVersion.objects.filter(enrolment__school_class=cls)
        for version in versions:
            forms = signed.get(str(version.record_id))
            if forms is None:
                continue
            pdf, xml = forms
            stem = f"{version.record_id}-v{version.version}-issued"
            version.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
            version.xml.save(f"{stem}.xml", ContentFile(xml), save=False)
            version.status, version.issued_at = RecordVersion.Status.ISSUED, now
            version.save(update_fields=["pdf", "xml", "status", "issued_at"])
            audit.record(
                EventTag.RECORD_ISSUED,
                subject=version,
                scope_path=cls.school.org_unit.path,
                data={"record_version": version.pk, "demo": True},
            )
            issued += 1
    return issued
