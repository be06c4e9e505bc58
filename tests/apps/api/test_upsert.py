"""Roster and evaluation upserts by external ids: applied by the import services (validate all,
one transaction), idempotent, problems located by JSON path (422), and a class of another
school is 404 with nothing written."""

from __future__ import annotations

from django.utils import timezone

from hocba.apps.audit.models import AuditEvent
from hocba.apps.directory.models import Enrolment, Guardianship, Student
from hocba.apps.records.models import ClassFinalisation, RatingEvaluation, SubjectEvaluation
from tests.apps.api.conftest import assert_error

BASE = "/api/v1"


def _student(code="HS-API-1", **extra):
    return {
        "student_code": code,
        "full_name": "Nguyễn Văn An",
        "sex": "nam",
        "date_of_birth": "2018-03-04",
        "register_number": "99/2024",
        "enrolled_on": "2024-09-05",
        "guardians": [{"relation": "mother", "full_name": "Trần Thị Bình", "phone": "0900000000"}],
        **extra,
    }


def _codes(cls):
    return list(
        Enrolment.objects.filter(school_class=cls)
        .order_by("pk")
        .values_list("student__student_code", flat=True)
    )


def test_roster_upsert_creates_then_changes_nothing(world, api):
    url = f"{BASE}/classes/{world.cls.pk}/roster"
    body = {"students": [_student()]}
    first = api.put(url, body)
    assert first.status_code == 200, first.content
    assert first.json()["changed"] is True and first.json()["created"]["students"] == 1
    student = Student.objects.get(student_code="HS-API-1")
    assert Enrolment.objects.filter(student=student, school_class=world.cls).exists()
    assert Guardianship.objects.filter(student=student, relation="mother").exists()
    events = AuditEvent.objects.count()
    again = api.put(url, body)
    assert again.status_code == 200 and again.json()["changed"] is False
    assert again.json()["unchanged"]["students"] == 1
    assert AuditEvent.objects.count() == events  # an unchanged upsert writes nothing
    renamed = api.put(url, {"students": [_student(full_name="Nguyễn Văn Ân")]})
    assert renamed.json()["updated"]["students"] == 1
    assert Student.objects.get(pk=student.pk).full_name == "Nguyễn Văn Ân"


def test_roster_problems_are_all_reported_with_json_paths_and_nothing_is_written(world, api):
    existing = _codes(world.cls)[0]
    body = {
        "students": [
            _student("HS-API-2"),
            _student("HS-API-3", personal_id="012345678901", class_name="9Z"),
            _student(existing, date_of_birth="2030-01-01"),
        ]
    }
    error = assert_error(api.put(f"{BASE}/classes/{world.cls.pk}/roster", body), 422)
    assert error["code"] == "import.rejected"
    paths = {p["path"] for p in error["problems"]}
    assert "$.students[1].class_name" in paths
    assert "$.students[2].date_of_birth" in paths
    assert "$.students[0]" not in " ".join(paths)
    assert not Student.objects.filter(student_code__in=["HS-API-2", "HS-API-3"]).exists()


def test_shape_errors_are_422_with_json_paths_before_any_database_work(world, api):
    body = {"students": [_student(sex="x", guardians=[{"relation": "uncle", "full_name": "A"}])]}
    error = assert_error(api.put(f"{BASE}/classes/{world.cls.pk}/roster", body), 422, "invalid")
    assert {p["path"] for p in error["problems"]} == {
        "$.students[0].sex",
        "$.students[0].guardians[0].relation",
    }
    bad = api.put(f"{BASE}/classes/{world.cls.pk}/evaluations", {"subjects": [
        {"student_code": "X", "subject_code": "TOAN", "test_score": 11, "level": "A"}]})  # fmt: skip
    error = assert_error(bad, 422, "invalid")
    assert {p["path"] for p in error["problems"]} == {
        "$.subjects[0].test_score",
        "$.subjects[0].level",
    }


def test_a_body_that_is_not_json_or_carries_nul_is_400(world, api):
    url = f"{BASE}/classes/{world.cls.pk}/evaluations"
    response = api.client.put(url, b"{not json", content_type="application/json",
                              headers=api.headers)  # fmt: skip
    assert_error(response, 400, "bad_request")
    nul = '{"subjects": [{"student_code": "A\\u0000", "subject_code": "TOAN"}]}'
    response = api.client.put(url, nul, content_type="application/json", headers=api.headers)
    assert_error(response, 400, "bad_request")


def test_evaluations_upsert_is_idempotent_and_keeps_what_is_not_given(world, api):
    code = _codes(world.open_cls)[0]
    url = f"{BASE}/classes/{world.open_cls.pk}/evaluations"
    before = SubjectEvaluation.objects.get(
        enrolment__student__student_code=code, subject_code="TOAN"
    )
    new_level = "C" if before.level != "C" else "H"
    body = {
        "subjects": [{"student_code": code, "subject_code": "TOAN", "level": new_level,
                      "comment": "Cần luyện thêm phép cộng."}],
        "ratings": [{"student_code": code, "kind": "quality", "code": "yeu_nuoc", "level": "Đ"}],
    }  # fmt: skip
    first = api.put(url, body)
    assert first.status_code == 200, first.content
    assert first.json()["changed"] is True
    after = SubjectEvaluation.objects.get(pk=before.pk)
    assert after.level == new_level and after.comment == "Cần luyện thêm phép cộng."
    assert after.test_score == before.test_score  # not given: kept
    rating = RatingEvaluation.objects.get(
        enrolment=before.enrolment, kind="quality", code="yeu_nuoc"
    )
    assert rating.level == "Đ"
    again = api.put(url, body)
    assert again.status_code == 200 and again.json()["changed"] is False
    event = AuditEvent.objects.filter(tag="import:evaluations:applied").latest("seq")
    assert event.actor_label == f"api:{world.token.split('_')[1]}"


def test_evaluation_problems_point_at_the_json_path(world, api):
    code = _codes(world.open_cls)[0]
    other_class_student = _codes(world.other_cls)[0]
    body = {"subjects": [
        {"student_code": code, "subject_code": "TOAN", "mid_term_1_score": 7},  # grade 1: no test
        {"student_code": "KHONG-CO", "subject_code": "TOAN", "level": "T"},
        {"student_code": other_class_student, "subject_code": "TOAN", "level": "T"},
        {"student_code": code, "subject_code": "XYZ", "level": "T"},
    ]}  # fmt: skip
    error = assert_error(api.put(f"{BASE}/classes/{world.open_cls.pk}/evaluations", body), 422)
    paths = {p["path"].split(".")[0] + "." + p["path"].split(".")[1] for p in error["problems"]}
    assert paths == {"$.subjects[0]", "$.subjects[1]", "$.subjects[2]", "$.subjects[3]"}
    assert all(p["message"] for p in error["problems"])


def test_a_finalised_class_refuses_changes(world, api):
    code = _codes(world.open_cls)[0]
    ClassFinalisation.objects.create(school_class=world.open_cls, finalised_at=timezone.now())
    body = {"subjects": [{"student_code": code, "subject_code": "TOAN", "comment": "Sửa."}]}
    error = assert_error(api.put(f"{BASE}/classes/{world.open_cls.pk}/evaluations", body), 422)
    assert error["problems"] and error["problems"][0]["path"].startswith("$.subjects[0]")


def test_token_of_school_a_cannot_write_school_b(world, api, api_b):
    theirs = _codes(world.other_cls)[0]
    enrolment = Enrolment.objects.get(school_class=world.other_cls, student__student_code=theirs)
    before = list(SubjectEvaluation.objects.filter(enrolment=enrolment).values())
    names = Student.objects.get(student_code=theirs).full_name
    body = {"subjects": [{"student_code": theirs, "subject_code": "TOAN", "comment": "Ghi đè"}]}
    roster = {"students": [_student(theirs, full_name="Tên giả")]}
    assert_error(api.put(f"{BASE}/classes/{world.other_cls.pk}/evaluations", body), 404)
    assert_error(api.put(f"{BASE}/classes/{world.other_cls.pk}/roster", roster), 404)
    # naming B's student through A's own class does not reach it either
    assert api.put(f"{BASE}/classes/{world.cls.pk}/evaluations", body).status_code == 422
    assert api.put(f"{BASE}/classes/{world.cls.pk}/roster", roster).status_code == 422
    assert list(SubjectEvaluation.objects.filter(enrolment=enrolment).values()) == before
    assert Student.objects.get(student_code=theirs).full_name == names
    # B's own token reaches the class (a new student; B's existing ones are signed, so locked)
    mine = api_b.put(f"{BASE}/classes/{world.other_cls.pk}/roster", {"students": [_student()]})
    assert mine.status_code == 200 and mine.json()["created"]["students"] == 1
