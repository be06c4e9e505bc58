"""Web hardening (issue #11, findings 3 and 9).

Finding 3: the login lockout was keyed on the raw lower-cased name while Django logs in with
the NFKC form, so every Unicode look-alike of a name (fullwidth letters) got fresh guesses.
Finding 9: lockout and rate limits counted in each process's memory and by connecting
address (several processes or a proxy defeated them); no Content-Security-Policy; no HSTS or
HTTPS redirect in production; a weak secret key accepted; downloads of records cacheable.

Cross-process tests run real child processes on a database of their own (SQLite in a
temporary home, or a fresh PostgreSQL database when the run is on PostgreSQL): pytest-django's
test database is invisible to a child.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from hocba.apps.accounts import ratelimit
from hocba.apps.accounts.middleware import PrivateResponseMiddleware
from hocba.apps.accounts.models import Role
from hocba.apps.accounts.services import LOCK_SECONDS, MAX_FAILURES, create_user
from hocba.apps.verification.services import RATE_LIMIT
from hocba.server.config import CACHE_TABLE, cache_config, load_config, trusted_proxies
from tests.apps.portal.conftest import class_3a, issue, stored  # noqa: F401  (fixtures)

SRC = Path(__file__).parents[2] / "src" / "hocba"
PASSWORD = "mật-khẩu-dài-123"
LOGIN = "/dang-nhap/"
STRONG_KEY = "k" + secrets.token_urlsafe(60)
LOOKALIKES = [
    "ｈｉｅｕｔｒｕｏｎｇ",
    "HieuTruong",
    "ｈｉｅｕtruong",
    "HIEUＴＲＵＯＮＧ",
    "hieutruonG",
]
TIMEOUT = 120


@pytest.fixture(autouse=True)
def _fresh_counters(request):
    if request.node.get_closest_marker("django_db") or "db" in request.fixturenames:
        cache.clear()


def _fail(client, username: str, **extra):
    return client.post(LOGIN, {"username": username, "password": "sai"}, **extra)


# --- finding 3: one lockout per user, whatever the spelling -----------------------------------


def test_a_username_is_counted_in_the_form_django_logs_in_with():
    from django.contrib.auth.forms import UsernameField

    for spelling in LOOKALIKES:
        assert ratelimit.normalize_username(spelling) == "hieutruong"
    # Django's login form applies NFKC: the fullwidth name *is* the account "hieutruong".
    assert UsernameField().to_python("ｈｉｅｕｔｒｕｏｎｇ") == "hieutruong"


@pytest.mark.django_db
def test_fullwidth_lookalikes_of_one_username_share_one_lockout(client):
    create_user("hieutruong", PASSWORD)
    # The look-alike logs in as the real account: each spelling is a guess at its password.
    assert client.post(LOGIN, {"username": LOOKALIKES[0], "password": PASSWORD}).status_code == 302
    client.logout()
    cache.clear()
    for spelling in LOOKALIKES[:MAX_FAILURES]:
        assert _fail(client, spelling).status_code == 200
    refused = client.post(LOGIN, {"username": "hieutruong", "password": PASSWORD})
    assert refused.status_code == 429
    assert "quá nhiều lần" in refused.content.decode()


@pytest.mark.django_db
def test_the_admin_login_is_the_throttled_login():
    from django.test import Client

    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/admin/"


# --- finding 9: counters shared by every process --------------------------------------------


def test_the_default_cache_is_the_shared_database_table():
    assert django_settings.CACHES["default"]["BACKEND"] == "hocba.apps.accounts.cache.DatabaseCache"
    assert django_settings.CACHES["default"]["LOCATION"] == CACHE_TABLE
    assert cache_config("db://")["BACKEND"].endswith("accounts.cache.DatabaseCache")
    redis = cache_config("redis://127.0.0.1:6379/2")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    with pytest.raises(ImproperlyConfigured, match="HOCBA_CACHE_URL"):
        cache_config("locmem://")


@pytest.mark.django_db
def test_a_failed_login_is_counted_in_the_database_cache_table(client):
    _fail(client, "ｈｉｅｕｔｒｕｏｎｇ")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {CACHE_TABLE}")
        keys = [row[0] for row in cursor.fetchall()]
    assert any(":ratelimit:login:" in key for key in keys)
    assert not any("hieu" in key for key in keys)  # names are hashed, never stored in clear
    assert ratelimit.count("login", "hieutruong", "127.0.0.1") == 1


@pytest.mark.django_db
def test_incr_in_the_database_cache_keeps_the_window_s_expiry():
    ratelimit.hit("probe", "x", window=LOCK_SECONDS)

    def expires():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT expires FROM {CACHE_TABLE} WHERE cache_key LIKE %s", ["%probe%"]
            )
            return cursor.fetchone()[0]

    first = expires()
    assert ratelimit.hit("probe", "x", window=LOCK_SECONDS) == 2
    assert expires() == first  # Django's own incr resets it to the default 300 s


@pytest.mark.django_db
def test_a_flood_of_other_names_never_evicts_a_live_lockout_counter(settings):
    settings.CACHES = {
        "default": {**django_settings.CACHES["default"], "OPTIONS": {"MAX_ENTRIES": 10}}
    }
    for _ in range(MAX_FAILURES):
        ratelimit.hit("login", "hieutruong", "203.0.113.5", window=LOCK_SECONDS)
    for i in range(60):  # Django's cull would drop a third of the table each time past 10
        ratelimit.hit("login", f"ten-{i}", "203.0.113.5", window=LOCK_SECONDS)
    assert ratelimit.count("login", "hieutruong", "203.0.113.5") == MAX_FAILURES


@pytest.fixture
def database_url(tmp_path) -> Iterator[str]:
    """A database the children share: the PostgreSQL of the test run if any, else SQLite."""
    base = os.environ.get("HOCBA_TEST_DATABASE_URL", "").strip()
    if not base.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'home' / 'hocba.sqlite3'}"
        return
    import psycopg

    name = f"hocba_web_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _child_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "HOCBA_HOME": str(tmp_path / "home"), "HOCBA_DATABASE_URL": database_url,
           "HOCBA_SECRET_KEY": STRONG_KEY, **extra}  # fmt: skip
    # Not "under pytest" for the children: they honour HOCBA_DATABASE_URL like a deployment.
    # (DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests' conftest for the whole pytest run,
    # and refused by check --deploy.)
    for name in ("PYTEST_VERSION", "PYTEST_CURRENT_TEST", "HOCBA_TEST_DATABASE_URL",
                 "DJANGO_ALLOW_ASYNC_UNSAFE"):  # fmt: skip
        env.pop(name, None)
    for name in ("HOCBA_CACHE_URL", "HOCBA_TRUSTED_PROXIES", "HOCBA_ENV", "HOCBA_ALLOWED_HOSTS"):
        if name not in extra:
            env.pop(name, None)
    return env


COUNTER_CHILD = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.server.settings")
import django
django.setup()
from django.core.management import call_command
from hocba.apps.accounts import ratelimit, services
command, args = sys.argv[1], sys.argv[2:]
if command == "table":
    call_command("createcachetable", verbosity=0)
elif command == "attempt":
    print(*(services.login_attempt(name, args[0]) for name in args[1:]))
elif command == "locked":
    print(services.login_locked(args[1], args[0]))
elif command == "hits":
    print(*(ratelimit.hit("probe", "shared", window=600) for _ in range(int(args[0]))))
"""


def _counter(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", COUNTER_CHILD, *args],
        env=env, capture_output=True, text=True, check=False, timeout=TIMEOUT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.database
def test_a_lockout_counted_in_other_processes_is_seen_by_a_third(tmp_path, database_url):
    env = _child_env(tmp_path, database_url)
    _counter(env, "table")
    assert _counter(env, "attempt", "203.0.113.5", *LOOKALIKES[:3]) == "True True True"
    assert _counter(env, "attempt", "203.0.113.5", *LOOKALIKES[3:5]) == "True True"
    assert _counter(env, "locked", "203.0.113.5", "hieutruong") == "True"
    assert _counter(env, "locked", "198.51.100.1", "hieutruong") == "False"


@pytest.mark.database
def test_processes_counting_at_once_lose_no_count(tmp_path, database_url):
    env = _child_env(tmp_path, database_url)
    _counter(env, "table")
    children, per_child = 4, 25
    with ThreadPoolExecutor(children) as pool:
        outputs = list(pool.map(lambda _: _counter(env, "hits", str(per_child)), range(children)))
    counts = sorted(int(n) for out in outputs for n in out.split())
    assert counts == list(range(1, children * per_child + 1))  # every hit got its own count


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _server(env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hocba.cli", "manage", "runserver", f"127.0.0.1:{port}",
         "--noreload", "--nothreading"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                urllib.request.urlopen(url + LOGIN, timeout=5).read()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _post_login(url: str, username: str) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(url + LOGIN, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": "sai"}
    ).encode()
    try:
        return int(opener.open(url + LOGIN, data=body, timeout=30).status)
    except urllib.error.HTTPError as err:
        return int(err.code)


@pytest.mark.slow
@pytest.mark.database
def test_two_server_processes_share_one_login_lockout(tmp_path, database_url):
    env = _child_env(tmp_path, database_url)
    subprocess.run(
        [sys.executable, "-m", "hocba.cli", "manage", "migrate", "-v0"],
        env=env, check=True, timeout=300, capture_output=True,
    )  # fmt: skip
    with _server(env) as first, _server(env) as second:
        statuses = [
            _post_login(first if i % 2 else second, name)
            for i, name in enumerate(LOOKALIKES[:MAX_FAILURES])
        ]
        assert statuses == [200] * MAX_FAILURES
        assert _post_login(first, "hieutruong") == 429
        assert _post_login(second, "ＨＩＥＵＴＲＵＯＮＧ") == 429


@pytest.fixture
def redis_cache(settings):
    """The Redis path (HOCBA_CACHE_URL=redis://…) on the local Redis, in a database and key
    prefix of its own, emptied afterwards."""
    import redis

    config = load_config({"HOCBA_CACHE_URL": "redis://127.0.0.1:6379/13"}).cache
    prefix = f"hocba-test-web-{secrets.token_hex(4)}"
    settings.CACHES = {"default": {**config, "KEY_PREFIX": prefix}}
    client = redis.Redis.from_url("redis://127.0.0.1:6379/13")
    client.ping()  # a missing Redis fails the test: it is part of the set-up
    yield client
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.mark.django_db
def test_with_redis_configured_the_lockout_counts_in_redis(client, redis_cache):
    create_user("hieutruong", PASSWORD)
    for spelling in LOOKALIKES[:MAX_FAILURES]:
        assert _fail(client, spelling).status_code == 200
    keys = [k.decode() for k in redis_cache.scan_iter("hocba-test-web-*:ratelimit:login:*")]
    assert len(keys) == 1
    assert int(redis_cache.get(keys[0])) == MAX_FAILURES
    assert 0 < redis_cache.ttl(keys[0]) <= LOCK_SECONDS
    assert client.post(LOGIN, {"username": "hieutruong", "password": PASSWORD}).status_code == 429


# --- finding 9: the client address behind a proxy ---------------------------------------------


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_the_forwarded_header_is_ignored_without_trusted_proxies(settings):
    settings.HOCBA_TRUSTED_PROXIES = ()
    assert ratelimit.client_address(_request("10.0.0.1", "203.0.113.9")) == "10.0.0.1"


def test_the_forwarded_header_is_honoured_only_from_a_trusted_proxy(settings):
    settings.HOCBA_TRUSTED_PROXIES = trusted_proxies("10.0.0.1, 192.168.0.0/24")
    # The rightmost untrusted hop: what the client wrote on the left proves nothing.
    request = _request("10.0.0.1", "1.2.3.4, 203.0.113.9, 192.168.0.7")
    assert ratelimit.client_address(request) == "203.0.113.9"
    assert ratelimit.client_address(_request("10.0.0.1", "203.0.113.9:5100")) == "203.0.113.9"
    # A client that is not a proxy cannot choose its address.
    assert ratelimit.client_address(_request("198.51.100.3", "203.0.113.9")) == "198.51.100.3"
    assert ratelimit.client_address(_request("10.0.0.1", "nonsense")) == "10.0.0.1"
    assert ratelimit.client_address(_request("10.0.0.1")) == "10.0.0.1"


def test_trusted_proxies_must_be_addresses_or_networks():
    assert [str(n) for n in trusted_proxies("10.0.0.1, 2001:db8::/32")] == [
        "10.0.0.1/32",
        "2001:db8::/32",
    ]
    with pytest.raises(ImproperlyConfigured, match="HOCBA_TRUSTED_PROXIES"):
        trusted_proxies("proxy.example.vn")


@pytest.mark.django_db
def test_a_spoofed_forwarded_header_gives_no_fresh_guesses(client, settings):
    settings.HOCBA_TRUSTED_PROXIES = ()
    for i in range(MAX_FAILURES):
        assert _fail(client, "gvcn", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code == 200
    assert _fail(client, "gvcn", HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_has_its_own_lockout(client, settings):
    settings.HOCBA_TRUSTED_PROXIES = trusted_proxies("127.0.0.1")
    for _ in range(MAX_FAILURES):
        assert _fail(client, "gvcn", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 200
    assert _fail(client, "gvcn", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert _fail(client, "gvcn", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


@pytest.mark.django_db
def test_the_verification_rate_limit_uses_the_same_client_address(client, settings):
    settings.HOCBA_TRUSTED_PROXIES = trusted_proxies("127.0.0.1")
    for _ in range(RATE_LIMIT):
        ok = client.post("/xac-minh/", {"code": "sai"}, HTTP_X_FORWARDED_FOR="203.0.113.7")
        assert ok.status_code == 200
    assert (
        client.post("/xac-minh/", {"code": "sai"}, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code
        == 429
    )
    assert (
        client.post("/xac-minh/", {"code": "sai"}, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code
        == 200
    )


# --- finding 9: Content-Security-Policy and no inline code ------------------------------------


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split(None, 1)[1] for d in header.split(";") if d.strip()}


def test_every_page_carries_a_strict_content_security_policy(client):
    policy = _policy(client.get(LOGIN))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
    assert "unsafe" not in " ".join(policy.values())


INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    "<style> block": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "hx-on attribute": re.compile(r"\s(data-)?hx-on", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_no_template_has_inline_script_style_or_event_handlers():
    templates = sorted(SRC.rglob("*.html"))
    assert len(templates) > 30
    found = [
        f"{path.relative_to(SRC)}: {what}"
        for path in templates
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_markup_built_in_python_has_no_inline_style():
    from hocba.apps.reports.charts import bar_chart, progress_chart

    for svg in (bar_chart("t", [("a", 3)]), progress_chart("t", [("a", 50, 20)])):
        assert not INLINE["style attribute"].search(str(svg))


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(client):
    page = client.get(LOGIN).content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', page)
    assert config is not None
    assert json.loads(config.group(1)) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
        "historyCacheSize": 0,
    }
    for static in ("hocba/hocba.css", "hocba/records.js", "hocba/hocba.js"):
        assert (SRC / "server" / "static" / static).is_file()


# --- finding 9: production settings ------------------------------------------------------------

PRODUCTION_CHILD = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.server.settings")
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
plain = client.get("/dang-nhap/")
secure = client.get("/dang-nhap/", secure=True)
claimed = client.get("/dang-nhap/", headers={"X-Forwarded-Proto": "https"})
print(json.dumps({
    "hsts": settings.SECURE_HSTS_SECONDS,
    "subdomains": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "redirect": settings.SECURE_SSL_REDIRECT,
    "proxy_ssl": settings.SECURE_PROXY_SSL_HEADER,
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "plain": [plain.status_code, plain.get("Location")],
    "secure": [secure.status_code, secure.get("Strict-Transport-Security")],
    "claimed": claimed.status_code,
    "headers": [secure.get("X-Frame-Options"), secure.get("X-Content-Type-Options"),
                secure.get("Referrer-Policy")],
}))
"""


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return _child_env(
        tmp_path,
        f"sqlite:///{tmp_path / 'home' / 'hocba.sqlite3'}",
        HOCBA_ENV="production",
        HOCBA_ALLOWED_HOSTS="hocba.example.vn,testserver",
        HOCBA_PUBLIC_URL="https://hocba.example.vn",  # production refuses to start without it
        **extra,
    )


def _production(env: dict[str, str]) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", PRODUCTION_CHILD],
        env=env, capture_output=True, text=True, check=False, timeout=TIMEOUT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_production_redirects_to_https_and_sends_hsts(tmp_path):
    seen = _production(_production_env(tmp_path))
    assert seen["hsts"] == 365 * 24 * 60 * 60 and seen["subdomains"] is True
    assert seen["redirect"] is True and seen["proxy_ssl"] is None
    assert seen["cookies"] == [True, True]
    assert seen["plain"] == [301, "https://testserver/dang-nhap/"]
    status, hsts = seen["secure"]
    assert status == 200 and "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert seen["claimed"] == 301  # an HTTPS claim without a trusted proxy is not believed
    assert seen["headers"] == ["DENY", "nosniff", "same-origin"]


def test_production_believes_https_only_from_a_trusted_proxy(tmp_path):
    trusted = _production(_production_env(tmp_path, HOCBA_TRUSTED_PROXIES="127.0.0.1"))
    assert trusted["proxy_ssl"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert trusted["claimed"] == 200
    other = _production(_production_env(tmp_path, HOCBA_TRUSTED_PROXIES="10.9.9.9"))
    assert other["claimed"] == 301  # the test client (127.0.0.1) is not that proxy


@pytest.mark.parametrize(
    "key",
    [
        "x",
        "Ab3-Cd4_Ef5-Gh6_" * 2 + "Ij7-Kl8_",  # 40 characters
        "a" * 60 + "bcd",  # 4 different characters
        "django-insecure-" + "Ab3-Cd4_Ef5-Gh6_" * 4,
    ],
    ids=["one-character", "40-characters", "4-different-characters", "django-insecure-prefix"],
)
def test_production_refuses_a_weak_secret_key_at_start(tmp_path, key):
    env = {"HOCBA_ENV": "production", "HOCBA_HOME": str(tmp_path), "HOCBA_SECRET_KEY": key,
           "HOCBA_PUBLIC_URL": "https://hocba.example.vn"}  # fmt: skip
    with pytest.raises(ImproperlyConfigured, match="HOCBA_SECRET_KEY is too weak"):
        load_config(env)
    assert load_config({**env, "HOCBA_SECRET_KEY": STRONG_KEY}).secret_key == STRONG_KEY
    assert load_config({**env, "HOCBA_ENV": "development"}).secret_key == key


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hocba.cli", "manage", *args],
        env=env, capture_output=True, text=True, check=False, timeout=TIMEOUT,
    )  # fmt: skip


def test_the_server_does_not_start_with_a_weak_key_in_production(tmp_path):
    proc = _manage(_production_env(tmp_path, HOCBA_SECRET_KEY="x"), "check")
    assert proc.returncode != 0
    assert "HOCBA_SECRET_KEY is too weak" in proc.stderr


def test_check_deploy_is_clean_in_production(tmp_path):
    proc = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert proc.returncode == 0, proc.stderr
    assert "System check identified no issues" in proc.stdout


# --- finding 9: nothing personal stays in a cache ------------------------------------------------


def _no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.fixture
def school_records(class_3a):  # noqa: F811  (the fixture imported above)
    (child, version), *_ = class_3a
    issue(version)
    principal = create_user(
        "hieutruong", PASSWORD, role=Role.PRINCIPAL, org_unit=child.school_class.school.org_unit
    )
    parent = create_user("phuhuynh", PASSWORD, role=Role.PARENT, student=child.student)
    return version, principal, parent


@pytest.mark.django_db
def test_record_downloads_and_pages_behind_login_are_not_stored(client, school_records):
    version, principal, parent = school_records
    cls = version.enrolment.school_class
    gvcn = create_user("gvcn", PASSWORD, role=Role.HOMEROOM_TEACHER, school_class=cls)
    for user, urls in (
        (principal, [reverse("signing:download", args=[version.pk, "pdf"]),
                     reverse("accounts:home"), reverse("records:review", args=[cls.pk])]),
        (gvcn, [reverse("imports:roster_template", args=[cls.pk]),
                reverse("imports:evaluation_template", args=[cls.pk])]),
        (parent, [reverse("portal:download", args=[version.pk, "pdf"]),
                  reverse("portal:index")]),
    ):  # fmt: skip
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert _no_store(response), url


def test_any_attachment_or_answer_to_a_post_is_not_stored_and_public_pages_may_be():
    def respond(request):
        response = HttpResponse(b"%PDF-")
        response["Content-Disposition"] = 'attachment; filename="hoc-ba.pdf"'
        return response

    factory = RequestFactory()
    anonymous = factory.get("/chuyen-truong/nhan/1/pdf/")
    anonymous.user = AnonymousUser()
    assert _no_store(PrivateResponseMiddleware(respond)(anonymous))
    posted = factory.post("/xac-minh/")
    posted.user = anonymous.user
    assert _no_store(PrivateResponseMiddleware(lambda r: HttpResponse("ok"))(posted))
    public = factory.get("/xac-minh/")
    public.user = anonymous.user
    assert "no-store" not in PrivateResponseMiddleware(lambda r: HttpResponse("ok"))(public).get(
        "Cache-Control", ""
    )
