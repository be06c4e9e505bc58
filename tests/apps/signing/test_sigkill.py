"""A signing batch survives ``kill -9`` of its worker (issue 5): every record ends signed
exactly once, none lost, none corrupt, and the audit chain stays whole.

The worker runs as a real ``hocba worker`` process on a database the test shares with it:
SQLite in a temporary ``HOCBA_HOME`` or, when ``HOCBA_TEST_DATABASE_URL`` names PostgreSQL, a
database created for this test and dropped after it. pytest-django's test database is not
used (a child process cannot see it); the children run ``sigkill_child.py`` for set-up and
for the report the assertions read.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

CHILD = Path(__file__).with_name("sigkill_child.py")
STUDENTS = 24
KILL_AFTER = STUDENTS // 4
TIMEOUT = 60


@pytest.fixture
def database_url(tmp_path) -> Iterator[str]:
    """A database of the worker's own: the PostgreSQL of the test run if any, else SQLite."""
    base = os.environ.get("HOCBA_TEST_DATABASE_URL", "").strip()
    if not base.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'home' / 'hocba.sqlite3'}"
        return
    import psycopg

    name = f"hocba_sigkill_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {**os.environ, "HOCBA_HOME": str(tmp_path / "home"),
           "HOCBA_PKI_DIR": str(tmp_path / "pki"), "HOCBA_DATABASE_URL": database_url}  # fmt: skip
    # Not "under pytest" for the children: they honour HOCBA_DATABASE_URL like a deployment.
    for name in ("PYTEST_VERSION", "PYTEST_CURRENT_TEST", "HOCBA_TEST_DATABASE_URL"):
        env.pop(name, None)
    return env


def _child(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(CHILD), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def _progress(database_url: str, batch_id: int) -> tuple[int, int]:
    """(done, total) of the batch, read straight from the shared database."""
    sql = "SELECT done_count, total FROM signing_signingbatch WHERE id = "
    if database_url.startswith("sqlite:"):
        path = database_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path, timeout=5)) as conn:
            row = conn.execute(sql + "?", (batch_id,)).fetchone()
    else:
        import psycopg

        with psycopg.connect(database_url) as conn:
            row = conn.execute(sql + "%s", (batch_id,)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _worker(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hocba.cli", "worker", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill reaches every process
    )


@pytest.mark.database
def test_a_batch_killed_with_sigkill_resumes_and_signs_every_record_exactly_once(
    tmp_path, database_url
):
    (tmp_path / "home").mkdir()
    env = _env(tmp_path, database_url)
    started = time.monotonic()
    batch_id = int(_child(env, "setup", str(STUDENTS)))
    timings = {"set-up": time.monotonic() - started}

    started = time.monotonic()
    worker = _worker(env)  # the long-running worker, as deployed
    try:
        deadline = time.monotonic() + TIMEOUT
        done, total = 0, STUDENTS
        while done < KILL_AFTER:  # kill it mid-batch: a quarter of the class signed
            assert worker.poll() is None, "the worker stopped on its own"
            assert time.monotonic() < deadline, f"only {done} records signed in time"
            done, total = _progress(database_url, batch_id)
            time.sleep(0.005)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
    killed_at = _progress(database_url, batch_id)[0]
    timings["start worker, sign until the kill"] = time.monotonic() - started
    assert worker.returncode == -signal.SIGKILL
    assert total == STUDENTS and 0 < killed_at < total, (done, killed_at, total)

    started = time.monotonic()
    resumed = _worker(env, "--batch")  # restart: requeues the task left RUNNING, drains, exits
    out, err = resumed.communicate(timeout=TIMEOUT)
    timings["restarted worker to exit"] = time.monotonic() - started
    assert resumed.returncode == 0, err.decode()
    assert "Đưa lại vào hàng đợi 1 tác vụ bị gián đoạn." in out.decode()

    started = time.monotonic()
    report = json.loads(_child(env, "report", str(batch_id)))
    timings["report"] = time.monotonic() - started
    print(f"killed at {killed_at}/{total} records;",
          ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))  # fmt: skip
    assert report["batch"] == {"status": "done", "total": total, "done": total, "failed": 0}
    assert report["finished_events"] == 1
    assert report["chain_break"] is None
    records = report["records"]
    assert len(records) == total
    for record in records:
        # none lost: every record moved on to GVCN-signed and its item is done
        assert (record["status"], record["item"]) == ("gvcn_signed", "done"), record
        # exactly once: one signature in the PDF, one audit event for it
        assert (record["embedded"], record["item_signatures"]) == (1, 1), record
        assert [e["role"] for e in record["audit_added"]] == ["gvcn"], record
        assert record["audit_added"][0]["batch_id"] == batch_id
        # none corrupt: the PDF parses and its GVCN signature is intact and valid
        assert record["signatures"] == [{"role": "gvcn", "intact": True, "valid": True}], record
