"""One JSON error shape for every 4xx/5xx: 401, 404 (policy, unknown id, unknown path), 405,
422 (ninja's validation, a bad cursor) and 500 (no internals in the body)."""

from __future__ import annotations

import logging

import pytest

from hocba.apps.api import queries
from tests.apps.api.conftest import ApiClient, assert_error

BASE = "/api/v1"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer hocba_000000000000_x"],
)
def test_401_without_a_valid_token(world, header):
    client = ApiClient(None)
    headers = {"Authorization": header} if header else {}
    response = client.client.get(f"{BASE}/classes", headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_401_with_a_wrong_secret_of_a_real_prefix(world):
    prefix = world.token.split("_")[1]
    assert_error(ApiClient(f"hocba_{prefix}_wrong").get(f"{BASE}/classes"), 401, "unauthorized")


def test_a_web_session_is_not_an_api_credential(world, client):
    from hocba.apps.accounts.services import create_user

    create_user("ht", "x-Pass-12345", role="principal", org_unit=world.school.org_unit)
    client.login(username="ht", password="x-Pass-12345")
    assert_error(client.get(f"{BASE}/classes"), 401)


def test_404_for_unknown_ids_and_paths(world, api):
    assert_error(api.get(f"{BASE}/classes/999999"), 404, "not_found")
    assert_error(api.get(f"{BASE}/records/999999/xml"), 404, "not_found")
    assert_error(api.get(f"{BASE}/no-such-thing"), 404, "not_found")
    assert_error(api.get(f"{BASE}/"), 404, "not_found")
    # any method, no CSRF page: the API has no cookies to protect
    csrf_client = ApiClient(world.token)
    csrf_client.client = type(api.client)(enforce_csrf_checks=True)
    assert_error(csrf_client.request("post", f"{BASE}/no-such-thing"), 404, "not_found")
    assert_error(csrf_client.request("delete", f"{BASE}/classes"), 405, "method_not_allowed")


def test_405_for_a_method_the_path_does_not_take(world, api):
    response = api.request("post", f"{BASE}/classes", data={})
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_422_lists_every_bad_parameter(world, api):
    error = assert_error(api.get(f"{BASE}/records", limit=0, school_year="2024"), 422, "invalid")
    paths = {p["path"] for p in error["problems"]}
    assert paths == {"query.limit", "query.school_year"}
    assert all(p["message"] for p in error["problems"])
    error = assert_error(api.get(f"{BASE}/classes/abc"), 422, "invalid")
    assert error["problems"][0]["path"] == "path.class_id"


def test_422_for_a_cursor_that_was_not_given_by_the_api(world, api):
    for cursor in ("not-a-cursor", "ABC", "1" * 17):
        error = assert_error(api.get(f"{BASE}/records", cursor=cursor), 422, "invalid")
        assert [p["path"] for p in error["problems"]] == ["query.cursor"]
    with pytest.raises(queries.BadCursor):
        queries.decode_cursor("zz")
    assert queries.decode_cursor("f" * 16) == queries.MAX_ID  # past the end: an empty page
    assert api.get(f"{BASE}/records", cursor="f" * 16).json()["items"] == []


def test_500_is_our_shape_without_internals_and_is_logged(world, api, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals: SELECT * FROM students")

    monkeypatch.setattr(queries, "class_page", broken)
    with caplog.at_level(logging.ERROR, logger="hocba.api"):
        response = api.get(f"{BASE}/classes")
    assert_error(response, 500, "internal_error")
    assert "internals" not in response.content.decode()
    assert "unexpected error on GET /api/v1/classes" in caplog.text
    assert world.token not in caplog.text and world.token.split("_", 2)[2] not in caplog.text


def test_the_openapi_document_is_public_json(world):
    response = ApiClient(None).get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "hocba vendor API"
