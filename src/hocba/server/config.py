"""Server configuration read from the environment, in one place.

``load_config(environ)`` is a plain function over a mapping so tests can call it with any
environment; ``hocba.server.settings`` is the only module that calls it at import.

Variables (documented in ``docs/settings.md``):

- ``HOCBA_ENV``: ``development`` (default) or ``production``.
- ``HOCBA_HOME``: directory for the SQLite database, the development secret key and other
  files; default ``./var`` under the current directory, created if missing.
- ``HOCBA_DATABASE_URL``: a dj-database-url URL; default SQLite ``<HOCBA_HOME>/hocba.sqlite3``
  in WAL mode.
- ``HOCBA_SECRET_KEY``: required in production; in development a key is generated once into
  ``<HOCBA_HOME>/secret_key`` (mode 0600) and reused.
- ``HOCBA_DEBUG``: ``1``/``true``/``yes`` or ``0``/``false``/``no``; default on in development,
  always off in production.
- ``HOCBA_ALLOWED_HOSTS``: comma-separated host names.
- ``HOCBA_CACHE_URL``: the cache shared by every server process (login lockout, rate limits):
  empty or ``db://`` for a table in the database (default), ``redis://…`` for Redis.
- ``HOCBA_TRUSTED_PROXIES``: comma-separated IP addresses/networks of the reverse proxies whose
  ``X-Forwarded-For`` / ``X-Forwarded-Proto`` headers are believed; empty: none.
- ``HOCBA_PUBLIC_URL``: the public base URL of this instance (``hocba.public_url``), which
  issued records print and their QR codes open; required in production, default
  ``http://127.0.0.1:8000`` (``hocba serve``) in development.
- ``HOCBA_TEST_DATABASE_URL``: under pytest only, the database to test on (e.g. PostgreSQL;
  pytest-django then creates its own ``test_*`` database); without it tests use SQLite.

Under pytest (``PYTEST_VERSION`` is set, pytest ≥ 8.2) ``HOCBA_DATABASE_URL`` is ignored and
``HOCBA_HOME`` defaults to a fresh temporary directory, so a test run never touches ``var/`` or
a real database. A child process started by a test (``hocba demo`` run as a command) inherits
``PYTEST_VERSION`` but not pytest-django's test database: it gets SQLite in its ``HOCBA_HOME``.
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

from hocba import public_url

DEVELOPMENT = "development"
PRODUCTION = "production"
ENVIRONMENTS = (DEVELOPMENT, PRODUCTION)

SECRET_KEY_FILE = "secret_key"
SQLITE_FILE = "hocba.sqlite3"
# WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN so
# concurrent writers wait (busy timeout) instead of failing half-way through a transaction.
SQLITE_OPTIONS: dict[str, Any] = {
    "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
# The table of the database cache (``createcachetable`` runs after every ``migrate``).
CACHE_TABLE = "hocba_cache"
CACHE_KEY_PREFIX = "hocba"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


@dataclass(frozen=True)
class ServerConfig:
    """What the Django settings need from the environment."""

    env: str
    home: Path
    debug: bool
    secret_key: str = field(repr=False)
    allowed_hosts: list[str]
    database: dict[str, Any] = field(repr=False)
    testing: bool = False
    cache: dict[str, Any] = field(default_factory=dict, repr=False)
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    debug_tracebacks: bool = False
    """Development only: Django's own debug pages (traceback, URL list) instead of hocba's
    Vietnamese 404/403/500 pages (``HOCBA_DEBUG_TRACEBACKS``)."""
    public_url: str = public_url.DEVELOPMENT_PUBLIC_URL

    @property
    def production(self) -> bool:
        return self.env == PRODUCTION


def load_config(
    environ: Mapping[str, str] | None = None, *, test_runner: bool | None = None
) -> ServerConfig:
    """Read the server configuration; raise ``ImproperlyConfigured`` with a clear message.

    ``test_runner``: this process is pytest itself (default: ``pytest`` is imported).
    """
    env_map = os.environ if environ is None else environ
    testing = "PYTEST_VERSION" in env_map
    if test_runner is None:
        test_runner = "pytest" in sys.modules
    env = env_map.get("HOCBA_ENV", DEVELOPMENT).strip().lower() or DEVELOPMENT
    if env not in ENVIRONMENTS:
        raise ImproperlyConfigured(
            f"HOCBA_ENV must be one of {', '.join(ENVIRONMENTS)}; got {env!r}."
        )
    home = _home(env_map, testing)
    production = env == PRODUCTION
    debug = False if production else _flag(env_map, "HOCBA_DEBUG", default=True)
    hosts = [h.strip() for h in env_map.get("HOCBA_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not production and not hosts:
        hosts = ["localhost", "127.0.0.1", "[::1]", "testserver"]
    return ServerConfig(
        env=env,
        home=home,
        debug=debug,
        secret_key=_secret_key(env_map, home, production),
        allowed_hosts=hosts,
        database=_database(env_map, home, testing, test_runner),
        testing=testing,
        cache=cache_config(env_map.get("HOCBA_CACHE_URL", "")),
        trusted_proxies=trusted_proxies(env_map.get("HOCBA_TRUSTED_PROXIES", "")),
        debug_tracebacks=debug and _flag(env_map, "HOCBA_DEBUG_TRACEBACKS", default=False),
        public_url=_public_url(env_map),
    )


def _public_url(env_map: Mapping[str, str]) -> str:
    """``HOCBA_PUBLIC_URL`` (``hocba.public_url.from_environ``): refused missing in production,
    as records would point nowhere."""
    try:
        return public_url.from_environ(env_map)
    except public_url.PublicUrlError as err:
        raise ImproperlyConfigured(f"{err.message_vi} ({err.detail})") from None


def cache_config(url: str) -> dict[str, Any]:
    """Django's ``CACHES["default"]`` for ``HOCBA_CACHE_URL``: a shared cache, never one per
    process (a per-process counter lets each server process grant its own set of guesses)."""
    url = url.strip()
    scheme = url.split(":", 1)[0].lower() if url else "db"
    if scheme == "db":
        return {
            "BACKEND": "hocba.apps.accounts.cache.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    if scheme in ("redis", "rediss", "unix"):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    raise ImproperlyConfigured(
        f"HOCBA_CACHE_URL must be empty, db:// or redis://…; got a {scheme!r} URL."
    )


def trusted_proxies(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``HOCBA_TRUSTED_PROXIES``: comma-separated addresses or networks (CIDR)."""
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"HOCBA_TRUSTED_PROXIES must list IP addresses or networks; got {item!r}."
            ) from None
    return tuple(networks)


def _flag(env_map: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env_map.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no); got {raw!r}.")


def _home(env_map: Mapping[str, str], testing: bool) -> Path:
    raw = env_map.get("HOCBA_HOME", "").strip()
    if raw:
        home = Path(raw).expanduser().resolve()
    elif testing:
        home = Path(tempfile.mkdtemp(prefix="hocba-test-home-"))
        atexit.register(shutil.rmtree, home, ignore_errors=True)
    else:
        home = (Path.cwd() / "var").resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def _secret_key(env_map: Mapping[str, str], home: Path, production: bool) -> str:
    key = env_map.get("HOCBA_SECRET_KEY", "").strip()
    if key:
        if production:
            _refuse_weak_key(key)
        return key
    if production:
        raise ImproperlyConfigured(
            "HOCBA_SECRET_KEY is required when HOCBA_ENV=production: set it to a long random "
            'string (e.g. the output of `python -c "import secrets; '
            'print(secrets.token_urlsafe(50))"`) and keep it secret.'
        )
    return _development_key(home / SECRET_KEY_FILE)


def _refuse_weak_key(key: str) -> None:
    """Django's own deploy criteria (``check --deploy``, security.W009), enforced at start."""
    if (
        len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or key.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        raise ImproperlyConfigured(
            f"HOCBA_SECRET_KEY is too weak for HOCBA_ENV=production: it needs at least "
            f"{SECRET_KEY_MIN_LENGTH} characters, at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS} "
            f"different characters, and must not start with {SECRET_KEY_INSECURE_PREFIX!r}. "
            'Generate one with `python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
        )


def _development_key(path: Path) -> str:
    """Generate the key once (mode 0600, never overwritten) and reuse it afterwards."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if not key:
            raise ImproperlyConfigured(
                f"The development secret key file {path} is empty; delete it to regenerate."
            ) from None
        return key
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


def _database(
    env_map: Mapping[str, str], home: Path, testing: bool, test_runner: bool
) -> dict[str, Any]:
    name = "HOCBA_TEST_DATABASE_URL" if testing else "HOCBA_DATABASE_URL"
    url = env_map.get(name, "").strip() if test_runner or not testing else ""
    url = url or f"sqlite:///{home / SQLITE_FILE}"
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url))
    except ValueError as exc:
        # The message of dj-database-url may echo the URL (and its password): keep it out.
        scheme = url.split(":", 1)[0]
        raise ImproperlyConfigured(
            f"{name} is not a usable database URL (scheme {scheme!r})."
        ) from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    else:
        config["CONN_MAX_AGE"] = 0 if testing else 60
        config["CONN_HEALTH_CHECKS"] = True
    return config
