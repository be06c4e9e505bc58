"""Working evaluations → the open record, and record versions (DOMAIN §4.4, §6)."""

from __future__ import annotations

import pytest

from hocba.apps.records import services
from hocba.apps.records.demo import load_demo_school
from hocba.apps.records.errors import RecordImmutable
from hocba.apps.records.models import RecordVersion
from hocba.demo.generate import demo_school
from hocba.rules import tt27
from hocba.spec import canonical_json, record_digest

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_school():
    return demo_school(seed=11, classes_per_grade=1, students_per_class=3)


def test_records_built_from_the_database_equal_the_evaluations_entered(small_school):
    stored = load_demo_school(small_school)
    generated = {s.student.student_code: s.record for c in small_school.classes for s in c.students}
    assert len(stored) == 15
    for enrolment, version in stored:
        built = services.build_record(enrolment)
        assert canonical_json(built) == canonical_json(generated[built.student.student_code])
        assert version.digest == record_digest(built)
        assert [f for f in tt27.evaluate(built) if f.is_error] == []


def test_the_study_history_lists_every_year_at_the_school(small_school):
    stored = load_demo_school(small_school)
    grade5 = next(e for e, _ in stored if e.school_class.grade == 5)
    history = services.build_record(grade5).study_history
    assert [row.school_year for row in history] == [
        "2020-2021",
        "2021-2022",
        "2022-2023",
        "2023-2024",
        "2024-2025",
    ]
    assert history[0].enrolled_on is not None and history[1].enrolled_on is None


def test_storing_the_same_record_twice_keeps_one_version(small_school):
    enrolment, version = load_demo_school(small_school)[0]
    again = services.store_version(enrolment, services.build_record(enrolment))
    assert again.pk == version.pk
    assert RecordVersion.objects.filter(record_id=version.record_id).count() == 1


def test_an_issued_version_cannot_be_overwritten(small_school):
    enrolment, version = load_demo_school(small_school)[0]
    RecordVersion.objects.filter(pk=version.pk).update(status=RecordVersion.Status.ISSUED)
    record = services.build_record(enrolment)
    changed = record.model_copy(update={"place": "Nơi khác"})
    with pytest.raises(RecordImmutable) as exc:
        services.store_version(enrolment, changed)
    assert "phiên bản điều chỉnh" in exc.value.message_vi
    assert bytes(RecordVersion.objects.get(pk=version.pk).canonical) == canonical_json(record)


def test_loading_the_demo_twice_gives_the_same_records(small_school):
    first = {str(v.record_id): v.digest for _, v in load_demo_school(small_school)}
    second = {str(v.record_id): v.digest for _, v in load_demo_school(small_school)}
    assert first == second
    assert RecordVersion.objects.count() == 15
