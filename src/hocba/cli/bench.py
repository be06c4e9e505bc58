"""``hocba bench`` — how fast hocba renders, signs, verifies, imports and serves, each against
the bare library doing the same work in the same run (docs/performance.md)."""

from __future__ import annotations

import json
import signal

import click
from rich.console import Console


@click.command()
@click.option(
    "--records",
    type=click.IntRange(1),
    default=1000,
    show_default=True,
    help="Số học bạ của công đoạn cả trường.",
)
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=2,
    show_default=True,
    help="Số tiến trình của công đoạn cả trường.",
)
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.option(
    "--quick",
    is_flag=True,
    help="Chạy thử nhanh (CI): ít lần lặp, ít máy khách, tệp nhỏ; số liệu không đáng tin.",
)
def bench(records: int, workers: int, as_json: bool, quick: bool) -> None:
    """Đo tốc độ kết xuất, ký, xác minh, nhập bảng tính và web so với thư viện trần."""
    from hocba.bench.harness import Options, run, table
    from hocba.signing import speedups

    speedups.install()  # measure what ``hocba worker`` runs

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds: server stopped, database dropped, temp removed

    signal.signal(signal.SIGTERM, stop)
    err = Console(stderr=True)
    report = run(
        Options(records=records, workers=workers, quick=quick),
        progress=lambda text: err.print(f"[dim]… {text}[/dim]"),
    )
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        out = Console()
        Console(width=None if out.is_terminal else 200).print(table(report))
