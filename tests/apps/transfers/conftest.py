"""A demo school whose first class has issued records (real render + signing path), its demo
PKI, a second (receiving) school, and users with grants."""

from __future__ import annotations

import pytest

from hocba.apps.accounts.services import create_user
from hocba.apps.directory import services as directory
from hocba.apps.directory.models import SchoolClass, SchoolYear
from hocba.apps.records.models import RecordVersion
from hocba.apps.records.workflow import finalise_class
from hocba.apps.signing import services as signing
from tests.apps.signing import conftest as signing_fixtures

# the signing tests' demo school, PKI and users, shared
cls = signing_fixtures.cls
demo = signing_fixtures.demo
gvcn = signing_fixtures.gvcn
other_principal = signing_fixtures.other_principal
other_school = signing_fixtures.other_school
pki_path = signing_fixtures.pki_path
principal = signing_fixtures.principal
school = signing_fixtures.school


@pytest.fixture
def issued(cls, gvcn, principal):
    """The class finalised, signed by its GVCN, then by the principal with the school seal."""
    finalise_class(gvcn, cls)
    signing.run_batch(signing.start_gvcn_signing(gvcn, cls).pk)
    signing.run_batch(signing.start_principal_signing(principal, cls).pk)
    versions = list(RecordVersion.objects.filter(enrolment__school_class=cls).order_by("pk"))
    assert {v.status for v in versions} == {RecordVersion.Status.ISSUED}
    return versions


@pytest.fixture
def student(issued):
    return issued[0].enrolment.student


@pytest.fixture
def receiving_class(other_school) -> SchoolClass:
    year = SchoolYear.objects.get(code="2024-2025")
    return directory.create_class(school=other_school, school_year=year, grade=4, name="4A")


@pytest.fixture
def parent(student):
    return create_user("cha", "x-Pass-12345", role="parent", student=student)
