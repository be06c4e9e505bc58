"""``hocba demo`` — a whole demo school year on the embedded default, end to end."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hocba.spec import OverallResult


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Thư mục ghi kết quả (mặc định: <HOCBA_HOME>/demo, tức var/demo).",
)
@click.option("--seed", type=int, default=2025, show_default=True, help="Hạt giống ngẫu nhiên.")
@click.option("--year", "school_year", default="2024-2025", show_default=True, help="Năm học.")
@click.option("--classes-per-grade", type=click.IntRange(1, 8), default=2, show_default=True)
@click.option("--students-per-class", type=click.IntRange(1, 60), default=30, show_default=True)
def demo(
    out_dir: Path | None,
    seed: int,
    school_year: str,
    classes_per_grade: int,
    students_per_class: int,
) -> None:
    """Tạo một trường tiểu học mẫu: học sinh, đánh giá, học bạ (JSON, XML) và bảng tổng hợp."""
    from hocba.cli.django import setup_django

    console = Console()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    setup_django()
    from django.conf import settings

    from hocba.apps.records.demo import load_demo_school
    from hocba.demo.generate import demo_school
    from hocba.rules import tt27
    from hocba.spec import pretty_json
    from hocba.spec.xml import to_xml

    out_dir = out_dir or Path(settings.HOCBA_HOME) / "demo"
    timings["Khởi tạo cơ sở dữ liệu"] = time.perf_counter() - started

    t = time.perf_counter()
    school = demo_school(seed, school_year, classes_per_grade, students_per_class)
    total = sum(len(c.students) for c in school.classes)
    timings["Sinh dữ liệu mẫu"] = time.perf_counter() - t

    t = time.perf_counter()
    with _progress(console) as progress:
        task = progress.add_task("Lưu vào cơ sở dữ liệu", total=total)
        stored = load_demo_school(school, lambda n: progress.advance(task, n))
    timings["Lưu và dựng học bạ từ CSDL"] = time.perf_counter() - t

    t = time.perf_counter()
    from hocba.spec import load_record

    records_dir = out_dir / "records"
    by_class: dict[str, Counter[str]] = {}
    error_count = 0
    with _progress(console) as progress:
        task = progress.add_task("Ghi học bạ JSON/XML", total=len(stored))
        for _enrolment, version in stored:
            record = load_record(bytes(version.canonical))
            errors = [f for f in tt27.evaluate(record) if f.is_error]
            error_count += len(errors)
            folder = records_dir / record.class_name
            folder.mkdir(parents=True, exist_ok=True)
            stem = folder / record.student.student_code
            stem.with_suffix(".json").write_text(pretty_json(record), encoding="utf-8")
            stem.with_suffix(".xml").write_bytes(to_xml(record))
            counts = by_class.setdefault(record.class_name, Counter())
            counts[record.overall_result.value if record.overall_result else "?"] += 1
            progress.advance(task)
    timings["Kiểm tra và ghi tệp"] = time.perf_counter() - t

    _print_summary(console, school.school.name, school_year, by_class)
    timing_table = Table("Công đoạn", "Thời gian (s)", title="Thời gian từng công đoạn")
    for stage, seconds in timings.items():
        timing_table.add_row(stage, f"{seconds:.2f}")
    console.print(timing_table)
    console.print(f"Đã ghi {len(stored)} học bạ vào [bold]{records_dir}[/bold].")
    if error_count:
        console.print(f"[red]{error_count} lỗi theo quy định trong dữ liệu mẫu.[/red]")
        raise SystemExit(1)


def _print_summary(
    console: Console, school_name: str, school_year: str, by_class: dict[str, Counter[str]]
) -> None:
    results = list(OverallResult)
    table = Table(
        "Lớp",
        *(r.label_vi for r in results),
        "Tổng",
        title=f"{school_name} — năm học {school_year}: kết quả giáo dục cuối năm",
    )
    totals: Counter[str] = Counter()
    for class_name in sorted(by_class):
        counts = by_class[class_name]
        totals.update(counts)
        table.add_row(
            class_name, *(str(counts[r.value]) for r in results), str(sum(counts.values()))
        )
    table.add_section()
    table.add_row(
        "Toàn trường", *(str(totals[r.value]) for r in results), str(sum(totals.values()))
    )
    console.print(table)
