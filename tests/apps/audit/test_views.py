"""The principal reads their school's log, officers their subtree's; nobody else. The log
says who did what to which student, in Vietnamese."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hocba.apps.accounts.models import Role
from hocba.apps.accounts.services import create_user
from hocba.apps.audit import views
from hocba.apps.audit.models import AuditEvent
from hocba.apps.directory.models import OrgUnit

from .conftest import PASSWORD, write_events

pytestmark = pytest.mark.django_db
URL = "/nhat-ky/"


def login(client, username, role=None, **scope):
    create_user(username, PASSWORD, role=role, **scope) if role else None
    assert client.login(username=username, password=PASSWORD)


def page(client, **params) -> str:
    """The page's table (and the filter form's messages) as text."""
    response = client.get(reverse("audit:events"), params)
    assert response.status_code == 200
    text = response.content.decode()
    start = text.index('<form method="get"')
    return (
        text[start : text.index("</form>", start)].split("<select")[0]
        + text[text.index("<tbody>") :]
    )


# --- who may read what (unchanged) ---------------------------------------------------------


def test_the_principal_sees_their_schools_events_and_not_another_schools(client, two_schools):
    login(client, "ht1")
    text = page(client)
    assert "Nguyễn Văn An" in text
    assert '<span class="muted">Trường số 1</span>' not in text  # one school: not repeated
    assert "Lê Thị Bình" not in text and "Phần mềm 2" not in text


def test_a_vice_principal_reads_their_school_too(client, two_schools):
    first, _ = two_schools
    login(client, "pht1", Role.VICE_PRINCIPAL, org_unit=first["school"].org_unit)
    text = page(client)
    assert "Nguyễn Văn An" in text and "Lê Thị Bình" not in text


def test_a_department_officer_sees_their_subtree_with_school_names(client, two_schools):
    login(client, "so1", Role.DEPARTMENT_OFFICER, org_unit=OrgUnit.objects.get(code="S1"))
    text = page(client)
    assert "Nguyễn Văn An" in text and '<span class="muted">Trường số 1</span>' in text
    assert "Lê Thị Bình" not in text and "Trường số 2" not in text


def test_an_officer_of_another_department_sees_nothing_of_this_school(client, two_schools):
    login(client, "so2", Role.DEPARTMENT_OFFICER, org_unit=OrgUnit.objects.get(code="S2"))
    text = page(client)
    assert "Lê Thị Bình" in text
    assert "Nguyễn Văn An" not in text and "Trường số 1" not in text and "Phần mềm 1" not in text


@pytest.mark.parametrize("who", ["gvcn1", "parent"])
def test_teachers_and_parents_get_404_for_the_page_and_the_exports(client, two_schools, who):
    first, _ = two_schools
    if who == "parent":
        login(client, "ph1", Role.PARENT, student=first["student"])
    else:
        login(client, who)
    assert client.get(URL).status_code == 404
    for fmt in ("csv", "xlsx"):
        assert client.get(reverse("audit:export", args=[fmt])).status_code == 404


def test_anonymous_is_sent_to_login(client, two_schools):
    assert client.get(URL).status_code == 302
    assert client.get(reverse("audit:export", args=["csv"])).status_code == 302


# --- what a row says -------------------------------------------------------------------------


def test_a_row_says_who_did_what_to_which_student_in_vietnamese(client, two_schools):
    login(client, "ht1")
    text = page(client)
    assert "Xem/tải học bạ" in text and "Trần Thị Lan" in text
    assert "Học bạ năm học 2024-2025 (phiên bản 2) — Nguyễn Văn An (HS100), lớp 1A" in text
    assert "Định dạng: XML" in text and "Kênh: cổng phụ huynh" in text
    assert "Tạo lớp" in text and "Lớp 1A, năm học 2024-2025" in text
    assert "Hiệu trưởng số 1" in text and "Giáo viên: Trần Thị Lan" in text
    assert "Ghi danh học sinh vào lớp" in text and "Trường số 1" in text  # import subject
    assert "Mã API «Phần mềm 1» (pre1xyz)" in text
    assert "Học sinh: Nguyễn Văn An" not in text  # the enrolment's data only repeats its subject
    for code in (">record:version:viewed<", "RecordVersion", "{&#x27;format", "SchoolClass"):
        assert code not in text


def test_personal_id_numbers_are_never_shown(client, two_schools):
    login(client, "ht1")
    text = page(client)
    assert "001203001789" not in text and "1789" not in text


def test_the_number_of_queries_does_not_grow_with_the_rows(client, two_schools):
    first, _ = two_schools
    login(client, "ht1")
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as few:
        page(client)
    for _ in range(6):
        write_events(first)
    with CaptureQueriesContext(connection) as many:
        text = page(client)
    assert text.count("Kênh: cổng phụ huynh") == 7
    assert len(many) == len(few)


# --- filters and pages ---------------------------------------------------------------------


def test_filter_by_class_name_within_the_school(client, two_schools):
    first, _ = two_schools
    login(client, "ht1")
    from hocba.apps.directory import services as directory

    other = directory.create_class(school=first["school"], school_year=first["class"].school_year,
                                   grade=2, name="2B")  # fmt: skip
    from hocba.apps.audit.services import record
    from hocba.apps.audit.tags import EventTag

    record(EventTag.DIRECTORY_CLASS_CREATED, subject=other,
           scope_path=first["school"].org_unit.path, data={"class": other.pk})  # fmt: skip
    text = page(client, lop="1a")
    assert "Nguyễn Văn An" in text and "Lớp 2B" not in text
    text = page(client, lop="2B")
    assert "Lớp 2B" in text and "Nguyễn Văn An" not in text


def test_filter_by_student_name_or_code(client, two_schools):
    login(client, "ht1")
    by_name = page(client, hoc_sinh="Văn An")
    by_code = page(client, hoc_sinh="hs100")
    for text in (by_name, by_code):
        assert "Kênh: cổng phụ huynh" in text and "Ghi danh học sinh vào lớp" in text
        assert "Tạo lớp" not in text  # about the class, not the student


def test_filters_never_widen_the_scope(client, two_schools):
    login(client, "ht2")
    assert "Nguyễn Văn An" not in page(client, hoc_sinh="HS100")
    assert "Nguyễn Văn An" not in page(client, lop="1A")
    assert "Trần Thị Lan" not in page(client, nguoi="Lan")


def test_filter_by_person_and_by_action(client, two_schools):
    login(client, "ht1")
    text = page(client, nguoi="Trần Thị Lan")
    assert "Kênh: cổng phụ huynh" in text and "Tạo lớp" not in text
    text = page(client, nguoi="Phần mềm 1")
    assert "Kênh: API phần mềm quản lý trường" in text and "Kênh: cổng phụ huynh" not in text
    text = page(client, su_kien="directory:class:created")
    assert "Tạo lớp" in text and "Kênh:" not in text


def test_filter_by_date_range_and_a_reversed_range_is_explained(client, two_schools):
    login(client, "ht1")
    today = timezone.localdate()
    AuditEvent.objects.filter(tag="directory:class:created").update(
        at=timezone.now() - dt.timedelta(days=30)
    )
    text = page(client, tu_ngay=today.isoformat(), den_ngay=today.isoformat())
    assert "Kênh: cổng phụ huynh" in text and "<td>Lớp 1A, năm học" not in text
    old = (today - dt.timedelta(days=30)).isoformat()
    text = page(client, tu_ngay=old, den_ngay=old)
    assert "<td>Lớp 1A, năm học" in text and "Kênh: cổng phụ huynh" not in text
    text = page(client, tu_ngay=today.isoformat(), den_ngay=old)
    assert "“Từ ngày” phải trước hoặc bằng “Đến ngày”." in text


def test_pages_keep_the_filters(client, two_schools, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first, _ = two_schools
    for _ in range(2):
        write_events(first)
    login(client, "ht1")
    text = page(client, nguoi="Trần Thị Lan")
    assert "Trang 1/2" in text and "nguoi=Tr%E1%BA%A7n" in text and "trang=2" in text
    text = page(client, nguoi="Trần Thị Lan", trang=2)
    assert "Trang 2/2" in text and text.count("Kênh: cổng phụ huynh") == 1
    assert "nguoi=Tr%E1%BA%A7n" in text and "trang=1" in text


def test_a_system_admin_reads_logins_and_failed_logins_without_a_name(client, two_schools):
    from hocba.apps.audit.services import record
    from hocba.apps.audit.tags import EventTag

    record(EventTag.ACCOUNT_LOGIN_FAILED)
    login(client, "admin", Role.SYSTEM_ADMIN)
    text = page(client, su_kien="account:login:failed")
    assert "Đăng nhập không thành công" in text
    assert "Không rõ (tên đăng nhập không được ghi lại)" in text
    text = page(client, su_kien="account:login:succeeded")
    assert '">Đăng nhập</td>' in text and "Tài khoản admin" in text
