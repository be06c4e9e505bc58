"""Login in Vietnamese, throttled after repeated failures, audited."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from hocba.apps.accounts.services import MAX_FAILURES, create_user
from hocba.apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "mật-khẩu-dài-123"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_the_login_page_is_vietnamese(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Tên đăng nhập" in page and "Mật khẩu" in page and "Đăng nhập" in page


def test_a_good_login_reaches_home_and_is_audited(client):
    create_user("gvcn1a", PASSWORD, full_name="Nguyễn Thị Hoa")
    response = client.post(reverse("accounts:login"), {"username": "gvcn1a", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get(reverse("accounts:home")).content.decode()
    assert "Nguyễn Thị Hoa" in home
    assert AuditEvent.objects.filter(tag="account:login:succeeded").count() == 1


def test_home_needs_login(client):
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_repeated_failures_lock_the_login_even_with_the_right_password(client):
    create_user("hieutruong", PASSWORD)
    for _ in range(MAX_FAILURES):
        r = client.post(reverse("accounts:login"), {"username": "hieutruong", "password": "sai"})
        assert r.status_code == 200
    r = client.post(reverse("accounts:login"), {"username": "hieutruong", "password": PASSWORD})
    assert r.status_code == 429
    assert "quá nhiều lần" in r.content.decode()
    assert AuditEvent.objects.filter(tag="account:login:failed").count() == MAX_FAILURES


def test_logout_is_a_post(client):
    create_user("a", PASSWORD)
    client.login(username="a", password=PASSWORD)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
