"""``hocba serve`` and the demo accounts it prints (one per role, on the demo school)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.test import Client
from rich.console import Console

from hocba.apps.accounts import policy
from hocba.apps.accounts.demo import DEMO_PASSWORD, DemoRefused, create_demo_accounts
from hocba.apps.accounts.models import Grant, Role
from hocba.apps.accounts.permissions import Permission
from hocba.apps.directory.models import SchoolClass
from hocba.apps.records.demo import load_demo_school
from hocba.cli.serve import accounts_table
from hocba.demo.generate import demo_school


@pytest.fixture
def demo_db(db):
    return load_demo_school(demo_school(seed=11, classes_per_grade=1, students_per_class=2))


def test_one_demo_account_per_role_with_grants_on_the_demo_school(demo_db, client):
    accounts = create_demo_accounts()
    names = [a.username for a in accounts]
    assert names == [
        "bo", "so", "xa", "hieutruong", "phohieutruong",
        "gvcn1a", "gvcn2a", "gvcn3a", "gvcn4a", "gvcn5a", "gvnn1", "phuhuynh", "hocsinh",
    ]  # fmt: skip
    assert {g.role for g in Grant.objects.all()} == set(Role.values) - {Role.SYSTEM_ADMIN}
    cls_3a = SchoolClass.objects.get(name="3A", school_year__code="2024-2025")
    gvcn = Grant.objects.get(user__username="gvcn3a").user
    assert policy.can(gvcn, Permission.CLASS_RECORD_SIGN, cls_3a)
    teacher = Grant.objects.get(user__username="gvnn1")
    assert (teacher.school_class, teacher.subject_code) == (cls_3a, "NN1")
    assert Grant.objects.get(user__username="phuhuynh").student == (
        Grant.objects.get(user__username="hocsinh").student
    )
    assert client.login(username="hieutruong", password=DEMO_PASSWORD)
    assert all(a.password == DEMO_PASSWORD for a in accounts)


def test_creating_the_demo_accounts_again_replaces_them(demo_db):
    first = create_demo_accounts()
    again = create_demo_accounts()
    assert again == first
    assert Grant.objects.count() == len(first)


def test_demo_accounts_are_refused_in_production(demo_db, settings):
    settings.HOCBA_ENV = "production"
    with pytest.raises(DemoRefused):
        create_demo_accounts()
    assert Grant.objects.count() == 0


def test_the_accounts_table_shows_username_password_role_and_scope(demo_db):
    console = Console(record=True, width=200)
    console.print(accounts_table(create_demo_accounts()))
    text = console.export_text()
    for expected in ("gvcn1a", DEMO_PASSWORD, "Giáo viên chủ nhiệm", "Lớp 1A", "Cán bộ Sở GDĐT"):
        assert expected in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_hocba_serve_prints_the_demo_accounts_and_serves(tmp_path: Path) -> None:
    env = {**os.environ, "HOCBA_HOME": str(tmp_path), "COLUMNS": "200"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("HOCBA_DATABASE_URL", None)
    cli = [sys.executable, "-m", "hocba.cli"]
    demo = subprocess.run(
        [*cli, "demo", "--no-pdf", "--classes-per-grade", "1", "--students-per-class", "1"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    assert "phuhuynh" in demo.stdout and DEMO_PASSWORD in demo.stdout
    port = _free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/xac-minh/", timeout=2) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "Xác minh học bạ số" in body
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    for username in ("bo", "so", "xa", "hieutruong", "gvcn1a", "gvnn1", "phuhuynh", "hocsinh"):
        assert username in output
    assert DEMO_PASSWORD in output


def test_serve_creates_missing_demo_accounts_once_and_never_without_the_demo(demo_db, settings):
    from hocba.apps.accounts.demo import ensure_demo_accounts

    first = ensure_demo_accounts()
    assert [a.username for a in first][:3] == ["bo", "so", "xa"]
    users = {g.user_id for g in Grant.objects.all()}
    assert ensure_demo_accounts() == first
    assert {g.user_id for g in Grant.objects.all()} == users  # not recreated
    settings.HOCBA_ENV = "production"
    assert ensure_demo_accounts() == []


def test_no_demo_accounts_without_the_demo_school(db):
    from hocba.apps.accounts.demo import ensure_demo_accounts

    assert ensure_demo_accounts() == []


def test_the_demo_province_gives_every_role_a_counterpart_in_another_school_and_ward(db):
    from hocba.apps.directory.models import School
    from hocba.apps.records.demo import load_demo_province
    from hocba.demo.generate import SECOND_SCHOOL, demo_second_school

    load_demo_province(
        (
            demo_school(seed=11, classes_per_grade=1, students_per_class=1),
            demo_second_school(seed=12, students_per_class=1),
        )
    )
    first, second = School.objects.order_by("pk")
    assert second.school_code == SECOND_SCHOOL.code
    assert first.org_unit.parent != second.org_unit.parent  # two wards…
    assert first.org_unit.parent.parent == second.org_unit.parent.parent  # …of one department
    names = [a.username for a in create_demo_accounts()]
    plain = [n for n in names if not n.endswith("_b")]
    assert [n for n in names if n.endswith("_b")] == [
        f"{n}_b" for n in plain if n not in ("bo", "so")
    ]
    for username in plain:
        grant = Grant.objects.get(user__username=username)
        if username in ("bo", "so"):
            continue
        counterpart = Grant.objects.get(user__username=f"{username}_b")
        assert counterpart.role == grant.role
        assert (_school_of(grant), _school_of(counterpart)) == (first, second), username
    assert Client().login(username="hieutruong_b", password=DEMO_PASSWORD)


def _school_of(grant: Grant) -> object:
    """The school a demo grant is on (a ward officer's: the one school of the ward)."""
    from hocba.apps.directory.models import Enrolment, School

    if grant.school_class is not None:
        return grant.school_class.school
    if grant.student is not None:
        return Enrolment.objects.filter(student=grant.student).get().school_class.school
    return School.objects.get(org_unit__path__startswith=grant.org_unit.path)
