"""``hocba manage`` passes its arguments to Django; ``setup_django`` migrates quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from hocba.cli.django import manage, setup_django


def test_manage_passes_options_through_to_django() -> None:
    result = CliRunner().invoke(manage, ["check", "--deploy", "--fail-level", "CRITICAL"])
    assert result.exit_code == 0, result.output
    assert "System check identified" in result.output


@pytest.mark.django_db
def test_setup_django_leaves_no_migration_unapplied(capsys: pytest.CaptureFixture[str]) -> None:
    setup_django()
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert capsys.readouterr().out == ""


def test_hocba_manage_runs_as_a_command(tmp_path: Path) -> None:
    env = {**os.environ, "HOCBA_HOME": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("HOCBA_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "hocba.cli", "manage", "migrate", "--check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # --check exits 1 when migrations are unapplied: a fresh home has none applied yet.
    assert done.returncode == 1, done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "hocba.cli", "manage", "migrate", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "hocba.sqlite3").is_file()
    assert (tmp_path / "secret_key").is_file()
