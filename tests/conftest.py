"""Test-wide set-up.

Which database the suite runs on is decided by ``hocba.server.config`` when pytest-django
imports the settings (before any conftest runs): under pytest (``PYTEST_VERSION`` is set)
the settings use ``HOCBA_TEST_DATABASE_URL`` if given, e.g.
``postgresql://postgres@127.0.0.1:5432/postgres`` (Django's runner creates its own
``test_*`` database), otherwise SQLite; ``HOCBA_DATABASE_URL`` is ignored and ``HOCBA_HOME``
is a temporary directory, so tests never write to the developer's ``var/``.
This file checks that contract and reports the database in the header.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _django_database() -> dict[str, object] | None:
    try:
        from django.conf import settings
    except ImportError:
        return None
    if not settings.configured:
        return None
    return settings.DATABASES["default"]


def pytest_configure(config: pytest.Config) -> None:
    database = _django_database()
    wanted = os.environ.get("HOCBA_TEST_DATABASE_URL", "").strip()
    if database is None:
        return
    engine = str(database["ENGINE"])
    if wanted and not wanted.startswith("sqlite") and engine.endswith("sqlite3"):
        raise pytest.UsageError(
            "HOCBA_TEST_DATABASE_URL is set but the settings chose SQLite: "
            "is pytest older than 8.2 (no PYTEST_VERSION)?"
        )
    from django.conf import settings

    if Path(settings.HOCBA_HOME).resolve() == (Path.cwd() / "var").resolve():
        raise pytest.UsageError("Tests must not use the developer's var/: unset HOCBA_HOME.")


def pytest_report_header(config: pytest.Config) -> str | None:
    database = _django_database()
    if database is None:
        return None
    engine = str(database["ENGINE"]).rsplit(".", 1)[-1]
    where = f"{database.get('HOST') or 'local'}:{database.get('PORT') or '-'}"
    return f"hocba test database: {engine} ({where})"


@pytest.fixture(autouse=True)
def _fast_password_hashing(request: pytest.FixtureRequest) -> None:
    """Argon2 is the production hasher (tests/server check the setting); hashing dozens of
    test users with it would dominate the run, so tests that use the database hash with MD5."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if not uses_db:
        return
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_DB_FIXTURES = frozenset(
    (
        "db",
        "transactional_db",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
    )
)


def _uses_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") or item.get_closest_marker("database"):
        return True
    return bool(_DB_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def _postgresql_pass() -> bool:
    wanted = os.environ.get("HOCBA_TEST_DATABASE_URL", "").strip()
    return bool(wanted) and not wanted.startswith("sqlite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright keeps an event loop running in the main thread until
    the session ends, and code under test that calls ``asyncio.run`` (signing) cannot run
    in a thread with a running loop.

    On PostgreSQL (``HOCBA_TEST_DATABASE_URL``) only the tests that reach a database run: the
    others (pipeline, lint, types) do not depend on it and have run in the SQLite pass, which
    CI runs first. ``HOCBA_TEST_EVERYTHING=1`` runs them all on PostgreSQL too."""
    if _postgresql_pass() and not os.environ.get("HOCBA_TEST_EVERYTHING"):
        kept = [item for item in items if _uses_database(item)]
        dropped = [item for item in items if not _uses_database(item)]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path).replace("\\", "/"))
