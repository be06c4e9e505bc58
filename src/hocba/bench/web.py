"""The web stage: hocba's pages under a production WSGI server, loaded on loopback.

For each database (SQLite in a temporary ``HOCBA_HOME``; PostgreSQL when
``HOCBA_BENCH_DATABASE_URL`` or ``HOCBA_TEST_DATABASE_URL`` names a server, in a database of
its own created and dropped here) a child process seeds a demo school (``seed``), then
gunicorn (gthread workers) serves ``hocba.bench.wsgi`` on a free loopback port and a bounded
aiohttp load generator — a fixed number of requests, a time cap — asks for a 30-student class
grid (as its homeroom teacher), an issued record's PDF (as a parent) and a static file (the
baseline, served by the same server).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from hocba.bench.stats import Figure, Row, percentile

STUDENTS_PER_CLASS = 30
GRID_GRADE, GRID_SUBJECT = 3, "TV"
SERVER_WORKERS, SERVER_THREADS = 2, 8


@dataclass(frozen=True)
class Load:
    """How hard and how long the load generator pushes."""

    clients: tuple[int, ...] = (10, 50)
    requests_per_client: int = 4  # per repetition: clients × this many requests
    repeat: int = 3
    time_cap: float = 30.0  # seconds per repetition, whatever is left unsent is not sent
    students: int = STUDENTS_PER_CLASS  # in the class grid
    import_students: int = 1000  # in the imported workbook
    import_repeat: int = 3


@dataclass(frozen=True)
class Database:
    label: str  # "SQLite", "PostgreSQL"
    url: str | None  # None: SQLite in HOCBA_HOME
    admin_url: str | None = None  # where to CREATE/DROP DATABASE (PostgreSQL)
    name: str | None = None


def postgres_server() -> str | None:
    return os.environ.get("HOCBA_BENCH_DATABASE_URL") or os.environ.get("HOCBA_TEST_DATABASE_URL")


@contextlib.contextmanager
def database(db: Database) -> Iterator[None]:
    """A dedicated PostgreSQL database for the run, dropped afterwards (nothing for SQLite)."""
    if db.url is None:
        yield
        return
    import psycopg

    with psycopg.connect(db.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db.name}"')
    try:
        yield
    finally:
        with psycopg.connect(db.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


def databases() -> list[Database]:
    out = [Database("SQLite", None)]
    server = postgres_server()
    if server:
        name = f"hocba_bench_{os.getpid()}"
        parts = urlsplit(server)
        out.append(
            Database("PostgreSQL", urlunsplit(parts._replace(path=f"/{name}")), server, name)
        )
    return out


def _env(home: Path, db: Database) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.pop("HOCBA_DATABASE_URL", None)
    env.update(
        HOCBA_HOME=str(home),
        HOCBA_ENV="development",
        HOCBA_DEBUG="0",  # as served: no query log, no debug pages
        HOCBA_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="hocba.server.settings",
    )
    if db.url:
        env["HOCBA_DATABASE_URL"] = db.url
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- the seeding child process ---------------------------------------------------------------


def seed(out: Path, students: int, import_students: int, import_repeat: int) -> None:
    """Run in a child (``python -m hocba.bench.web seed OUT …``) on a fresh database: migrate,
    time the spreadsheet import (``hocba.bench.imports``) ``import_repeat`` times, then seed a
    demo school, one issued signed record, a teacher's and a parent's session; writes the
    import figures, URLs and cookies as JSON to ``out``."""
    from hocba.cli.django import setup_django

    setup_django()
    from hocba.bench import imports

    runs = [imports.run(import_students) for _ in range(import_repeat)]
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from hocba.apps.accounts.services import create_user
    from hocba.apps.records.demo import issue_demo_classes, load_demo_school
    from hocba.demo.generate import demo_school
    from hocba.render import render_pdf
    from hocba.signing import init_pki, sign_all
    from hocba.signing.xades import sign_xml_all
    from hocba.spec import load_record
    from hocba.spec.xml import to_xml

    call_command("collectstatic", interactive=False, verbosity=0)
    school = demo_school(classes_per_grade=1, students_per_class=students)
    stored = load_demo_school(school)
    grid_class = next(e.school_class for e, _ in stored if e.school_class.grade == GRID_GRADE)
    child, version = next((e, v) for e, v in stored if e.school_class.grade == 1)
    record = load_record(bytes(version.canonical))
    pki = init_pki(
        Path(settings.HOCBA_HOME) / "pki", teachers=[s.full_name for s in record.signers][:1],
        principal=school.principal, school=school.school.name,
    )  # fmt: skip
    keys = {s.role: pki.load_signer(s.role, s.full_name) for s in record.signers}
    signed = sign_all(render_pdf(record), keys, pki.timestamper(), trust=pki.trust())
    xml = sign_xml_all(to_xml(record), keys, pki.timestamper(), trust=pki.trust())
    assert issue_demo_classes(1, {record.record_id: (signed, xml)}) == 1
    password = "bench-" + os.urandom(8).hex()
    teacher = create_user("bench-gvcn", password, role="homeroom_teacher", school_class=grid_class)
    parent = create_user("bench-parent", password, role="parent", student=child.student)

    def cookie(user: Any) -> str:
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        return f"{name}={client.cookies[name].value}"

    static = sorted(p for p in Path(settings.STATIC_ROOT).rglob("hocba.css"))[0]
    pages = {
        "grid": (f"/lop/{grid_class.pk}/mon/{GRID_SUBJECT}/", cookie(teacher)),
        "download": (f"/gia-dinh/hoc-ba/{version.pk}.pdf", cookie(parent)),
        "static": (
            settings.STATIC_URL.rstrip("/")
            + "/"
            + static.relative_to(settings.STATIC_ROOT).as_posix(),
            "",
        ),
    }
    if not settings.STATIC_URL.startswith("/"):
        pages["static"] = ("/" + pages["static"][0], "")
    figures = {
        "rows": runs[0].rows,
        "cells": runs[0].cells,
        "students": import_students,
        "hocba_rows_per_s": [r.rows_per_s for r in runs],
        "raw_rows_per_s": [r.raw_rows_per_s for r in runs],
    }
    out.write_text(json.dumps({"pages": pages, "students": students, "imports": figures}))


# --- the server ------------------------------------------------------------------------------


@contextlib.contextmanager
def server(env: dict[str, str], home: Path) -> Iterator[str]:
    """gunicorn serving ``hocba.bench.wsgi`` on a free loopback port; yields its base URL."""
    port = free_port()
    log = (home / "gunicorn.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hocba.bench.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread",
         "--workers", str(SERVER_WORKERS), "--threads", str(SERVER_THREADS),
         "--log-level", "warning", "--timeout", "120"],
        env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited: {(home / 'gunicorn.log').read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(base + "/", timeout=2):
                    break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        try:
            yield base
        except RuntimeError as exc:
            log.flush()
            tail = (home / "gunicorn.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{exc}\nserver log:\n{tail}") from exc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


# --- the load generator ----------------------------------------------------------------------


async def load(url: str, cookie: str, clients: int, requests: int, cap: float) -> list[float]:
    """``clients`` concurrent keep-alive clients share ``requests`` GETs of ``url``, stopping at
    ``cap`` seconds; returns each latency in milliseconds. Anything but 200 is an error."""
    import aiohttp

    latencies: list[float] = []
    tickets = iter(range(requests))
    headers = {"Cookie": cookie} if cookie else {}
    timeout = aiohttp.ClientTimeout(total=cap + 30)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(
        connector=connector, headers=headers, timeout=timeout
    ) as session:
        deadline = time.perf_counter() + cap

        async def client() -> None:
            for _ in tickets:
                if time.perf_counter() > deadline:
                    return
                start = time.perf_counter()
                async with session.get(url, allow_redirects=False) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"GET {url}: HTTP {response.status}")
                latencies.append((time.perf_counter() - start) * 1000)

        await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


def _measure(base: str, path: str, cookie: str, clients: int, plan: Load) -> dict[str, Figure]:
    p50, p95, count = [], [], 0
    for _ in range(plan.repeat):
        ms = asyncio.run(
            load(base + path, cookie, clients, clients * plan.requests_per_client, plan.time_cap)
        )
        if not ms:
            raise RuntimeError(f"no request to {path} finished within {plan.time_cap} s")
        p50.append(percentile(ms, 50))
        p95.append(percentile(ms, 95))
        count += len(ms)
    return {"p50": Figure.of(p50), "p95": Figure.of(p95), "requests": Figure.of([count])}


PAGES = {
    "grid": "Web: bảng nhập điểm một lớp {students} học sinh (GVCN)",
    "download": "Web: tải học bạ PDF đã ban hành (phụ huynh)",
}


def import_row(figures: dict[str, Any], db: Database) -> Row:
    return Row(
        f"import.{db.label.lower()}",
        f"Nhập bảng tính: {figures['students']} học sinh, {figures['cells']} ô, {db.label}",
        "dòng/giây",
        Figure.of(figures["hocba_rows_per_s"]),
        Figure.of(figures["raw_rows_per_s"]),
        "executemany thô cùng các dòng",
        note=f"{len(figures['hocba_rows_per_s'])} lần; đọc + chuẩn hoá + kiểm tra + ghi; "
        f"{figures['rows']} dòng",
        extra={"database": db.label, "rows": figures["rows"], "cells": figures["cells"]},
    )


def server_rows(plan: Load) -> list[Row]:
    """The spreadsheet import and the web pages, on each database."""
    rows: list[Row] = []
    for db in databases():
        with tempfile.TemporaryDirectory(prefix="hocba-bench-web-") as tmp, database(db):
            home = Path(tmp)
            env = _env(home, db)
            seeded = home / "seeded.json"
            args = [
                str(seeded),
                str(plan.students),
                str(plan.import_students),
                str(plan.import_repeat),
            ]
            done = subprocess.run(
                [sys.executable, "-m", "hocba.bench.web", "seed", *args],
                env=env, cwd=home, capture_output=True, text=True,
            )  # fmt: skip
            if done.returncode:
                raise RuntimeError(f"seeding the {db.label} database failed: {done.stderr[-3000:]}")
            prepared = json.loads(seeded.read_text())
            rows.append(import_row(prepared["imports"], db))
            pages = prepared["pages"]
            with server(env, home) as base:
                static_path, _ = pages["static"]
                for clients in plan.clients:
                    static = _measure(base, static_path, "", clients, plan)
                    for key, stage in PAGES.items():
                        path, cookie = pages[key]
                        ours = _measure(base, path, cookie, clients, plan)
                        rows.append(
                            Row(
                                f"web.{key}.{db.label.lower()}.{clients}",
                                f"{stage.format(students=plan.students)}, {clients} máy khách, {db.label}",
                                "ms p95",
                                ours["p95"],
                                static["p95"],
                                "tệp tĩnh, cùng máy chủ",
                                note=f"p50 {ours['p50'].median:.0f} ms (tĩnh {static['p50'].median:.0f} ms); "
                                f"{plan.repeat} lần × {clients * plan.requests_per_client} yêu cầu",
                                extra={
                                    "p50": asdict(ours["p50"]),
                                    "baseline_p50": asdict(static["p50"]),
                                    "clients": clients,
                                    "database": db.label,
                                },
                            )
                        )
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] != ["seed"] or len(sys.argv) != 6:
        sys.exit("usage: python -m hocba.bench.web seed OUT.json STUDENTS IMPORT_STUDENTS REPEAT")
    seed(Path(sys.argv[2]), *(int(a) for a in sys.argv[3:6]))
