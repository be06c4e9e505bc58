"""A small demo school in the database, with some records issued (as the signing workflow
leaves them: status ISSUED and a stored PDF)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from hocba.apps.directory.models import Enrolment
from hocba.apps.records.demo import load_demo_school
from hocba.apps.records.models import RecordVersion
from hocba.demo.generate import demo_school


def issue(version: RecordVersion, pdf: bytes = b"%PDF-1.7 signed record\n") -> RecordVersion:
    version.pdf.save(f"{version.record_id}-v{version.version}.pdf", ContentFile(pdf), save=False)
    version.status = RecordVersion.Status.ISSUED
    version.issued_at = timezone.now()
    version.save()
    return version


@pytest.fixture
def stored(db: None, settings, tmp_path) -> list[tuple[Enrolment, RecordVersion]]:
    settings.MEDIA_ROOT = tmp_path / "media"
    return load_demo_school(demo_school(seed=11, classes_per_grade=1, students_per_class=3))


@pytest.fixture
def class_3a(stored):
    """The three enrolments (and their versions) of class 3A, by student code."""
    rows = [(e, v) for e, v in stored if e.school_class.name == "3A"]
    return sorted(rows, key=lambda row: row[0].student.student_code)
