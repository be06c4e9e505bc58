"""The principal's signing page: one school year at a time with a year switch, per class what
it waits for and who must act, disabled buttons with their reason; the batch card updates
itself (htmx polling that stops with 286) and the page reloads its lists when a batch ends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from hocba.apps.directory.models import SchoolClass, SchoolYear
from hocba.apps.signing import services
from hocba.apps.signing.overview import current_year

from .conftest import finalise

pytestmark = pytest.mark.django_db
CSS = Path(__file__).parents[3] / "src/hocba/server/static/hocba/hocba.css"


def _as(client, user):
    client.force_login(user)
    return client


def _page(client, school, **query) -> str:
    response = client.get(reverse("signing:school", args=[school.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def _row(page: str, cls) -> str:
    return page.split(f'<tr id="class-{cls.pk}">', 1)[1].split("</tr>", 1)[0]


@pytest.fixture
def last_year_1a(school):
    year = SchoolYear.objects.create(
        code="2019-2020", start_date=dt.date(2019, 9, 5), end_date=dt.date(2020, 5, 31)
    )
    return SchoolClass.objects.create(school=school, school_year=year, grade=1, name="1A")


def test_the_page_shows_the_current_year_and_switches_to_another(
    client, cls, school, principal, last_year_1a
):
    page = _page(_as(client, principal), school)
    current = cls.school_year.code
    assert f"năm học {current}" in page and f'aria-current="page">{current}<' in page
    assert f'<tr id="class-{cls.pk}">' in page
    assert f'<tr id="class-{last_year_1a.pk}">' not in page
    assert 'href="?nam=2019-2020"' in page
    old = _page(client, school, nam="2019-2020")
    assert f'<tr id="class-{last_year_1a.pk}">' in old and f'<tr id="class-{cls.pk}">' not in old
    assert old.count('<tr id="class-') == 1
    # an unknown year falls back to the current one
    assert f'<tr id="class-{cls.pk}">' in _page(client, school, nam="1999-2000")


def test_the_current_year_is_the_one_running_today_else_the_latest_begun():
    y1 = SchoolYear(code="2024-2025", start_date=dt.date(2024, 9, 5), end_date=dt.date(2025, 5, 31))
    y2 = SchoolYear(code="2025-2026", start_date=dt.date(2025, 9, 5), end_date=dt.date(2026, 5, 31))
    y3 = SchoolYear(code="2026-2027", start_date=dt.date(2026, 9, 5), end_date=dt.date(2027, 5, 31))
    years = [y3, y2, y1]
    assert current_year(years, dt.date(2025, 1, 10)) == y1
    assert current_year(years, dt.date(2026, 7, 1)) == y2  # summer: the year just ended
    assert current_year(years, dt.date(2024, 1, 1)) == y3  # nothing begun: the newest
    assert current_year([], dt.date(2025, 1, 1)) is None


def test_each_class_says_what_it_waits_for_and_who_must_act(client, cls, gvcn, school, principal):
    c = _as(client, principal)
    assert "Chờ GVCN nhập/hoàn tất và chốt lớp" in _row(_page(c, school), cls)
    finalise(cls)
    row = _row(_page(c, school), cls)
    assert "Chờ GVCN ký (2 học bạ)" in row and "Chờ hiệu trưởng" not in row
    services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    row = _row(_page(c, school), cls)
    assert "Chờ hiệu trưởng ký và đóng dấu (2 học bạ)" in row and "Chờ GVCN ký" not in row
    assert "disabled" not in row
    services.run_batch(services.start_principal_signing(principal, cls).pk)
    row = _row(_page(c, school), cls)
    assert "Đã ban hành 2/2" in row and "Chờ" not in row


def test_a_disabled_seal_button_says_why_and_looks_disabled(client, cls, school, principal):
    row = _row(_page(_as(client, principal), school), cls)
    assert f'disabled aria-describedby="why-{cls.pk}"' in row
    assert f'<span class="reason" id="why-{cls.pk}">GVCN chưa chốt lớp.</span>' in row
    css = CSS.read_text()
    rule = css.split("button:disabled", 1)[1].split("}", 1)[0]
    assert "cursor: not-allowed" in rule and "background" in rule
    assert "button:not(:disabled):hover" in css  # hover only on enabled buttons


def test_the_year_switch_is_no_way_around_the_permission(
    client, school, gvcn, other_principal, last_year_1a
):
    url = reverse("signing:school", args=[school.pk])
    for user in (gvcn, other_principal):
        assert _as(client, user).get(url, {"nam": "2019-2020"}).status_code == 404


# --- the batch card updates itself ------------------------------------------------------------


def test_a_running_batch_polls_every_2s_and_a_finished_one_answers_286(client, cls, gvcn):
    finalise(cls)
    batch = services.start_gvcn_signing(gvcn, cls)
    c = _as(client, gvcn)
    url = reverse("signing:progress", args=[batch.pk])
    running = c.get(url)
    assert running.status_code == 200 and 'hx-trigger="every 2s"' in running.content.decode()
    assert "HX-Trigger-After-Settle" not in running
    services.run_batch(batch.pk)
    done = c.get(url)
    html = done.content.decode()
    assert done.status_code == 286  # htmx stops polling
    assert done["HX-Trigger-After-Settle"] == "batchDone"
    assert "hx-get" not in html and "Tải lại trang" not in html and "2/2" in html


def test_the_pages_reload_their_lists_when_a_batch_ends(client, cls, school, principal):
    finalise(cls)
    page = _as(client, principal).get(reverse("signing:class", args=[cls.pk])).content.decode()
    assert 'hx-trigger="batchDone from:body" hx-select="#versions"' in page
    assert 'hx-select-oob="#signing-card"' in page and 'id="signing-card"' in page
    assert "Tải lại trang" not in page
    assert 'hx-trigger="batchDone from:body" hx-select="#classes"' in _page(client, school)


def test_progress_of_another_schools_batch_is_a_404(client, cls, gvcn, other_principal):
    finalise(cls)
    batch = services.start_gvcn_signing(gvcn, cls)
    services.run_batch(batch.pk)
    url = reverse("signing:progress", args=[batch.pk])
    assert _as(client, other_principal).get(url).status_code == 404
