"""School administration pages: allowed for the school's leaders, 404 one step outside."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from hocba.apps.accounts.models import Grant, Role
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import (
    Enrolment,
    Guardianship,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
)
from hocba.apps.directory.tenancy import FROM_ANOTHER_SCHOOL

pytestmark = pytest.mark.django_db
User = get_user_model()


def _pages(w: dict[str, Any]) -> list[str]:
    s, c = w["school"].pk, w["class"].pk
    return [
        reverse("schooladmin:school", args=[s]),
        reverse("schooladmin:open_year", args=[s]),
        reverse("schooladmin:create_class", args=[s]),
        reverse("schooladmin:subject_teacher", args=[s, c]),
        reverse("schooladmin:enrol", args=[s, c]),
        reverse("schooladmin:parent_account", args=[s]),
    ]


@pytest.mark.parametrize("index", range(6))
def test_each_page_opens_for_the_principal_and_vice_and_is_404_one_step_outside(world, index):
    url = _pages(world)[index]
    for name, status in [("principal", 200), ("vice", 200), ("principal_other", 404),
                         ("gvcn", 404), ("parent", 404)]:  # fmt: skip
        client = Client()
        client.force_login(world["users"][name])
        assert client.get(url).status_code == status, name
    response = Client().get(url)
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_a_class_of_another_school_is_404_even_under_the_principal_s_school_id(world):
    other_year_class = SchoolClass.objects.create(
        school=world["other"], school_year=world["year"], grade=1, name="1B"
    )
    client = Client()
    client.force_login(world["users"]["principal"])
    url = reverse("schooladmin:enrol", args=[world["school"].pk, other_year_class.pk])
    assert client.get(url).status_code == 404


def test_the_home_page_links_leaders_to_school_administration_and_not_teachers(world):
    client = Client()
    client.force_login(world["users"]["principal"])
    assert "Quản lý năm học, lớp, học sinh" in client.get(reverse("accounts:home")).text
    client.force_login(world["users"]["gvcn"])
    assert "Quản lý năm học, lớp, học sinh" not in client.get(reverse("accounts:home")).text


def test_the_overview_lists_classes_with_gvcn_subject_teachers_and_student_count(
    world, principal_client
):
    from hocba.apps.accounts.services import add_grant

    add_grant(world["users"]["gvcn"], role=Role.SUBJECT_TEACHER, school_class=world["class"],
              subject_code="TOAN")  # fmt: skip
    page = principal_client.get(reverse("schooladmin:school", args=[world["school"].pk])).text
    assert "1A" in page and "Trần Thị Lan" in page and "TOAN: Trần Thị Lan" in page
    assert "<td>1</td>" in page  # one student


def test_opening_a_year_writes_it_and_audits_and_again_says_it_is_already_open(
    world, principal_client
):
    url = reverse("schooladmin:open_year", args=[world["school"].pk])
    response = principal_client.post(url, {"code": "2025-2026"})
    assert "Đã mở năm học 2025-2026." in response.text
    assert SchoolYear.objects.filter(code="2025-2026").exists()
    assert AuditEvent.objects.filter(tag=EventTag.DIRECTORY_YEAR_OPENED).count() == 1
    again = principal_client.post(url, {"code": "2025-2026"})
    assert "Năm học 2025-2026 đã được mở từ trước." in again.text
    assert AuditEvent.objects.filter(tag=EventTag.DIRECTORY_YEAR_OPENED).count() == 1


def test_a_bad_year_code_is_refused_in_vietnamese(world, principal_client):
    url = reverse("schooladmin:open_year", args=[world["school"].pk])
    response = principal_client.post(url, {"code": "2025-2027"})
    assert "Mã năm học phải có dạng NNNN-NNNN" in response.text
    assert not SchoolYear.objects.filter(code="2025-2027").exists()


def _class_form(w: dict[str, Any], **over: Any) -> dict[str, Any]:
    return {"school_year": w["year"].pk, "grade": 2, "name": "2A", "staff": "",
            "new_name": "Lê Văn Minh", "username": "gv.minh", **over}  # fmt: skip


def test_creating_a_class_with_a_new_gvcn_makes_the_account_and_shows_the_password_once(
    world, principal_client
):
    url = reverse("schooladmin:create_class", args=[world["school"].pk])
    before = AuditEvent.objects.count()
    response = principal_client.post(url, _class_form(world))
    assert response.status_code == 200 and "Đã tạo lớp 2A" in response.text
    assert "no-store" in response["Cache-Control"]
    password = response.context["account"].password
    assert password in response.text
    cls = SchoolClass.objects.get(name="2A")
    user = User.objects.get(username="gv.minh")
    assert cls.homeroom_teacher.user == user and cls.homeroom_teacher.school == world["school"]
    assert Grant.objects.filter(user=user, role=Role.HOMEROOM_TEACHER, school_class=cls).exists()
    tags = list(AuditEvent.objects.filter(seq__gt=before).values_list("tag", flat=True))
    assert sorted(tags) == sorted([EventTag.ACCOUNT_USER_CREATED, EventTag.DIRECTORY_CLASS_CREATED,
                                   EventTag.ACCOUNT_GRANT_ADDED])  # fmt: skip
    for event in AuditEvent.objects.filter(seq__gt=before):
        assert password not in str(event.data) and "Minh" not in str(event.data)
    fresh = Client()
    assert fresh.login(username="gv.minh", password=password)
    # The password is not shown again anywhere.
    assert (
        password
        not in principal_client.get(reverse("schooladmin:school", args=[world["school"].pk])).text
    )


def test_creating_a_class_with_an_existing_staff_member_grants_them_the_class(
    world, principal_client
):
    url = reverse("schooladmin:create_class", args=[world["school"].pk])
    form = _class_form(world, staff=world["staff"].pk, new_name="", username="")
    response = principal_client.post(url, form)
    assert "Đã tạo lớp 2A" in response.text and "Mật khẩu" not in response.text
    cls = SchoolClass.objects.get(name="2A")
    assert Grant.objects.filter(user=world["users"]["gvcn"], school_class=cls).exists()


def _nothing_written(counts: dict[str, int]) -> None:
    assert counts == _counts()


def _counts() -> dict[str, int]:
    return {"classes": SchoolClass.objects.count(), "users": User.objects.count(),
            "staff": Staff.objects.count(), "grants": Grant.objects.count(),
            "audit": AuditEvent.objects.count(), "students": Student.objects.count(),
            "enrolments": Enrolment.objects.count()}  # fmt: skip


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"grade": 7}, "Khối lớp phải từ 1 đến 5."),
        ({"name": "1A", "grade": 1}, "Lớp 1A đã có trong năm học 2024-2025."),
        ({"username": "principal"}, "Tên đăng nhập «principal» đã có người dùng."),
        ({"username": ""}, "Giáo viên mới cần một tên đăng nhập."),
        ({"username": "cô lan"}, "Tên đăng nhập chỉ gồm chữ không dấu"),
    ],
)
def test_bad_class_input_is_refused_in_vietnamese_and_nothing_is_written(
    world, principal_client, over, message
):
    counts = _counts()
    url = reverse("schooladmin:create_class", args=[world["school"].pk])
    response = principal_client.post(url, _class_form(world, **over))
    assert response.status_code == 200 and message in response.text
    _nothing_written(counts)


def test_a_subject_teacher_is_assigned_with_a_new_account(world, principal_client):
    url = reverse("schooladmin:subject_teacher", args=[world["school"].pk, world["class"].pk])
    response = principal_client.post(
        url, {"subject": "TOAN", "staff": "", "new_name": "Phạm Thu", "username": "gv.thu"}
    )
    assert "Đã phân công Phạm Thu dạy môn" in response.text
    user = User.objects.get(username="gv.thu")
    grant = Grant.objects.get(user=user, role=Role.SUBJECT_TEACHER)
    assert (grant.school_class, grant.subject_code) == (world["class"], "TOAN")
    assert response.context["account"].password in response.text


def test_an_unknown_subject_or_a_repeat_assignment_is_refused(world, principal_client):
    url = reverse("schooladmin:subject_teacher", args=[world["school"].pk, world["class"].pk])
    counts = _counts()
    response = principal_client.post(url, {"subject": "HOA", "staff": world["staff"].pk})
    assert "Môn học không có trong chương trình." in response.text
    _nothing_written(counts)
    principal_client.post(url, {"subject": "TOAN", "staff": world["staff"].pk})
    counts = _counts()
    again = principal_client.post(url, {"subject": "TOAN", "staff": world["staff"].pk})
    assert "đã dạy môn này ở lớp 1A" in again.text
    _nothing_written(counts)


def _student_form(**over: Any) -> dict[str, Any]:
    return {"existing_code": "", "student_code": "HS002", "full_name": "Lê Thị Bình",
            "sex": "nữ", "date_of_birth": "2018-05-06", "personal_id": "001218000123",
            "register_number": "2", "enrolled_on": "2024-09-05", "father": "Lê Văn Cường",
            "mother": "Đỗ Thị Hoa", "guardian": "", **over}  # fmt: skip


def test_enrolling_a_new_student_registers_guardians_and_shows_the_id_masked(
    world, principal_client
):
    url = reverse("schooladmin:enrol", args=[world["school"].pk, world["class"].pk])
    response = principal_client.post(url, _student_form())
    assert "Đã ghi danh Lê Thị Bình vào lớp 1A." in response.text
    assert "********0123" in response.text and "001218000123" not in response.text
    student = Student.objects.get(student_code="HS002")
    assert Enrolment.objects.filter(student=student, school_class=world["class"]).exists()
    relations = set(Guardianship.objects.filter(student=student).values_list("relation", flat=True))
    assert relations == {"father", "mother"}
    event = AuditEvent.objects.get(tag=EventTag.DIRECTORY_ENROLMENT_CREATED)
    assert "001218000123" not in str(event.data) and "Bình" not in str(event.data)


def test_an_existing_student_is_enrolled_by_code(world, principal_client):
    year = SchoolYear.objects.create(code="2025-2026", start_date="2025-09-01",
                                     end_date="2026-05-31")  # fmt: skip
    cls2 = SchoolClass.objects.create(school=world["school"], school_year=year, grade=2, name="2A")
    url = reverse("schooladmin:enrol", args=[world["school"].pk, cls2.pk])
    response = principal_client.post(
        url, {"existing_code": "HS001", "register_number": "1", "enrolled_on": "2025-09-05"}
    )
    assert "Đã ghi danh Nguyễn Văn An vào lớp 2A." in response.text
    assert Enrolment.objects.filter(student=world["student"], school_class=cls2).exists()


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"personal_id": "12345"}, "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        ({"personal_id": "00121800012x"}, "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        ({"student_code": "HS001"}, "Mã học sinh HS001 đã được sử dụng."),
        ({"full_name": ""}, "Vui lòng điền mục này cho học sinh mới."),
        ({"enrolled_on": "2025-09-05"}, "Ngày vào lớp phải nằm trong năm học 2024-2025."),
        (
            {"existing_code": "HS999"},
            "Không có học sinh mã HS999 ở trường này. " + FROM_ANOTHER_SCHOOL,
        ),
    ],
)
def test_bad_enrolment_input_is_refused_in_vietnamese_and_nothing_is_written(
    world, principal_client, over, message
):
    counts = _counts()
    guardians = Guardianship.objects.count()
    url = reverse("schooladmin:enrol", args=[world["school"].pk, world["class"].pk])
    response = principal_client.post(url, _student_form(**over))
    assert response.status_code == 200 and message in response.text
    _nothing_written(counts)
    assert Guardianship.objects.count() == guardians


def test_a_parent_account_is_linked_to_a_student_of_the_school(world, principal_client):
    url = reverse("schooladmin:parent_account", args=[world["school"].pk])
    response = principal_client.post(
        url, {"student": world["student"].pk, "full_name": "Nguyễn Văn Ba", "username": "ph.an"}
    )
    assert "Đã tạo tài khoản phụ huynh của Nguyễn Văn An." in response.text
    password = response.context["account"].password
    user = User.objects.get(username="ph.an")
    assert Grant.objects.get(user=user).student == world["student"]
    assert Grant.objects.get(user=user).role == Role.PARENT
    assert Client().login(username="ph.an", password=password)


def test_a_parent_account_for_a_student_of_another_school_or_a_taken_name_is_refused(
    world, principal_client
):
    from hocba.apps.directory import services as directory

    stranger = directory.register_student(
        student_code="HS900", full_name="Người Lạ", sex="nam", date_of_birth="2018-01-01"
    )
    url = reverse("schooladmin:parent_account", args=[world["school"].pk])
    counts = _counts()
    response = principal_client.post(
        url, {"student": stranger.pk, "full_name": "Ai Đó", "username": "ph.la"}
    )
    assert "Học sinh không học tại trường này." in response.text
    response = principal_client.post(
        url, {"student": world["student"].pk, "full_name": "Ai Đó", "username": "PARENT"}
    )
    assert "Tên đăng nhập «PARENT» đã có người dùng." in response.text
    _nothing_written(counts)


def test_the_overview_marks_only_a_gvcn_without_a_login_as_having_no_account(
    world, principal_client
):
    from hocba.apps.directory import services as directory

    url = reverse("schooladmin:school", args=[world["school"].pk])
    page = principal_client.get(url).text
    assert "Trần Thị Lan" in page and "(chưa có tài khoản)" not in page
    no_login = directory.add_staff(school=world["school"], full_name="Lê Văn Bình",
                                   position="teacher")  # fmt: skip
    directory.create_class(school=world["school"], school_year=world["year"], grade=2,
                           name="2A", homeroom_teacher=no_login)  # fmt: skip
    page = principal_client.get(url).text
    row = next(line for line in page.splitlines() if "Lê Văn Bình" in line)
    assert "(chưa có tài khoản)" in row
    lan = next(line for line in page.splitlines() if "Trần Thị Lan" in line and "<td>" in line)
    assert "(chưa có tài khoản)" not in lan
