"""Child-process side of ``test_two_databases.py``: runs against the database named by
``HOCBA_DATABASE_URL`` (one per school), not pytest's.

``sending``: a demo school with its demo PKI; its first class finalised, signed by the GVCN
and sealed by the principal through the real services; prints the issued student's code.
``receiving``: another school (its own root) with class 4A in 2024-2025.
``report``: what the test asserts on, as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

SEED = 5


def sending() -> None:
    from hocba.apps.accounts.services import create_user
    from hocba.apps.directory.models import SchoolClass
    from hocba.apps.records.demo import load_demo_school
    from hocba.apps.records.models import RecordVersion
    from hocba.apps.records.workflow import finalise_class
    from hocba.apps.signing import services as signing
    from hocba.demo.generate import demo_school
    from hocba.signing import init_pki

    demo = demo_school(SEED, classes_per_grade=1, students_per_class=1)
    init_pki(
        Path(os.environ["HOCBA_PKI_DIR"]),
        teachers=sorted({c.homeroom_teacher for c in demo.classes}),
        principal=demo.principal,
        school=demo.school.name,
        key_type="ec",
    )
    load_demo_school(demo)
    cls = SchoolClass.objects.filter(school_year__code="2024-2025").order_by("grade").first()
    gvcn = create_user("gvcn", "x-Pass-12345", role="homeroom_teacher", school_class=cls)
    principal = create_user("ht", "x-Pass-12345", role="principal", org_unit=cls.school.org_unit)
    finalise_class(gvcn, cls)
    signing.run_batch(signing.start_gvcn_signing(gvcn, cls).pk)
    signing.run_batch(signing.start_principal_signing(principal, cls).pk)
    version = RecordVersion.objects.get(enrolment__school_class=cls)
    assert version.status == RecordVersion.Status.ISSUED, version.status
    print(json.dumps({"student": version.enrolment.student.student_code,
                      "digest": version.digest}))  # fmt: skip


def receiving() -> None:
    import datetime as dt

    from hocba.apps.directory import services as directory

    school = directory.create_school(
        parent=None, school_code="79000777", name="Trường Tiểu học Nhận"
    )
    year = directory.open_school_year(
        "2024-2025", start_date=dt.date(2024, 9, 5), end_date=dt.date(2025, 5, 31)
    )
    directory.create_class(school=school, school_year=year, grade=4, name="4A")
    print(json.dumps({"school": school.school_code}))


def report() -> None:
    from hocba.apps.audit.models import AuditEvent
    from hocba.apps.audit.services import verify_chain
    from hocba.apps.directory.models import Enrolment, Student
    from hocba.apps.transfers.models import ReceivedRecord, Transfer

    print(json.dumps({
        "students": sorted(Student.objects.values_list("student_code", flat=True)),
        "enrolments": [[e.student.student_code, e.school_class.name, e.kind]
                       for e in Enrolment.objects.select_related("student", "school_class")],
        "transfers": Transfer.objects.count(),
        "received": [[r.student.student_code, r.digest, r.school_name, len(r.pdf.read())]
                     for r in ReceivedRecord.objects.select_related("student")],
        "tags": sorted(AuditEvent.objects.values_list("tag", flat=True)),
        "chain_break": verify_chain(),
    }, default=str))  # fmt: skip


if __name__ == "__main__":
    from hocba.cli.django import setup_django

    setup_django()
    {"sending": sending, "receiving": receiving, "report": report}[sys.argv[1]]()
