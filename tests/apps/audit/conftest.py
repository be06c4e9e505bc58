"""Each test checkpoints into its own directory: a checkpoint file left in the session's
``HOCBA_HOME`` by another test (whose database is gone) would fail ``hocba audit verify``.

``two_schools``: schools T1 (department S1) and T2 (department S2), each with class 1A and a
student, a GVCN with a login, a record version and a vendor API token, and audit rows about
them written the way the services write them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from hocba.apps.accounts.models import Role
from hocba.apps.accounts.policy import SchoolAgent
from hocba.apps.accounts.services import create_user
from hocba.apps.api.models import ApiToken
from hocba.apps.audit.services import record
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory import services as directory
from hocba.apps.records.models import RecordVersion

PASSWORD = "mật-khẩu-dài-123"


@pytest.fixture(autouse=True)
def _own_checkpoint_dir(settings, tmp_path):
    settings.HOCBA_AUDIT_CHECKPOINT_DIR = str(tmp_path / "audit-checkpoints")


def _school(n: int, ministry: Any, year: Any) -> dict[str, Any]:
    dept = directory.create_org_unit(kind="department", code=f"S{n}", name=f"Sở {n}",
                                     parent=ministry)  # fmt: skip
    local = directory.create_org_unit(kind="local_office", code=f"L{n}", name=f"Xã {n}",
                                      parent=dept)  # fmt: skip
    school = directory.create_school(parent=local, school_code=f"T{n}", name=f"Trường số {n}")
    gvcn_name = ["Trần Thị Lan", "Phạm Văn Minh"][n - 1]
    gvcn = create_user(f"gvcn{n}", PASSWORD, full_name=gvcn_name)
    staff = directory.add_staff(school=school, full_name=gvcn_name, position="teacher", user=gvcn)
    cls = directory.create_class(school=school, school_year=year, grade=1, name="1A",
                                 homeroom_teacher=staff)  # fmt: skip
    student = directory.register_student(
        student_code=f"HS{n}00", full_name=["Nguyễn Văn An", "Lê Thị Bình"][n - 1], sex="nam",
        date_of_birth=dt.date(2018, 3, 4), personal_id=f"00120300{n}789",
    )  # fmt: skip
    enrolment = directory.enrol_student(student=student, school_class=cls, register_number="1",
                                        enrolled_on=dt.date(2024, 9, 5))  # fmt: skip
    version = RecordVersion.objects.create(
        enrolment=enrolment, record_id=uuid.uuid4(), version=2, digest="ab" * 32,
        canonical=b"{}",
    )  # fmt: skip
    token = ApiToken.objects.create(school=school, name=f"Phần mềm {n}", prefix=f"pre{n}xyz",
                                    secret_sha256="0" * 64)  # fmt: skip
    principal = create_user(f"ht{n}", PASSWORD, full_name=f"Hiệu trưởng số {n}",
                            role=Role.PRINCIPAL, org_unit=school.org_unit)  # fmt: skip
    return {"dept": dept, "school": school, "gvcn": gvcn, "staff": staff, "class": cls,
            "student": student, "enrolment": enrolment, "version": version, "token": token,
            "principal": principal}  # fmt: skip


def write_events(w: dict[str, Any]) -> None:
    """One of each kind of subject, as the services write them."""
    scope = w["school"].org_unit.path
    agent = SchoolAgent(school=w["school"], label=f"api:{w['token'].prefix}")
    record(EventTag.DIRECTORY_CLASS_CREATED, actor=w["principal"], subject=w["class"],
           scope_path=scope, data={"class": w["class"].pk, "school": w["school"].pk,
                                   "year": "2024-2025", "staff": w["staff"].pk})  # fmt: skip
    record(EventTag.DIRECTORY_ENROLMENT_CREATED, actor=w["principal"], subject=w["enrolment"],
           scope_path=scope, data={"enrolment": w["enrolment"].pk,
                                   "student": w["student"].pk, "class": w["class"].pk})  # fmt: skip
    record(EventTag.RECORD_VIEWED, actor=w["gvcn"], subject=w["version"], scope_path=scope,
           data={"format": "xml", "channel": "portal"})  # fmt: skip
    record(EventTag.RECORD_VIEWED, actor=agent, subject=w["version"], scope_path=scope,
           data={"format": "pdf", "version": 2, "channel": "api"})  # fmt: skip
    record(EventTag.IMPORT_ROSTER_APPLIED, actor=w["principal"], subject=w["school"],
           scope_path=scope, data={"via": "xlsx", "school_year": "2024-2025",
                                   "classes": [w["class"].pk],
                                   "created": {"students": 1}})  # fmt: skip


@pytest.fixture
def two_schools(db) -> tuple[dict[str, Any], dict[str, Any]]:
    ministry = directory.create_org_unit(kind="ministry", code="BGD", name="Bộ GDĐT")
    year = directory.open_school_year("2024-2025")
    first, second = _school(1, ministry, year), _school(2, ministry, year)
    for w in (first, second):
        write_events(w)
    return first, second
