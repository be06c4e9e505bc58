"""Typst deadlocks in a process forked after it was loaded: the renderer fails fast there,
and renders in workers started with ``spawn``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FORKED = textwrap.dedent(
    """
    import os, sys
    from hocba.errors import HocbaError
    from hocba.render import render_pdf
    from tests.builders import primary_record

    render_pdf(primary_record())
    pid = os.fork()
    if pid == 0:
        try:
            render_pdf(primary_record())
        except HocbaError as exc:
            print(exc.detail, flush=True)
            os._exit(3)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))
    """
)

SPAWNED = textwrap.dedent(
    """
    import multiprocessing
    from hocba.render import render_pdf
    from tests.builders import primary_record

    def job(_):
        return render_pdf(primary_record())[:5]

    if __name__ == "__main__":
        render_pdf(primary_record())
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            print(pool.map(job, range(2)))
    """
)


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(code)
    return subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_a_forked_child_gets_an_error_not_a_deadlock(tmp_path):
    result = _run(FORKED, tmp_path)
    assert result.returncode == 3, result.stderr
    assert "spawn" in result.stdout


def test_spawned_workers_render(tmp_path):
    result = _run(SPAWNED, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[b'%PDF-', b'%PDF-']"
