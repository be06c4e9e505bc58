"""CI smoke run of ``hocba bench`` (``--quick``, 20 records): every row is there with positive
figures, the table prints, nothing is left behind. No timing is asserted."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.database]  # its web stage adds PostgreSQL rows


def _expected_keys() -> list[str]:
    databases = ["sqlite"]
    if os.environ.get("HOCBA_BENCH_DATABASE_URL") or os.environ.get("HOCBA_TEST_DATABASE_URL"):
        databases.append("postgresql")
    keys = ["render", "sign", "verify", "school"]
    for db in databases:
        keys.append(f"import.{db}")
        for clients in (2, 5):
            keys += [f"web.grid.{db}.{clients}", f"web.download.{db}.{clients}"]
    return keys


def _positive(figure: dict[str, float]) -> bool:
    return all(math.isfinite(figure[k]) and figure[k] > 0 for k in ("median", "low", "high"))


def test_the_quick_run_reports_every_row_with_positive_figures(tmp_path):
    temp_before = set(Path(tempfile.gettempdir()).glob("hocba-bench-*"))
    done = subprocess.run(
        [sys.executable, "-m", "hocba.cli", "bench", "--records", "20", "--quick", "--json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    rows = {row["key"]: row for row in report["rows"]}
    assert sorted(rows) == sorted(_expected_keys())
    for key, row in rows.items():
        assert _positive(row["hocba"]) and _positive(row["baseline"]), key
        assert row["hocba"]["low"] <= row["hocba"]["median"] <= row["hocba"]["high"], key
        assert row["ratio"] > 0, key
    assert rows["school"]["extra"] == {"records": 20, "workers": 2}
    assert report["machine"]["cores"] >= 1
    assert set(Path(tempfile.gettempdir()).glob("hocba-bench-*")) == temp_before
    assert list(tmp_path.iterdir()) == []


def test_the_table_names_every_stage():
    from rich.console import Console

    from hocba.bench.harness import Options, Report, table
    from hocba.bench.stats import Figure, Row

    figure = Figure.of([1.0, 2.0, 4.0])
    rows = [
        Row("render", "Kết xuất một học bạ", "học bạ/giây/lõi", figure, figure.scaled(2), "typst")
    ]
    report = Report(Options(quick=True), {"cores": 2, "cpu": "x", "load_average": [0, 0, 0]}, rows)
    console = Console(record=True, width=200)
    console.print(table(report))
    text = console.export_text()
    assert "Kết xuất một học bạ" in text and "0.50" in text and "2.00 (1.00–4.00)" in text
