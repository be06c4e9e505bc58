from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_admin_login_page_is_vietnamese(client: Client) -> None:
    # The admin's login is the site's one (with its lockout): tests/security/test_web_hardening
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US", follow=True)
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()
