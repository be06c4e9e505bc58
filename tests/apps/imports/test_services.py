"""The import services: validate everything first, all-or-nothing, idempotent, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.services import verify_chain
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory import services as directory
from hocba.apps.directory.models import Enrolment, Guardianship, Student
from hocba.apps.imports.services import apply_evaluations, apply_roster
from hocba.apps.records.models import (
    ClassFinalisation,
    RatingEvaluation,
    StudentUnlock,
    SubjectEvaluation,
)
from hocba.ingest.rows import (
    GuardianRow,
    ImportRejected,
    Location,
    RatingRow,
    RosterRow,
    SubjectRow,
)

COLUMNS = {"student_code": ("A", "Mã học sinh"), "class_name": ("C", "Lớp"),
           "level": ("J", "Mức cuối năm"), "test_score": ("K", "Điểm KTĐK cuối năm"),
           "mid_term_1_score": ("E", "Điểm KTĐK giữa HK I"), "subject_code": (None, "Môn học")}  # fmt: skip


def _where(row: int, sheet: str = "Toán") -> Location:
    return Location(source="test.xlsx", sheet=sheet, row=row)


def subject(code: str, subject_code: str = "TOAN", row: int = 4, **values) -> SubjectRow:
    return SubjectRow(_where(row), COLUMNS, student_code=code, subject_code=subject_code, **values)


def rating(
    code: str, level: str, kind: str = "quality", rating_code: str = "yeu_nuoc"
) -> RatingRow:
    return RatingRow(_where(4, "Phẩm chất, năng lực"), student_code=code, kind=kind,
                     code=rating_code, level=level)  # fmt: skip


def roster(code: str, class_name: str = "4A", row: int = 4, **values) -> RosterRow:
    fields = {"full_name": "Trần Văn Bình", "sex": "nam", "date_of_birth": dt.date(2015, 4, 2),
              "register_number": "77/2024", **values}  # fmt: skip
    return RosterRow(Location("ds.xlsx", "Danh sách học sinh", row),
                     {"class_name": ("K", "Lớp"), "student_code": ("A", "Mã học sinh")},
                     student_code=code, class_name=class_name, **fields)  # fmt: skip


def lock(cls) -> None:
    ClassFinalisation.objects.create(school_class=cls, locked=True, finalised_at=timezone.now())


def snapshot() -> tuple[list, list, int]:
    return (
        list(SubjectEvaluation.objects.order_by("pk").values_list()),
        list(RatingEvaluation.objects.order_by("pk").values_list()),
        AuditEvent.objects.count(),
    )


def test_evaluations_upsert_is_idempotent_and_audited(world):
    e = world.enrolments[0]
    code = e.student.student_code
    SubjectEvaluation.objects.filter(enrolment=e, subject_code="KH").delete()
    before = SubjectEvaluation.objects.get(enrolment=e, subject_code="TOAN")
    rows = [subject(code, level="H", test_score=6, comment="Cần luyện thêm phép chia."),
            subject(code, "KH", row=5, level="T")]  # fmt: skip
    ratings = [rating(code, "Đ")]
    events = AuditEvent.objects.count()
    first = apply_evaluations(world.school, world.year, rows, ratings, actor=world.gvcn)
    assert (first.created["subjects"], first.updated["subjects"], first.created["ratings"]) == (
        1,
        1,
        0,
    )
    toan = SubjectEvaluation.objects.get(enrolment=e, subject_code="TOAN")
    assert (toan.level, toan.test_score, toan.comment) == ("H", 6, "Cần luyện thêm phép chia.")
    assert toan.updated_at > before.updated_at
    kh = SubjectEvaluation.objects.get(enrolment=e, subject_code="KH")
    assert (kh.subject_name, kh.level, kh.test_score, kh.comment) == ("Khoa học", "T", None, "")
    assert RatingEvaluation.objects.get(enrolment=e, code="yeu_nuoc").level == "Đ"
    event = AuditEvent.objects.get(tag=EventTag.IMPORT_EVALUATIONS_APPLIED)
    assert AuditEvent.objects.count() == events + 1 and event.actor_id == world.gvcn.pk
    toan_change = next(c for c in event.data["changes"] if c.get("subject") == "TOAN")
    assert toan_change["before"]["test_score"] == before.test_score
    assert toan_change["after"]["test_score"] == 6
    assert "comment" not in toan_change["after"]  # free text stays out of the log
    assert verify_chain() is None

    state = snapshot()
    again = apply_evaluations(world.school, world.year, rows, ratings, actor=world.gvcn)
    assert (again.total_created, again.total_updated, again.total_unchanged) == (0, 0, 3)
    assert snapshot() == state  # nothing rewritten, no audit row


def test_every_problem_is_reported_and_nothing_written(world):
    e = world.enrolments[0]
    code = e.student.student_code
    rows = [
        subject(code, level="T", test_score=9),  # fine on its own
        subject("KHONG-CO", row=5, level="T"),  # unknown student
        subject(code, "DD", row=6, test_score=8),  # Đạo đức has no periodic test
        subject(code, "TNXH", row=7, level="T"),  # not taught in grade 4
        subject(code, "TV", row=8, mid_term_1_score=11),  # out of range (API input)
        subject(code, "TV", row=9, level="X"),
        subject(code, row=10, level="H"),  # TOAN twice
        subject(code, "KH", row=11, class_name="3A", level="T"),  # wrong class
    ]
    ratings = [rating(code, "H"), rating(code, "T", rating_code="bay_bong")]
    state = snapshot()
    with pytest.raises(ImportRejected) as err:
        apply_evaluations(world.school, world.year, rows, ratings, actor=None)
    got = sorted((p.where.sheet, p.where.row, p.where.column, p.code) for p in err.value.problems)
    assert got == sorted([
        ("Toán", 5, "A", "student.unknown"),
        ("Toán", 6, "K", "value.untested_subject"),
        ("Toán", 7, None, "subject.unknown"),
        ("Toán", 8, "E", "value.score"),
        ("Toán", 9, "J", "value.level"),
        ("Toán", 10, "A", "row.duplicate"),
        ("Toán", 11, "C", "enrolment.other_class"),
        ("Phẩm chất, năng lực", 4, None, "value.level"),
        ("Phẩm chất, năng lực", 4, None, "rating.unknown"),
    ])  # fmt: skip
    assert "Chưa có dữ liệu nào được ghi" in err.value.message_vi
    untested = next(p for p in err.value.problems if p.code == "value.untested_subject")
    assert untested.describe_vi() == (
        "Trang 'Toán', ô K6 (Điểm KTĐK cuối năm): giá trị '8' — môn Đạo đức lớp 4 không có "
        "bài kiểm tra định kỳ nên không ghi điểm"
    )
    assert snapshot() == state


def test_a_locked_class_refuses_changes_but_not_an_unchanged_import(world):
    e = world.enrolments[0]
    code = e.student.student_code
    stored = SubjectEvaluation.objects.get(enrolment=e, subject_code="TOAN")
    lock(world.cls)
    state = snapshot()
    with pytest.raises(ImportRejected) as err:
        apply_evaluations(world.school, world.year, [subject(code, level="C")], [], actor=None)
    (problem,) = err.value.problems
    assert problem.code == "class.locked" and "đã chốt" in problem.message_vi
    assert snapshot() == state
    same = subject(code, level=stored.level, test_score=stored.test_score)
    summary = apply_evaluations(world.school, world.year, [same], [], actor=None)
    assert summary.total_unchanged == 1 and not summary.changed
    # the principal unlocks that one student: their cells can change again
    StudentUnlock.objects.create(
        enrolment=e, reason="Phụ huynh đề nghị sửa", unlocked_at=timezone.now()
    )
    apply_evaluations(world.school, world.year, [subject(code, level="C")], [], actor=None)
    assert SubjectEvaluation.objects.get(pk=stored.pk).level == "C"


def test_only_class_keeps_a_teacher_to_their_class(world):
    other = Enrolment.objects.filter(school_class__grade=3).select_related("student").first()
    with pytest.raises(ImportRejected) as err:
        apply_evaluations(world.school, world.year,
                          [subject(other.student.student_code, "TV", level="T")], [],
                          actor=None, only_class=world.cls)  # fmt: skip
    assert [p.code for p in err.value.problems] == ["student.unknown"]


def test_roster_creates_updates_and_is_idempotent(world):
    existing = world.enrolments[0]
    rows = [
        roster("HS-MOI-1", guardians=(GuardianRow(_where(4), relation="mother",
                                                  full_name="Đỗ Thị Lan", year_of_birth=1990),)),
        roster(existing.student.student_code, row=5, full_name="Tên Đã Sửa",
               sex=existing.student.sex, date_of_birth=existing.student.date_of_birth,
               register_number=existing.register_number, enrolled_on=existing.enrolled_on,
               ethnicity=existing.student.ethnicity, nationality=existing.student.nationality,
               place_of_birth=existing.student.place_of_birth,
               home_town=existing.student.home_town, residence=existing.student.residence,
               personal_id=existing.student.personal_id),
    ]  # fmt: skip
    summary = apply_roster(world.school, world.year, rows, actor=world.principal)
    assert summary.created == {"students": 1, "enrolments": 1, "guardians": 1}
    assert (summary.updated["students"], summary.updated["enrolments"]) == (1, 0)
    new = Student.objects.get(student_code="HS-MOI-1")
    enrolment = Enrolment.objects.get(student=new)
    assert (enrolment.school_class, enrolment.enrolled_on) == (world.cls, world.year.start_date)
    assert Guardianship.objects.get(student=new).guardian.full_name == "Đỗ Thị Lan"
    assert Student.objects.get(pk=existing.student_id).full_name == "Tên Đã Sửa"
    event = AuditEvent.objects.get(tag=EventTag.IMPORT_ROSTER_APPLIED)
    assert event.data["enrolments_created"] == [enrolment.pk]
    assert "Tên Đã Sửa" not in str(event.data) and "Lan" not in str(event.data)

    events = AuditEvent.objects.count()
    again = apply_roster(world.school, world.year, rows, actor=world.principal)
    assert not again.changed and again.total_unchanged == 5
    assert AuditEvent.objects.count() == events


def test_roster_problems(world):
    other_school_student = Student.objects.create(
        student_code="HS-TRUONG-KHAC", full_name="X", sex="nam", date_of_birth=dt.date(2015, 1, 1)
    )
    other = directory.create_school(
        parent=world.school.org_unit.parent, school_code="T-KHAC", name="Trường khác"
    )
    other_cls = directory.create_class(school=other, school_year=world.year, grade=4, name="4A")
    Enrolment.objects.create(student=other_school_student, school_class=other_cls,
                             register_number="1", enrolled_on=world.year.start_date)  # fmt: skip
    never_enrolled = Student.objects.create(
        student_code="HS-CHUA-HOC", full_name="Y", sex="nam", date_of_birth=dt.date(2015, 1, 1)
    )
    rows = [
        roster("HS-A", class_name="9Z"),  # no such class
        roster("HS-B", row=5, sex="", date_of_birth=None),
        roster(world.enrolments[0].student.student_code, class_name="3A", row=6),  # moving class
        roster(other_school_student.student_code, row=7),
        roster("HS-C", row=8, enrolled_on=dt.date(2020, 1, 1)),
        roster("HS-C", row=9),
        roster(never_enrolled.student_code, row=10, class_name="9Z"),  # allowed, but no class
    ]
    students = Student.objects.count()
    with pytest.raises(ImportRejected) as err:
        apply_roster(world.school, world.year, rows, actor=None)
    got = sorted((p.where.row, p.code) for p in err.value.problems)
    assert got == [(4, "class.unknown"), (5, "value.required"), (5, "value.required"),
                   (6, "enrolment.other_class"), (7, "student.other_school"),
                   (8, "value.enrolled_on"), (9, "student.duplicate"), (10, "class.unknown")]  # fmt: skip
    assert Student.objects.count() == students


def test_roster_into_a_locked_class_is_refused(world):
    lock(world.cls)
    with pytest.raises(ImportRejected) as err:
        apply_roster(world.school, world.year, [roster("HS-MOI-2")], actor=None)
    assert [p.code for p in err.value.problems] == ["class.locked"]
    assert not Student.objects.filter(student_code="HS-MOI-2").exists()
