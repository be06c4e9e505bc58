"""404, 403 and 500 are Vietnamese pages on the site's layout, with DEBUG on and off; Django's
technical pages only with ``HOCBA_DEBUG_TRACEBACKS``."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.test import Client, override_settings

from hocba.server.config import load_config

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.server.error_urls")]
ENGLISH = ("Page not found", "Using the URLconf", "Traceback", "Server Error", "Forbidden")


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    settings.HOCBA_DEBUG_TRACEBACKS = False
    return request.param


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


def _page(client: Client, url: str, status: int, **headers: str) -> str:
    response = client.get(url, **headers)
    assert response.status_code == status
    text = response.content.decode()
    assert '<html lang="vi">' in text and "Học bạ số" in text  # the site's base template
    assert not [w for w in ENGLISH if w in text]
    return text


@pytest.mark.parametrize("url", ["/khong-co-trang-nay/", "/loi/khong-co/", "/loi/khong-quyen/"])
def test_a_missing_page_or_a_denial_is_the_vietnamese_404(client, debug, url):
    text = _page(client, url, 404)
    assert "Không tìm thấy trang" in text
    assert 'href="/"' in text and 'href="/dang-nhap/"' in text and 'href="/xac-minh/"' in text


def test_a_forbidden_action_is_the_vietnamese_403(client, debug):
    text = _page(client, "/loi/cam/", 403)
    assert "Bạn không có quyền thực hiện việc này" in text and 'href="/"' in text


def test_a_crash_is_the_vietnamese_500_and_its_traceback_is_logged(client, debug, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        text = _page(client, "/loi/he-thong/", 500)
    assert "Hệ thống gặp lỗi" in text and "boom" not in text and 'href="/"' in text
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged and "boom in a view" in str(logged[0].exc_info[1])


def test_the_way_back_is_the_referring_page_of_this_site_only(client, debug):
    text = _page(client, "/khong-co/", 404, HTTP_REFERER="http://testserver/nhat-ky/")
    assert 'href="http://testserver/nhat-ky/"' in text and "Quay lại" in text
    text = _page(client, "/khong-co/", 404, HTTP_REFERER="https://evil.example/x")
    assert "evil.example" not in text and "Quay lại" not in text


def test_a_logged_in_user_is_not_offered_the_login_page(client, debug, django_user_model):
    client.force_login(django_user_model.objects.create_user("u", password="x" * 12))
    text = _page(client, "/khong-co/", 404)
    assert 'href="/dang-nhap/"' not in text and 'href="/"' in text


def test_debug_tracebacks_gives_the_developer_django_s_pages_back(client, settings):
    settings.DEBUG = True
    settings.HOCBA_DEBUG_TRACEBACKS = True
    assert "Traceback" in client.get("/loi/he-thong/").content.decode()
    assert "Using the URLconf" in client.get("/khong-co/").content.decode()


@override_settings(DEBUG=False, HOCBA_DEBUG_TRACEBACKS=True)
def test_debug_tracebacks_is_ignored_without_debug(client):
    assert "Hệ thống gặp lỗi" in client.get("/loi/he-thong/").content.decode()


def test_the_traceback_setting_is_read_from_the_environment_and_off_in_production(
    tmp_path: Path,
):
    home = {"HOCBA_HOME": str(tmp_path)}
    assert load_config(home).debug_tracebacks is False
    assert load_config({**home, "HOCBA_DEBUG_TRACEBACKS": "1"}).debug_tracebacks is True
    off = {**home, "HOCBA_DEBUG": "0", "HOCBA_DEBUG_TRACEBACKS": "1"}
    assert load_config(off).debug_tracebacks is False
    prod = {**home, "HOCBA_ENV": "production", "HOCBA_SECRET_KEY": "abcdefghij" * 6,
            "HOCBA_ALLOWED_HOSTS": "x.vn", "HOCBA_PUBLIC_URL": "https://x.vn",
            "HOCBA_DEBUG_TRACEBACKS": "1"}  # fmt: skip
    assert load_config(prod).debug_tracebacks is False


def test_a_failed_csrf_check_is_explained_in_vietnamese(debug):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/dang-nhap/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "Phiên làm việc đã hết hạn" in response.content.decode()


def test_an_address_missing_its_final_slash_is_still_redirected(client, debug):
    response = client.get("/nhat-ky")
    assert response.status_code == 301 and response["Location"] == "/nhat-ky/"
