from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_admin_login_page_is_vietnamese(client: Client) -> None:
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()
