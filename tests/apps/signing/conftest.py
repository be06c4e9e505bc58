"""A small demo school in the database, its demo PKI, and users with grants."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hocba.apps.accounts.services import create_user
from hocba.apps.directory import services as directory
from hocba.apps.directory.models import School, SchoolClass
from hocba.apps.records.demo import load_demo_school
from hocba.apps.records.models import ClassFinalisation, RecordVersion
from hocba.demo.generate import demo_school
from hocba.signing import init_pki

SEED = 7


@pytest.fixture(scope="session")
def demo():
    return demo_school(SEED, classes_per_grade=1, students_per_class=2)


@pytest.fixture(scope="session")
def pki_path(demo, tmp_path_factory):
    path = tmp_path_factory.mktemp("pki")
    init_pki(
        path,
        teachers=sorted({c.homeroom_teacher for c in demo.classes}),
        principal=demo.principal,
        school=demo.school.name,
        key_type="ec",
    )
    return path


@pytest.fixture
def school(db, demo, pki_path, settings, tmp_path):
    settings.HOCBA_PKI_DIR = str(pki_path)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    load_demo_school(demo)
    return School.objects.get(school_code=demo.school.code)


@pytest.fixture
def cls(school) -> SchoolClass:
    return SchoolClass.objects.filter(school=school).order_by("grade", "name").first()


def finalise(school_class: SchoolClass) -> None:
    ClassFinalisation.objects.create(school_class=school_class, finalised_at=timezone.now())
    RecordVersion.objects.filter(enrolment__school_class=school_class).update(
        status=RecordVersion.Status.FINAL
    )


def statuses(school_class: SchoolClass) -> list[str]:
    return list(
        RecordVersion.objects.filter(enrolment__school_class=school_class)
        .order_by("pk")
        .values_list("status", flat=True)
    )


@pytest.fixture
def gvcn(cls):
    return create_user("gvcn", "x-Pass-12345", role="homeroom_teacher", school_class=cls)


@pytest.fixture
def other_gvcn(school, cls):
    other = SchoolClass.objects.filter(school=school).exclude(pk=cls.pk).first()
    return create_user("gvcn2", "x-Pass-12345", role="homeroom_teacher", school_class=other)


@pytest.fixture
def principal(school):
    return create_user("ht", "x-Pass-12345", role="principal", org_unit=school.org_unit)


@pytest.fixture
def other_school(school):
    return directory.create_school(
        parent=school.org_unit.parent, school_code="01000999", name="Trường Tiểu học Khác"
    )


@pytest.fixture
def other_principal(other_school):
    return create_user("ht2", "x-Pass-12345", role="principal", org_unit=other_school.org_unit)


@pytest.fixture
def parent(cls):
    version = RecordVersion.objects.filter(enrolment__school_class=cls).order_by("pk").first()
    return create_user("cha", "x-Pass-12345", role="parent", student=version.enrolment.student)
