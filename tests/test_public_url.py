"""``HOCBA_PUBLIC_URL`` (``hocba.public_url``): where issued records point; refused missing or
local in production, the local ``hocba serve`` in development."""

from __future__ import annotations

import pytest

from hocba import public_url
from hocba.public_url import PublicUrlError, from_environ, resolve, verify_url

PUBLIC = "https://hocba.sogd.example.vn"


def test_development_defaults_to_what_hocba_serve_serves():
    assert from_environ({}) == "http://127.0.0.1:8000"
    assert verify_url(from_environ({})) == "http://127.0.0.1:8000/xac-minh/"


def test_the_option_wins_over_the_environment_and_a_trailing_slash_is_dropped():
    env = {"HOCBA_PUBLIC_URL": "https://other.example.vn/"}
    assert from_environ(env) == "https://other.example.vn"
    assert from_environ(env, option=PUBLIC + "/") == PUBLIC
    assert verify_url(PUBLIC) == f"{PUBLIC}/xac-minh/"
    assert verify_url("https://so.example.vn/hocba") == "https://so.example.vn/hocba/xac-minh/"


@pytest.mark.parametrize("configured", ["", "  ", "http://127.0.0.1:8000", "http://localhost/"])
def test_production_refuses_a_missing_or_local_address_in_vietnamese(configured):
    with pytest.raises(PublicUrlError) as refused:
        from_environ({"HOCBA_ENV": "production", "HOCBA_PUBLIC_URL": configured})
    assert refused.value.code == "config.public_url"
    assert "Chưa cấu hình HOCBA_PUBLIC_URL" in refused.value.message_vi
    assert "không ban hành học bạ" in refused.value.message_vi


def test_production_takes_a_public_address():
    assert resolve(PUBLIC, production=True) == PUBLIC


@pytest.mark.parametrize(
    "bad", ["hocba.sogd.example.vn", "ftp://x.vn", "https://", "https://x.vn/?a=1", "https://x .vn"]
)
def test_anything_but_an_http_base_url_is_refused(bad):
    with pytest.raises(PublicUrlError):
        resolve(bad, production=False)


def test_the_setting_is_documented():
    from pathlib import Path

    docs = (Path(__file__).parents[1] / "docs" / "settings.md").read_text("utf-8")
    assert f"`{public_url.SETTING}`" in docs
    assert public_url.DEVELOPMENT_PUBLIC_URL in docs
