"""Tenant isolation between schools (issue #11, findings 1 and 2).

A student belongs to the school of their current enrolment (latest school year); only that
school writes them, and every lookup by code is scoped to the acting school, so a foreign code
gets exactly the answer of an unknown one. Students move between schools only with a sealed
transfer package. Audit rows are filed under the school whose data changed.

World: school A (T01, commune X01) and school B (T02, commune X02) in one department. Student
HS001 is at A since 2024-2025. Student HS777 was at B in 2024-2025 and is at A in 2025-2026
(B keeps its past enrolment: read access only).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from hocba.apps.accounts import policy
from hocba.apps.accounts.models import Grant, Role
from hocba.apps.accounts.permissions import Permission
from hocba.apps.accounts.services import create_user
from hocba.apps.api import services as api_services
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory import services as directory
from hocba.apps.directory import tenancy
from hocba.apps.directory.errors import UnknownStudent
from hocba.apps.directory.models import Enrolment, Guardian, Guardianship, Student
from hocba.apps.directory.tenancy import FROM_ANOTHER_SCHOOL
from hocba.apps.imports.services import apply_evaluations, apply_roster
from hocba.apps.records import review, workflow
from hocba.apps.records.errors import EntryRefused
from hocba.apps.records.models import SubjectEvaluation
from hocba.apps.schooladmin import services as schooladmin
from hocba.apps.transfers import services as transfers
from hocba.apps.transfers.errors import StudentConflict
from hocba.errors import HocbaError
from hocba.ingest.rows import ImportRejected, Location, RosterRow, SubjectRow
from tests.apps.transfers.conftest import (  # the transfer tests' school and PKI
    cls,
    demo,
    gvcn,
    issued,
    other_principal,
    other_school,
    pki_path,
    principal,
    receiving_class,
    school,
    student,
)
from tests.apps.transfers.test_services import ON, left, package, trust

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "mật-khẩu-dài-123"


@pytest.fixture
def w(db) -> dict[str, Any]:
    dept = directory.create_org_unit(kind="department", code="S01", name="Sở 01")
    xa1 = directory.create_org_unit(kind="local_office", code="X01", name="Xã 01", parent=dept)
    xa2 = directory.create_org_unit(kind="local_office", code="X02", name="Xã 02", parent=dept)
    a = directory.create_school(parent=xa1, school_code="T01", name="Trường Tiểu học A")
    b = directory.create_school(parent=xa2, school_code="T02", name="Trường Tiểu học B")
    y24 = directory.open_school_year("2024-2025")
    y25 = directory.open_school_year("2025-2026")
    a24 = directory.create_class(school=a, school_year=y24, grade=1, name="1A")
    a25 = directory.create_class(school=a, school_year=y25, grade=2, name="2A")
    b24 = directory.create_class(school=b, school_year=y24, grade=1, name="1B")
    b25 = directory.create_class(school=b, school_year=y25, grade=2, name="2B")
    an = directory.register_student(student_code="HS001", full_name="Nguyễn Văn An", sex="nam",
                                    date_of_birth=dt.date(2018, 3, 4), personal_id="001218000001")  # fmt: skip
    directory.add_guardian(student=an, full_name="Nguyễn Văn Cha", relation="father")
    directory.enrol_student(student=an, school_class=a24, register_number="1",
                            enrolled_on=dt.date(2024, 9, 5))  # fmt: skip
    moved = directory.register_student(student_code="HS777", full_name="Trần Thị Mai",
                                       sex="nữ", date_of_birth=dt.date(2018, 6, 1))  # fmt: skip
    directory.enrol_student(student=moved, school_class=b24, register_number="7",
                            enrolled_on=dt.date(2024, 9, 5))  # fmt: skip
    directory.enrol_student(student=moved, school_class=a25, register_number="8",
                            enrolled_on=dt.date(2025, 9, 5), kind="transferred_in")  # fmt: skip
    users = {
        "pa": create_user("pa", PASSWORD, role=Role.PRINCIPAL, org_unit=a.org_unit),
        "pb": create_user("pb", PASSWORD, role=Role.PRINCIPAL, org_unit=b.org_unit),
        "officer": create_user("so", PASSWORD, role=Role.DEPARTMENT_OFFICER, org_unit=dept),
    }
    _, token_a = api_services.create_token(a, "Phần mềm A")
    _, token_b = api_services.create_token(b, "Phần mềm B")
    return dict(a=a, b=b, y24=y24, y25=y25, a24=a24, a25=a25, b24=b24, b25=b25, an=an,
                moved=moved, users=users, token_a=token_a, token_b=token_b)  # fmt: skip


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _counts() -> tuple[int, ...]:
    return (Student.objects.count(), Enrolment.objects.count(), Guardian.objects.count(),
            Guardianship.objects.count(), User.objects.count(), Grant.objects.count(),
            AuditEvent.objects.count(), SubjectEvaluation.objects.count())  # fmt: skip


def _identity(student: Student) -> tuple[Any, ...]:
    student.refresh_from_db()
    return (student.full_name, student.date_of_birth, student.sex, student.personal_id,
            sorted(Guardianship.objects.filter(student=student)
                   .values_list("relation", "guardian__full_name")))  # fmt: skip


def _enrol_post(client: Client, school: Any, cls: Any, code: str, **over: str) -> Any:
    url = reverse("schooladmin:enrol", args=[school.pk, cls.pk])
    return client.post(url, {"existing_code": code, "register_number": "9",
                             "enrolled_on": "2024-09-10", "father": "Kẻ Mạo Danh", **over})  # fmt: skip


def _form_errors(response: Any, code: str) -> tuple[int, dict[str, list[str]]]:
    errors = response.context["form"].errors.get_json_data()
    text = {k: [e["message"].replace(code, "<mã>") for e in v] for k, v in errors.items()}
    return response.status_code, text


# --- finding 1: taking over another school's student ---------------------------------------


def test_finding1_enrolling_another_schools_student_by_code_answers_as_an_unknown_code(w):
    """B's principal types A's student code on B's enrol form (with a new father): the same
    answer as a code nobody has, and nothing is written (no enrolment, guardian, audit)."""
    client = _client(w["users"]["pb"])
    before, who = _counts(), _identity(w["an"])
    foreign = _enrol_post(client, w["b"], w["b25"], "HS001", enrolled_on="2025-09-10")
    unknown = _enrol_post(client, w["b"], w["b25"], "HS999", enrolled_on="2025-09-10")
    assert _form_errors(foreign, "HS001") == _form_errors(unknown, "HS999")
    assert _form_errors(foreign, "HS001") == (
        200,
        {"__all__": ["Không có học sinh mã <mã> ở trường này. " + FROM_ANOTHER_SCHOOL]},
    )
    assert _counts() == before and _identity(w["an"]) == who
    assert (
        not Enrolment.objects.filter(school_class__school=w["b"])
        .exclude(student=w["moved"])
        .exists()
    )
    # allowed: A's own principal enrols A's student in A's next class
    done = _enrol_post(_client(w["users"]["pa"]), w["a"], w["a25"], "HS001",
                       enrolled_on="2025-09-10", father="")  # fmt: skip
    assert "Đã ghi danh Nguyễn Văn An vào lớp 2A." in done.text


def test_finding1_the_sending_school_cannot_enrol_a_student_who_left_it(w):
    """HS777 was at B last year and is at A now: B may not take them back by code."""
    client = _client(w["users"]["pb"])
    before = _counts()
    back = _enrol_post(client, w["b"], w["b25"], "HS777", enrolled_on="2025-09-10")
    unknown = _enrol_post(client, w["b"], w["b25"], "HS998", enrolled_on="2025-09-10")
    assert _form_errors(back, "HS777") == _form_errors(unknown, "HS998")
    assert _counts() == before


def test_finding1_a_parent_account_is_only_made_by_the_students_current_school(w):
    """B enrolled HS777 once, but HS777 is A's now: B's parent account is refused (form and
    service), A's is made."""
    url = reverse("schooladmin:parent_account", args=[w["b"].pk])
    client = _client(w["users"]["pb"])
    before = _counts()
    response = client.post(
        url, {"student": w["moved"].pk, "full_name": "Ai Đó", "username": "ph.gia"}
    )
    assert "Học sinh không học tại trường này." in response.text
    assert w["moved"].full_name not in response.text
    with pytest.raises(HocbaError):
        schooladmin.create_parent_account(w["users"]["pb"], w["b"], student=w["moved"],
                                          username="ph.gia2", full_name="Ai Đó")  # fmt: skip
    assert _counts() == before
    ok = _client(w["users"]["pa"]).post(
        reverse("schooladmin:parent_account", args=[w["a"].pk]),
        {"student": w["moved"].pk, "full_name": "Trần Văn Bố", "username": "ph.mai"},
    )
    assert "Đã tạo tài khoản phụ huynh của Trần Thị Mai." in ok.text
    assert Grant.objects.get(user__username="ph.mai").student == w["moved"]


def _roster_body(code: str, **over: Any) -> dict[str, Any]:
    student = {"student_code": code, "full_name": "Tên Bị Sửa", "sex": "nam",
               "date_of_birth": "2017-01-01", "register_number": "7", **over}  # fmt: skip
    return {"students": [student]}


def _put(token: str, path: str, body: Any) -> Any:
    return Client().put(path, body, content_type="application/json",
                        headers={"Authorization": f"Bearer {token}"})  # fmt: skip


def _problems(response: Any, code: str) -> tuple[int, str]:
    return response.status_code, response.content.decode().replace(code, "<mã>")


def test_finding1_an_api_token_cannot_rewrite_another_schools_student_through_the_roster(w):
    """B's token PUTs its own (last year's) class roster naming HS777 — a student now at A —
    or HS001 (never at B): one and the same 422 problem, nothing written."""
    url = f"/api/v1/classes/{w['b24'].pk}/roster"
    before, moved, an = _counts(), _identity(w["moved"]), _identity(w["an"])
    left = _put(w["token_b"], url, _roster_body("HS777"))
    never = _put(w["token_b"], url, _roster_body("HS001"))
    assert left.status_code == 422
    assert _problems(left, "HS777") == _problems(never, "HS001")
    body = left.json()["error"]
    assert [p["code"] for p in body["problems"]] == ["student.other_school"]
    assert "Mai" not in left.content.decode() and "Trường Tiểu học A" not in left.content.decode()
    assert _counts() == before
    assert _identity(w["moved"]) == moved and _identity(w["an"]) == an
    # allowed: A's token edits A's student, audited under A
    ok = _put(w["token_a"], f"/api/v1/classes/{w['a25'].pk}/roster",
              _roster_body("HS777", full_name="Trần Thị Mai Anh", sex="nữ",
                           date_of_birth="2018-06-01", register_number="8",
                           enrolled_on="2025-09-05"))  # fmt: skip
    assert ok.status_code == 200, ok.content
    assert Student.objects.get(student_code="HS777").full_name == "Trần Thị Mai Anh"
    event = AuditEvent.objects.get(tag=EventTag.IMPORT_ROSTER_APPLIED)
    assert event.scope_path == w["a"].org_unit.path


def test_finding1_an_api_token_cannot_write_evaluations_of_a_student_who_left(w):
    """B's token on its own last-year class, naming HS777 (now at A): the answer of an unknown
    code, nothing written."""
    url = f"/api/v1/classes/{w['b24'].pk}/evaluations"
    before = _counts()
    left = _put(
        w["token_b"],
        url,
        {"subjects": [{"student_code": "HS777", "subject_code": "TOAN", "level": "T"}]},
    )
    unknown = _put(
        w["token_b"],
        url,
        {"subjects": [{"student_code": "HS996", "subject_code": "TOAN", "level": "T"}]},
    )
    assert left.status_code == 422
    assert _problems(left, "HS777") == _problems(unknown, "HS996")
    assert _counts() == before
    # allowed: A's token, on the class HS777 is in now
    ok = _put(w["token_a"], f"/api/v1/classes/{w['a25'].pk}/evaluations",
              {"subjects": [{"student_code": "HS777", "subject_code": "TOAN", "level": "T"}]})  # fmt: skip
    assert ok.status_code == 200, ok.content
    assert SubjectEvaluation.objects.get(enrolment__school_class=w["a25"]).level == "T"


def _row(code: str, class_name: str, **values: Any) -> RosterRow:
    fields = {"full_name": "Tên Bị Sửa", "sex": "nam", "date_of_birth": dt.date(2017, 1, 1),
              "register_number": "7", **values}  # fmt: skip
    return RosterRow(Location("ds.xlsx", "Danh sách học sinh", 4),
                     {"student_code": ("A", "Mã học sinh"), "class_name": ("K", "Lớp")},
                     student_code=code, class_name=class_name, **fields)  # fmt: skip


def test_finding1_the_spreadsheet_roster_cannot_rewrite_a_student_who_left_the_school(w):
    before, moved = _counts(), _identity(w["moved"])
    answers = []
    for code in ("HS777", "HS001"):
        with pytest.raises(ImportRejected) as err:
            apply_roster(w["b"], w["y24"], [_row(code, "1B")], actor=w["users"]["pb"],
                         via="xlsx")  # fmt: skip
        answers.append([(p.code, p.message_vi) for p in err.value.problems])
    assert answers[0] == answers[1] and answers[0][0][0] == "student.other_school"
    assert "Mai" not in str(answers) and "Trường Tiểu học A" not in str(answers)
    assert _counts() == before and _identity(w["moved"]) == moved
    with pytest.raises(ImportRejected) as err:  # the evaluation sheet likewise
        apply_evaluations(w["b"], w["y24"], [SubjectRow(Location("d.xlsx", "Toán", 4),
                          student_code="HS777", subject_code="TOAN", level="T")], [],
                          actor=w["users"]["pb"], via="xlsx")  # fmt: skip
    assert [p.code for p in err.value.problems] == ["student.unknown"]
    # allowed: A's own roster updates its student
    summary = apply_roster(w["a"], w["y25"], [_row("HS777", "2A", full_name="Trần Thị Mai",
                           sex="nữ", date_of_birth=dt.date(2018, 6, 1), register_number="8",
                           enrolled_on=dt.date(2025, 9, 5), residence="Xã 01")],
                           actor=w["users"]["pa"], via="xlsx")  # fmt: skip
    assert summary.updated["students"] == 1


# --- finding 2: names by code ----------------------------------------------------------------


def test_finding2_the_enrol_form_never_reveals_another_schools_student_by_code(w):
    """HS001 is in an open class at A this year: B's enrol form by code, or a new student
    with that code, never shows the name (nor anything else of the student)."""
    client = _client(w["users"]["pb"])
    by_code = _enrol_post(client, w["b"], w["b24"], "HS001")
    unknown = _enrol_post(client, w["b"], w["b24"], "HS995")
    assert _form_errors(by_code, "HS001") == _form_errors(unknown, "HS995")
    new = _enrol_post(client, w["b"], w["b24"], "", student_code="HS001", full_name="X Y",
                      sex="nam", date_of_birth="2018-01-01")  # fmt: skip
    for response in (by_code, new):
        # the page without its random CSRF tokens (which may contain any short string)
        text = re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())
        assert "Nguyễn Văn An" not in text and "Cha" not in text and "1A" not in text
        assert "0001" not in text
    assert "Mã học sinh HS001 đã được sử dụng." in new.content.decode()


# --- audit rows under the school whose data changed ------------------------------------------


def test_audit_rows_of_a_student_edit_at_school_a_are_filed_under_a(w):
    """A parent account for A's student and A's roster edit are A's events: A's principal and
    the department officer see them on /nhat-ky/, B's principal does not."""
    start = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    response = _client(w["users"]["pa"]).post(
        reverse("schooladmin:parent_account", args=[w["a"].pk]),
        {"student": w["an"].pk, "full_name": "Nguyễn Văn Cha", "username": "ph.an"},
    )
    assert "Đã tạo tài khoản phụ huynh" in response.text
    apply_roster(w["a"], w["y24"], [_row("HS001", "1A", full_name="Nguyễn Văn Ân",
                 personal_id="001218000001", register_number="1",
                 date_of_birth=dt.date(2018, 3, 4), enrolled_on=dt.date(2024, 9, 5))],
                 actor=w["users"]["pa"])  # fmt: skip
    tags = (EventTag.ACCOUNT_USER_CREATED, EventTag.ACCOUNT_GRANT_ADDED,
            EventTag.IMPORT_ROSTER_APPLIED)  # fmt: skip
    events = list(AuditEvent.objects.filter(tag__in=tags, seq__gt=start))
    assert sorted(e.tag for e in events) == sorted(tags)
    assert {e.scope_path for e in events} == {w["a"].org_unit.path}
    ids = {e.tag: e.pk for e in events}

    def listed(user: str) -> set[int]:
        page = _client(w["users"][user]).get(reverse("audit:events")).context["page"]
        return {row.event.pk if hasattr(row, "event") else row.pk for row in page.object_list}

    seen_by_a, seen_by_b, seen_by_officer = listed("pa"), listed("pb"), listed("officer")
    assert set(ids.values()) <= seen_by_a
    assert seen_by_b.isdisjoint(ids.values())
    assert ids[EventTag.IMPORT_ROSTER_APPLIED] in seen_by_officer


# --- the rule itself, and the legitimate paths -----------------------------------------------


def test_a_student_belongs_to_the_school_of_their_latest_enrolment(w):
    assert tenancy.owning_school(w["an"]) == w["a"]
    assert tenancy.owning_school(w["moved"]) == w["a"]  # B last year, A this year
    nobody = directory.register_student(student_code="HS500", full_name="Lê Văn Mới",
                                        sex="nam", date_of_birth=dt.date(2018, 1, 1))  # fmt: skip
    assert tenancy.owning_school(nobody) is None
    assert tenancy.student_of_school(w["a"], "HS777") == w["moved"]
    for where, code in ((w["b"], "HS777"), (w["b"], "HS001"), (w["a"], "HS500")):
        with pytest.raises(UnknownStudent) as err:
            tenancy.student_of_school(where, code)
        assert (
            err.value.message_vi
            == f"Không có học sinh mã {code} ở trường này. {FROM_ANOTHER_SCHOOL}"
        )
    assert tenancy.student_of_school(w["b"], "HS500", or_unowned=True) == nobody
    assert set(tenancy.students_of(w["a"])) == {w["an"], w["moved"]}
    assert list(tenancy.students_of(w["b"])) == []
    # mid-year transfer: the open enrolment wins over the one left in the same year
    Enrolment.objects.filter(student=w["an"]).update(left_on=dt.date(2025, 1, 10))
    directory.enrol_student(student=w["an"], school_class=w["b24"], register_number="3",
                            enrolled_on=dt.date(2025, 1, 12), kind="transferred_in")  # fmt: skip
    assert tenancy.owning_school(w["an"]) == w["b"]


def test_a_never_enrolled_student_is_taken_by_the_first_school_that_enrols_them(w):
    directory.register_student(student_code="HS500", full_name="Lê Văn Mới", sex="nam",
                               date_of_birth=dt.date(2018, 1, 1))  # fmt: skip
    taken = _enrol_post(_client(w["users"]["pb"]), w["b"], w["b24"], "HS500", father="")
    assert "Đã ghi danh Lê Văn Mới vào lớp 1B." in taken.text
    event = AuditEvent.objects.get(tag=EventTag.DIRECTORY_ENROLMENT_CREATED)
    assert event.scope_path == w["b"].org_unit.path
    late = _enrol_post(_client(w["users"]["pa"]), w["a"], w["a24"], "HS500")
    unknown = _enrol_post(_client(w["users"]["pa"]), w["a"], w["a24"], "HS994")
    assert _form_errors(late, "HS500") == _form_errors(unknown, "HS994")


def test_officers_read_every_school_below_them_and_the_sending_school_keeps_its_past(w):
    old = Enrolment.objects.get(student=w["moved"], school_class=w["b24"])
    now = Enrolment.objects.get(student=w["moved"], school_class=w["a25"])
    pb, pa, officer = w["users"]["pb"], w["users"]["pa"], w["users"]["officer"]
    view = Permission.STUDENT_RECORD_VIEW
    assert policy.can(pb, view, old) and not policy.can(pb, view, now)
    assert policy.can(pa, view, now) and not policy.can(pa, view, old)
    assert policy.can(officer, view, old) and policy.can(officer, view, now)
    with pytest.raises(UnknownStudent):  # reading is not writing
        tenancy.require_student_of(w["b"], w["moved"])


# --- the transfer package: the one way between schools ----------------------------------------

_FIXTURES = (cls, demo, gvcn, issued, other_principal, other_school, pki_path, principal,
             receiving_class, school, student, left, package, trust)  # fmt: skip


def _take_in(user: Any, data: bytes, school: Any, trust: Any) -> Any:
    return transfers.import_package(user, data, school, class_name="4A", enrolled_on=ON,
                                    register_number="CD-01", trust=trust)  # fmt: skip


def test_a_transfer_package_moves_a_student_to_the_receiving_school(
    package, left, student, receiving_class, other_principal, other_school, principal, cls, trust
):
    sending = cls.school
    assert tenancy.owning_school(student) == sending
    with pytest.raises(UnknownStudent):  # before: the receiving school cannot reach them
        tenancy.student_of_school(other_school, student.student_code)
    result = _take_in(other_principal, package.data, other_school, trust)
    assert result.created and tenancy.owning_school(student) == other_school
    assert tenancy.student_of_school(other_school, student.student_code) == student
    # the receiving school writes now (a parent account); the sending school does not
    schooladmin.create_parent_account(other_principal, other_school, student=student,
                                      username="ph.moi", full_name="Cha Mới")  # fmt: skip
    with pytest.raises(UnknownStudent):
        schooladmin.create_parent_account(principal, sending, student=student,
                                          username="ph.cu", full_name="Cha Cũ")  # fmt: skip
    grant = Grant.objects.get(user__username="ph.moi")
    event = AuditEvent.objects.filter(tag=EventTag.ACCOUNT_GRANT_ADDED).latest("seq")
    assert event.scope_path == other_school.org_unit.path and grant.student == student
    # ...but keeps reading its own past enrolment, and only that
    old = Enrolment.objects.filter(student=student, school_class__school=sending).first()
    view = Permission.STUDENT_RECORD_VIEW
    assert policy.can(principal, view, old)
    assert not policy.can(principal, view, result.transfer.enrolment)


def test_an_old_package_cannot_take_a_student_from_the_school_they_moved_to(
    package, left, student, receiving_class, other_principal, other_school, school, trust
):
    """A's package was taken in by B; replayed at a third school C it is refused: the student
    belongs to B now, not to the school that sealed the package. Nothing is written."""
    _take_in(other_principal, package.data, other_school, trust)
    third = directory.create_school(parent=school.org_unit.parent, school_code="01000777",
                                    name="Trường Tiểu học C")  # fmt: skip
    directory.create_class(school=third, school_year=receiving_class.school_year, grade=4,
                           name="4A")  # fmt: skip
    principal_c = create_user("htc", PASSWORD, role=Role.PRINCIPAL, org_unit=third.org_unit)
    before = _counts()
    with pytest.raises(StudentConflict) as err:
        _take_in(principal_c, package.data, third, trust)
    assert student.full_name not in err.value.message_vi
    assert _counts() == before
    assert tenancy.owning_school(student) == other_school


def test_the_grids_refuse_a_student_who_left_and_accept_the_current_school(w):
    old = Enrolment.objects.get(student=w["moved"], school_class=w["b24"])
    now = Enrolment.objects.get(student=w["moved"], school_class=w["a25"])
    assert review.read_only(w["b24"]) == {old.pk}  # the grid shows it read-only
    assert review.read_only(w["a25"]) == set()
    before = _counts()
    with pytest.raises(EntryRefused):
        workflow.save_subject_entry(w["users"]["pb"], old, "TOAN", {"level": "T"})
    assert _counts() == before
    workflow.save_subject_entry(w["users"]["pa"], now, "TOAN", {"level": "T"})
    assert SubjectEvaluation.objects.get(enrolment=now, subject_code="TOAN").level == "T"
    event = AuditEvent.objects.get(tag=EventTag.EVALUATION_SUBJECT_CHANGED)
    assert event.scope_path == w["a"].org_unit.path
