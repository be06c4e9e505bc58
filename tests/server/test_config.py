"""Settings come from the environment, through ``hocba.server.config.load_config``."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import ConnectionHandler

from hocba.server.config import load_config


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_production_without_secret_key_fails_with_a_clear_message(home: Path) -> None:
    env = {"HOCBA_ENV": "production", "HOCBA_HOME": str(home)}
    with pytest.raises(ImproperlyConfigured, match="HOCBA_SECRET_KEY is required"):
        load_config(env)
    assert not (home / "secret_key").exists()


def test_production_never_debugs_and_takes_hosts_from_the_environment(home: Path) -> None:
    key = "s3cret-from-the-vault-" + "k9Qz" * 10  # production refuses a short key
    env = {
        "HOCBA_ENV": "production",
        "HOCBA_HOME": str(home),
        "HOCBA_SECRET_KEY": key,
        "HOCBA_DEBUG": "1",
        "HOCBA_ALLOWED_HOSTS": "hocba.example.vn, www.hocba.example.vn",
        "HOCBA_PUBLIC_URL": "https://hocba.example.vn/",
    }
    config = load_config(env)
    assert config.public_url == "https://hocba.example.vn"
    assert config.debug is False
    assert config.secret_key == key
    assert config.allowed_hosts == ["hocba.example.vn", "www.hocba.example.vn"]


def test_development_key_is_generated_once_private_and_reused(home: Path) -> None:
    first = load_config({"HOCBA_HOME": str(home)})
    key_file = home / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 50
    assert load_config({"HOCBA_HOME": str(home)}).secret_key == first.secret_key
    assert first.debug is True


def test_home_defaults_to_var_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config({})
    assert config.home == (tmp_path / "var").resolve()
    assert (tmp_path / "var" / "secret_key").is_file()
    assert config.database["NAME"] == str(tmp_path / "var" / "hocba.sqlite3")


def test_database_url_is_honoured(home: Path) -> None:
    env = {
        "HOCBA_HOME": str(home),
        "HOCBA_DATABASE_URL": "postgresql://hocba:pw@db.internal:5433/hocba_prod",
    }
    database = load_config(env).database
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == (
        "db.internal",
        5433,
        "hocba_prod",
    )
    assert database["CONN_HEALTH_CHECKS"] is True


def test_default_database_is_sqlite_in_home_with_wal(home: Path, django_db_blocker) -> None:
    database = load_config({"HOCBA_HOME": str(home)}).database
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(home / "hocba.sqlite3")
    connections = ConnectionHandler({"default": database})
    try:
        with django_db_blocker.unblock(), connections["default"].cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
    finally:
        connections.close_all()


def test_under_pytest_the_test_database_url_wins_and_home_is_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {
        "PYTEST_VERSION": "9",
        "HOCBA_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/production",
        "HOCBA_TEST_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/postgres",
    }
    config = load_config(env)
    assert config.testing is True
    assert config.database["NAME"] == "postgres"
    assert not (tmp_path / "var").exists()
    assert load_config({"PYTEST_VERSION": "9"}).database["ENGINE"].endswith("sqlite3")


def test_a_child_process_of_a_test_never_gets_the_real_test_server_database(
    tmp_path: Path,
) -> None:
    env = {
        "PYTEST_VERSION": "9",
        "HOCBA_HOME": str(tmp_path),
        "HOCBA_TEST_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/postgres",
    }
    database = load_config(env, test_runner=False).database
    assert database["NAME"] == str(tmp_path / "hocba.sqlite3")


def test_the_running_test_suite_keeps_out_of_the_developers_var() -> None:
    assert not Path(settings.HOCBA_HOME).is_relative_to(Path.cwd() / "var")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HOCBA_ENV": "staging"}, "HOCBA_ENV must be one of"),
        ({"HOCBA_DEBUG": "maybe"}, "HOCBA_DEBUG must be a boolean"),
        ({"HOCBA_DATABASE_URL": "nosuchdb://u:topsecret@h/x"}, "not a usable database URL"),
    ],
)
def test_bad_values_fail_clearly(home: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message) as info:
        load_config({"HOCBA_HOME": str(home), **env})
    assert "topsecret" not in str(info.value)


def test_settings_are_vietnamese_and_hash_with_argon2() -> None:
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.LANGUAGES == [("vi", "Tiếng Việt")]
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.USE_TZ is True
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_every_environment_variable_is_documented() -> None:
    import re

    import hocba.server.config as config_module

    source = Path(config_module.__file__).read_text(encoding="utf-8")
    names = set(re.findall(r'"(HOCBA_[A-Z_]+)"', source))
    docs = (Path(__file__).parents[2] / "docs" / "settings.md").read_text(encoding="utf-8")
    assert names >= {"HOCBA_ENV", "HOCBA_DATABASE_URL", "HOCBA_SECRET_KEY"}
    assert {name for name in names if f"`{name}`" not in docs} == set()


def test_production_without_a_public_url_does_not_start_and_says_why_in_vietnamese(
    home: Path,
) -> None:
    key = "s3cret-from-the-vault-" + "k9Qz" * 10
    env = {"HOCBA_ENV": "production", "HOCBA_HOME": str(home), "HOCBA_SECRET_KEY": key}
    for missing in ({}, {"HOCBA_PUBLIC_URL": ""}, {"HOCBA_PUBLIC_URL": "http://127.0.0.1:8000"}):
        with pytest.raises(ImproperlyConfigured, match="Chưa cấu hình HOCBA_PUBLIC_URL"):
            load_config({**env, **missing})
    with pytest.raises(ImproperlyConfigured, match="HOCBA_PUBLIC_URL phải là địa chỉ gốc"):
        load_config({**env, "HOCBA_PUBLIC_URL": "hocba.sogd.example.vn"})


def test_development_points_records_at_the_local_server(home: Path) -> None:
    assert load_config({"HOCBA_HOME": str(home)}).public_url == "http://127.0.0.1:8000"
    configured = {"HOCBA_HOME": str(home), "HOCBA_PUBLIC_URL": "https://hocba.sogd.example.vn"}
    assert load_config(configured).public_url == "https://hocba.sogd.example.vn"
    assert load_config().public_url == settings.HOCBA_PUBLIC_URL
