"""``hocba status export -o FILE`` — the status list of issued and superseded record versions,
for ``hocba verify FILE --status-file`` (``hocba.verify.status``)."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group()
def status() -> None:
    """Trạng thái các phiên bản học bạ đã ban hành (hiện hành hay đã được thay thế)."""


@status.command("export")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True,
              help="Tệp JSON ghi danh sách trạng thái.")  # fmt: skip
@click.option("--school", "school_code", default=None, help="Chỉ học bạ của trường có mã này.")
def export(output: Path, school_code: str | None) -> None:
    """Xuất danh sách trạng thái (mã học bạ, phiên bản, mã băm, trạng thái, thay thế bởi, lý do,
    ngày) kèm mã băm SHA-256 của danh sách, để xác minh ngoại tuyến với --status-file."""
    from hocba.cli.django import setup_django

    setup_django()
    from hocba.apps.verification.status import status_list

    document = status_list(school_code)
    output.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    n = len(document["entries"])
    superseded = sum(1 for e in document["entries"] if e["status"] == "superseded")
    click.echo(f"Đã ghi {n} phiên bản ({superseded} đã được thay thế) vào {output}.")
