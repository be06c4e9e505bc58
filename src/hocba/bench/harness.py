"""One benchmark run: every stage against its baseline, as a rich table or JSON."""

from __future__ import annotations

import datetime as dt
import os
import platform
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

from hocba.bench.pipeline import Pipeline, Plan, demo_records, make_pki, school_row
from hocba.bench.stats import Row
from hocba.bench.web import Load, server_rows


@dataclass(frozen=True)
class Options:
    records: int = 1000  # the whole-school stage
    workers: int = 2
    quick: bool = False  # CI smoke: few repetitions, few clients, small files

    @property
    def plan(self) -> Plan:
        if self.quick:
            return Plan(repeat=2, batch=2, school_repeat=1)
        return Plan(repeat=5, batch=10, school_repeat=3)

    @property
    def load(self) -> Load:
        if self.quick:
            return Load(clients=(2, 5), requests_per_client=2, repeat=2, time_cap=15,
                        students=5, import_students=10, import_repeat=1)  # fmt: skip
        return Load()


@dataclass
class Report:
    options: Options
    machine: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "options": {
                "records": self.options.records,
                "workers": self.options.workers,
                "quick": self.options.quick,
            },
            "machine": self.machine,
            "seconds": self.seconds,
            "rows": [r.as_json() for r in self.rows],
        }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as f:  # Linux; elsewhere the platform name
        cpu = next(
            (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), ""
        )
    load = os.getloadavg()
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_average": [round(x, 2) for x in load],
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def run(options: Options, progress: Any = None) -> Report:
    """Measure every stage; ``progress(text)`` is told each stage as it starts."""
    say = progress or (lambda text: None)
    started = time.perf_counter()
    report = Report(options, machine())
    plan = options.plan
    with tempfile.TemporaryDirectory(prefix="hocba-bench-") as tmp:
        per_stage = 2 * plan.repeat * plan.batch + 2
        school, records = demo_records(max(per_stage, options.records))
        pki_dir = Path(tmp) / "pki"
        pipeline = Pipeline(make_pki(pki_dir, school), records, plan)
        say("Kết xuất")
        pipeline.render()
        say("Ký số")
        signed = pipeline.sign()
        say("Xác minh")
        pipeline.verify(signed)
        report.rows.extend(pipeline.rows)
        say(f"Cả trường ({options.records} học bạ, {options.workers} tiến trình)")
        report.rows.append(
            school_row(
                records[: options.records],
                pki_dir,
                options.workers,
                plan.school_repeat,
                pipeline.per_record,
            )
        )
    say("Nhập bảng tính và web (SQLite, PostgreSQL nếu có)")
    report.rows.extend(server_rows(options.load))
    report.machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report.seconds = time.perf_counter() - started
    return report


def _figure(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


def table(report: Report) -> Table:
    t = Table(
        "Công đoạn", "Đơn vị", "hocba: trung vị (min–max)", "Mức sàn cùng lần chạy",
        "hocba ÷ sàn", "Ghi chú",
        title=f"hocba bench — {report.machine['cores']} lõi, {report.machine['cpu']}",
        caption=f"Tải máy (1/5/15 phút) trước: {report.machine['load_average']}, "
        f"sau: {report.machine.get('load_average_after')}; {report.seconds:.0f} s",
    )  # fmt: skip
    for row in report.rows:
        t.add_row(
            row.stage, row.unit,
            f"{_figure(row.hocba.median)} ({_figure(row.hocba.low)}–{_figure(row.hocba.high)})",
            f"{_figure(row.baseline.median)} — {row.baseline_label}",
            f"{row.ratio:.2f}", row.note,
        )  # fmt: skip
    return t
