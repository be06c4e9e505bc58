"""The subject grid in a real browser: keyboard moves between cells, each change autosaves
through htmx, and a refused score shows its message next to the cell while the box shows the
stored score again (nothing written)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from hocba.apps.accounts.services import create_user
from hocba.apps.directory.models import Enrolment
from hocba.apps.records.demo import load_demo_school
from hocba.apps.records.models import SubjectEvaluation
from hocba.demo.generate import demo_school

PASSWORD = "mat-khau-thu-nghiem-1"
SCREENS = os.environ.get("HOCBA_SCREENS_DIR")


@pytest.fixture
def grade3(transactional_db) -> list[Enrolment]:
    load_demo_school(demo_school(seed=7, classes_per_grade=1, students_per_class=3))
    enrolments = list(
        Enrolment.objects.filter(school_class__grade=3, school_class__school_year__code="2024-2025")
    )
    cls = enrolments[0].school_class
    create_user("gv-tv", PASSWORD, role="subject_teacher", school_class=cls, subject_code="TV")
    create_user("gvcn3", PASSWORD, role="homeroom_teacher", school_class=cls)
    return enrolments


def _login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def _shot(page: Page, name: str) -> None:
    if SCREENS:
        page.screenshot(path=os.path.join(SCREENS, name), full_page=True)


def test_the_teacher_enters_a_class_with_the_keyboard(page: Page, live_server, grade3):
    first, second = grade3[0], grade3[1]
    SubjectEvaluation.objects.filter(enrolment=first, subject_code="TV").update(
        level="T", comment="", test_score=9
    )
    _login(page, live_server.url, "gv-tv")
    page.get_by_role("link", name="Nhập đánh giá môn Tiếng Việt").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tiếng Việt")

    level = page.get_by_label(f"Mức cuối năm: {first.student.full_name}")
    level.select_option("C")
    row = page.locator(f"#row-{first.pk}")
    expect(row.get_by_text("Đã lưu")).to_be_visible()
    expect(page.locator(f"#f-{first.pk}")).to_contain_text("cần có nhận xét")

    score = page.get_by_label(f"Điểm kiểm tra: {first.student.full_name}")
    score.fill("11")
    score.press("Enter")  # moves down a row; the change autosaves
    expect(page.get_by_label(f"Điểm kiểm tra: {second.student.full_name}")).to_be_focused()
    expect(row.get_by_role("alert")).to_contain_text("số nguyên từ 0 đến 10")
    expect(score).to_have_value("9")  # the box shows what is stored, not the refused 11
    expect(row.get_by_role("alert")).to_have_count(1)  # only that cell says so
    _shot(page, "subject-grid.png")
    saved = SubjectEvaluation.objects.get(enrolment=first, subject_code="TV")
    assert (saved.level, saved.test_score) == ("C", 9)

    page.keyboard.press("ArrowUp")
    expect(score).to_be_focused()
    score.fill("8")
    page.keyboard.press("ArrowRight")  # caret at the end → the comment cell
    comment = page.get_by_label(f"Nhận xét: {first.student.full_name}")
    expect(comment).to_be_focused()
    comment.fill("Đọc còn chậm, cần luyện thêm ở nhà.")
    comment.press("Enter")
    expect(page.locator(f"#f-{first.pk}")).not_to_contain_text("cần có nhận xét")
    expect(row.get_by_role("alert")).to_have_count(0)  # the fixed score cleared its error
    expect(score).to_have_value("8")
    saved.refresh_from_db()
    assert (saved.test_score, saved.comment) == (8, "Đọc còn chậm, cần luyện thêm ở nhà.")


def test_the_homeroom_teacher_reviews_and_finalises(page: Page, live_server, grade3):
    _login(page, live_server.url, "gvcn3")
    page.get_by_role("link", name="Xem xét và chốt lớp").click()
    expect(page.locator("svg.chart")).to_be_visible()
    _shot(page, "class-review.png")
    page.get_by_role("button", name="Chốt dữ liệu lớp").click()  # unticked: the browser asks
    expect(page.get_by_text("Đã chốt dữ liệu lớp")).not_to_be_visible()
    page.get_by_label("Tôi đã xem lại dữ liệu").check()
    page.get_by_role("button", name="Chốt dữ liệu lớp").click()
    expect(page.get_by_text("Đã chốt dữ liệu lớp")).to_be_visible()
    expect(page.get_by_role("link", name="Ký học bạ của lớp")).to_be_visible()
    page.goto(f"{live_server.url}/lop/{grade3[0].school_class_id}/pham-chat-nang-luc/")
    expect(page.get_by_text("Lớp đã chốt dữ liệu.")).to_be_visible()
    _shot(page, "rating-grid-locked.png")
