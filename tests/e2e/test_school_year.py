"""A whole school year in a real browser (headless Debian chromium + Playwright):

subject teacher enters a score → GVCN reviews, finalises and signs → principal signs and
seals → the parent downloads the PDF → the public page says VALID for it and INVALID for a
tampered copy. Screenshots of the main pages at desktop and phone width go to
``$HOCBA_SCREENS_DIR`` (``docs/screens/`` when regenerating the committed ones).
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import Page, expect

from hocba.apps.accounts.demo import DEMO_PASSWORD, create_demo_accounts
from hocba.apps.accounts.services import create_user
from hocba.apps.directory.models import Enrolment, SchoolClass
from hocba.apps.records.demo import load_demo_school
from hocba.apps.records.models import RecordVersion
from hocba.demo.generate import demo_school
from hocba.signing import init_pki

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def school_year(settings, tmp_path):
    demo = demo_school(seed=21, classes_per_grade=1, students_per_class=3)
    load_demo_school(demo)
    pki = init_pki(
        tmp_path / "pki",
        teachers=[c.homeroom_teacher for c in demo.classes],
        principal=demo.principal,
        school=demo.school.name,
    )
    settings.HOCBA_PKI_DIR = str(pki.directory)
    settings.HOCBA_TRUST_DIR = str(pki.trust_dir)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    create_demo_accounts()
    cls = SchoolClass.objects.get(name="3A", school_year__code="2024-2025")
    child = Enrolment.objects.filter(school_class=cls).order_by("id").first()
    create_user("me3a", DEMO_PASSWORD, full_name="Trần Thị Mai", role="parent",
                student=child.student)  # fmt: skip
    return {"class": cls, "child": child}


@pytest.fixture
def screens():
    folder = Path(os.environ.get("HOCBA_SCREENS_DIR", "test-results/screens"))
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page: Page, name: str) -> None:
        page.screenshot(path=folder / f"{name}-desktop.png", full_page=True)
        size = page.viewport_size
        page.set_viewport_size(PHONE)
        page.screenshot(path=folder / f"{name}-phone.png", full_page=True)
        page.set_viewport_size(size)

    return shoot


def login(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name=re.compile("Xin chào"))).to_be_visible()


def run_worker() -> None:
    """Drain the task queue as ``hocba worker --batch`` does (its Worker, without the signal
    handlers of the command). In a thread: Playwright's event loop runs in this one, and
    signing runs its own."""
    errors: list[BaseException] = []

    def work() -> None:
        try:
            Worker(
                queue_names=["default"], interval=0, batch=True, backend_name="default",
                startup_delay=False, max_tasks=None, worker_id="e2e", excluded_queue_names=[],
            ).run()  # fmt: skip
        except BaseException as exc:  # reported in the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive() and not errors, errors


def test_a_whole_school_year(page: Page, live_server, school_year, screens, tmp_path):
    base = live_server.url
    cls = school_year["class"]
    page.set_viewport_size({"width": 1280, "height": 900})

    # The English teacher of 3A enters a score; a wrong one is refused inline.
    login(page, base, "gvnn1")
    screens(page, "home-teacher")
    page.goto(f"{base}/lop/{cls.pk}/mon/NN1/")
    first_score = page.locator("input[name=test_score]").first
    first_score.fill("11")
    first_score.press("Tab")
    expect(page.locator(".msg").filter(has_text=re.compile("10")).first).to_be_visible()
    first_score.fill("9")
    first_score.press("Tab")
    expect(page.locator(".msg").filter(has_text="Đã lưu").first).to_be_visible()
    screens(page, "subject-grid")

    # The homeroom teacher reviews, finalises and signs the class.
    login(page, base, "gvcn3a")
    page.goto(f"{base}/lop/{cls.pk}/xem-xet/")
    screens(page, "class-review")
    page.get_by_label("Tôi đã xem lại dữ liệu").check()
    page.get_by_role("button", name="Chốt dữ liệu lớp").click()
    expect(page.get_by_text("Lớp đã chốt dữ liệu")).to_be_visible()
    page.get_by_role("link", name="Ký học bạ của lớp").click()  # the way onward
    page.get_by_role("button", name="Ký học bạ của lớp").click()
    run_worker()
    page.reload()
    assert (
        RecordVersion.objects.filter(enrolment__school_class=cls, status="gvcn_signed").count() == 3
    )

    # The principal signs and seals the class.
    login(page, base, "hieutruong")
    page.goto(f"{base}/ky-so/lop/{cls.pk}/")
    page.get_by_role("button", name="Ký và đóng dấu học bạ của lớp").click()
    run_worker()
    page.reload()
    screens(page, "signing-class")
    issued = RecordVersion.objects.filter(enrolment__school_class=cls, status="issued")
    assert issued.count() == 3

    # The officer sees the progress of the subtree.
    login(page, base, "so")
    page.goto(f"{base}/giam-sat/")
    expect(page.locator("svg").first).to_be_visible()
    screens(page, "officer-progress")

    # The parent downloads their child's PDF.
    login(page, base, "me3a")
    page.goto(f"{base}/gia-dinh/")
    screens(page, "parent-portal")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("PDF")).first.click()
    pdf = tmp_path / "hoc-ba.pdf"
    download.value.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")

    # Anyone verifies it on the public page, without an account.
    page.context.clear_cookies()
    page.goto(f"{base}/xac-minh/")
    page.locator("input[type=file]").set_input_files(str(pdf))
    page.get_by_role("button", name="Xác minh tệp").click()
    expect(page.get_by_text("(VALID)")).to_be_visible()
    screens(page, "verify-valid")

    tampered = tmp_path / "sua.pdf"
    at = data.index(b"HOCBA:1:")
    end = data.index(b"<", at)
    tampered.write_bytes(
        data[: end - 1] + (b"0" if data[end - 1 : end] != b"0" else b"1") + data[end:]
    )
    page.goto(f"{base}/xac-minh/")
    page.locator("input[type=file]").set_input_files(str(tampered))
    page.get_by_role("button", name="Xác minh tệp").click()
    expect(page.get_by_text("(INVALID)")).to_be_visible()
    screens(page, "verify-invalid")
