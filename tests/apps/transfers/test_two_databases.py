"""A transfer between two separate installations: the sending school's database exports with
``hocba transfer export``, the receiving school's (another SQLite file) imports with
``hocba transfer import`` — round trip, refusal with the reason, and a no-op re-import.

Both sides run as child processes that honour ``HOCBA_DATABASE_URL`` like a deployment (two
SQLite files, also when the suite itself runs on PostgreSQL); they share the demo PKI, whose
trust list the receiving school uses.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
CHILD = Path(__file__).with_name("transfer_child.py")
TIMEOUT = 180


def _env(tmp_path: Path, side: str) -> dict[str, str]:
    home = tmp_path / side
    env = {**os.environ, "HOCBA_HOME": str(home), "HOCBA_PKI_DIR": str(tmp_path / "pki"),
           "HOCBA_DATABASE_URL": f"sqlite:///{home / 'hocba.sqlite3'}"}  # fmt: skip
    for name in ("PYTEST_VERSION", "PYTEST_CURRENT_TEST", "HOCBA_TEST_DATABASE_URL",
                 "HOCBA_TRUST_DIR"):  # fmt: skip
        env.pop(name, None)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, capture_output=True, text=True, check=False, timeout=TIMEOUT
    )


def _child(env: dict[str, str], what: str) -> dict:
    proc = _run(env, sys.executable, str(CHILD), what)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _hocba(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("hocba", path=str(Path(sys.executable).parent))
    assert exe is not None
    return _run(env, exe, "transfer", *args)


@pytest.fixture(scope="module")
def sides(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("two-schools")
    sender, receiver = _env(tmp, "sender"), _env(tmp, "receiver")
    issued = _child(sender, "sending")
    school = _child(receiver, "receiving")["school"]
    return tmp, sender, receiver, issued, school


def _import(receiver, package: Path, school: str, *extra: str):
    return _hocba(receiver, "import", str(package), "--school", school, "--class", "4A",
                  "--date", "2025-03-03", *extra)  # fmt: skip


def test_a_transfer_round_trips_between_two_databases(sides):
    tmp, sender, receiver, issued, school = sides
    package = tmp / "goi.zip"
    out = _hocba(sender, "export", "--student", issued["student"], "-o", str(package))
    assert out.returncode == 0, out.stderr
    assert "Đã xuất gói chuyển trường" in out.stdout
    before = _child(receiver, "report")
    assert before["students"] == [] and before["transfers"] == 0

    done = _import(receiver, package, school)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Đã nhận hồ sơ chuyển trường" in done.stdout
    after = _child(receiver, "report")
    assert after["students"] == [issued["student"]]
    assert after["enrolments"] == [[issued["student"], "4A", "transferred_in"]]
    assert [r[:2] for r in after["received"]] == [[issued["student"], issued["digest"]]]
    assert after["tags"].count("transfer:package:imported") == 1
    assert after["chain_break"] is None
    assert "transfer:package:exported" in _child(sender, "report")["tags"]

    again = _import(receiver, package, school)
    assert again.returncode == 0 and "đã được nhận trước đó" in again.stdout
    assert _child(receiver, "report") == after


def test_a_changed_byte_is_refused_by_the_cli_with_the_reason_and_nothing_written(sides):
    tmp, sender, receiver, issued, school = sides
    package = tmp / "goi2.zip"
    assert (
        _hocba(sender, "export", "--student", issued["student"], "-o", str(package)).returncode == 0
    )
    with zipfile.ZipFile(package) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    name = next(n for n in members if n.endswith(".pdf"))
    members[name] = members[name][:2000] + bytes([members[name][2000] ^ 1]) + members[name][2001:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    bad = tmp / "bad.zip"
    bad.write_bytes(out.getvalue())
    before = _child(receiver, "report")
    refused = _import(receiver, bad, school, "--json")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    report = json.loads(refused.stdout)
    assert report["verdict"] == "INVALID"
    assert "transfer.file_modified" in {p["code"] for p in report["problems"]}
    text = _import(receiver, bad, school)
    assert text.returncode == 1 and "bị từ chối" in text.stdout and "đã bị thay đổi" in text.stdout
    assert _child(receiver, "report") == before
    not_zip = tmp / "x.zip"
    not_zip.write_bytes(b"hello")
    assert _import(receiver, not_zip, school).returncode == 3
