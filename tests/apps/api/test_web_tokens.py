"""The principal manages the school's tokens on the web; other roles and other schools get 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocba.apps.accounts.services import create_user
from hocba.apps.api.models import ApiToken
from hocba.apps.directory.models import SchoolClass
from tests.apps.api.conftest import ApiClient

PASSWORD = "x-Pass-12345"


@pytest.fixture
def principal(world):
    return create_user("ht", PASSWORD, role="principal", org_unit=world.school.org_unit)


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_principal_creates_sees_once_and_revokes(world, client, principal):
    _login(client, principal)
    url = reverse("apitokens:tokens", args=[world.school.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Phần mềm A" in page.content.decode()
    assert "no-store" in page["Cache-Control"].split(", ")
    created = client.post(reverse("apitokens:create", args=[world.school.pk]), {"name": "Web"})
    html = created.content.decode()
    token = ApiToken.objects.get(name="Web")
    assert token.created_by == principal
    raw = html.split('<code id="ma-moi">')[1].split("</code>")[0]
    assert raw.startswith(f"hocba_{token.prefix}_")
    assert ApiClient(raw).get("/api/v1/classes").status_code == 200
    assert raw not in client.get(url).content.decode()  # shown once
    revoked = client.post(reverse("apitokens:revoke", args=[world.school.pk, token.pk]))
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(raw).get("/api/v1/classes").status_code == 401


def test_an_empty_name_is_refused_with_a_message(world, client, principal):
    _login(client, principal)
    response = client.post(reverse("apitokens:create", args=[world.school.pk]), {"name": " "})
    assert response.status_code == 200 and "Hãy đặt tên" in response.content.decode()
    assert not ApiToken.objects.filter(name="").exists()


def test_other_roles_and_schools_get_404(world, client, principal):
    cls = SchoolClass.objects.filter(school=world.school).first()
    users = [
        create_user("pho", PASSWORD, role="vice_principal", org_unit=world.school.org_unit),
        create_user("gvcn", PASSWORD, role="homeroom_teacher", school_class=cls),
        create_user("ht-b", PASSWORD, role="principal", org_unit=world.other.org_unit),
        create_user("so", PASSWORD, role="department_officer",
                    org_unit=world.school.org_unit.parent.parent),
    ]  # fmt: skip
    token = ApiToken.objects.get(school=world.school)
    for user in users:
        _login(client, user)
        assert client.get(reverse("apitokens:tokens", args=[world.school.pk])).status_code == 404
        create = client.post(reverse("apitokens:create", args=[world.school.pk]), {"name": "X"})
        assert create.status_code == 404
        revoke = client.post(reverse("apitokens:revoke", args=[world.school.pk, token.pk]))
        assert revoke.status_code == 404
    assert not ApiToken.objects.filter(name="X").exists()
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_principal_cannot_revoke_another_schools_token_through_their_own(
    world, client, principal
):
    _login(client, principal)
    theirs = ApiToken.objects.get(school=world.other)
    response = client.post(reverse("apitokens:revoke", args=[world.school.pk, theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_system_admin_manages_any_school(world, client):
    admin = create_user("admin", PASSWORD, role="system_admin")
    _login(client, admin)
    assert client.get(reverse("apitokens:tokens", args=[world.other.pk])).status_code == 200


def test_home_page_links_the_principal_to_the_token_page(world, client, principal):
    _login(client, principal)
    home = client.get(reverse("accounts:home")).content.decode()
    assert reverse("apitokens:tokens", args=[world.school.pk]) in home
