"""``hocba check RECORD`` — validate one record and apply the TT27 rules to it."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from hocba.errors import CatalogError
from hocba.rules import tt27
from hocba.spec import Problem, Record, RecordProblems, load_record
from hocba.spec.io import MAX_RECORD_BYTES
from hocba.spec.xml import from_xml

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


def read_record(path: Path) -> Record:
    """Read a record from a JSON or XML file; every failure is a RecordProblems."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_RECORD_BYTES + 1)
    except FileNotFoundError:
        raise _one("file.not_found", f"Không tìm thấy tệp '{path}'.") from None
    except IsADirectoryError:
        raise _one("file.is_directory", f"'{path}' là thư mục, không phải tệp.") from None
    except OSError as exc:
        raise _one("file.unreadable", f"Không đọc được tệp '{path}' ({exc.strerror}).") from None
    if data.lstrip()[:1] == b"<":
        return from_xml(data)
    return load_record(data)


def _one(code: str, message: str) -> RecordProblems:
    return RecordProblems([Problem("$", code, message)])


def _report(record: Record) -> dict[str, Any]:
    findings = tt27.evaluate(record)
    try:
        result = tt27.overall_result(record)
        completion = tt27.expected_completion(record)
    except CatalogError:
        result, completion = None, None
    return {
        "record_id": record.record_id,
        "student_code": record.student.student_code,
        "school_year": record.school_year,
        "grade": record.grade,
        "computed": {
            "overall_result": result.value if result else None,
            "overall_result_label": result.label_vi if result else None,
            "completion": completion.model_dump(mode="json") if completion else None,
            "excellent_eligible": result is not None and result.value == "HTXS",
        },
        "findings": [f.as_dict() for f in findings],
        "errors": sum(f.is_error for f in findings),
        "warnings": sum(not f.is_error for f in findings),
    }


def _print_report(console: Console, path: Path, report: dict[str, Any]) -> None:
    computed = report["computed"]
    console.print(f"[bold]{path}[/bold] — lớp {report['grade']}, năm học {report['school_year']}")
    console.print(
        f"Kết quả giáo dục (tính theo TT27): [bold]{computed['overall_result_label'] or '—'}[/bold]"
    )
    completion = computed["completion"]
    if completion is None:
        console.print("Hoàn thành chương trình: chờ đánh giá bổ sung")
    else:
        console.print(f"Hoàn thành chương trình: {completion['statement'] or 'Chưa hoàn thành'}")
    if not report["findings"]:
        console.print("[green]Không có lỗi hay cảnh báo.[/green]")
        return
    for f in report["findings"]:
        level = "[red]LỖI[/red]" if f["severity"] == "error" else "[yellow]Cảnh báo[/yellow]"
        console.print(
            f"  • {level} {f['path']}: {f['message']} [dim]({f['code']}; {f['article']})[/dim]"
        )
    console.print(f"{report['errors']} lỗi, {report['warnings']} cảnh báo.")


@click.command()
@click.argument("record_file", type=click.Path(path_type=Path, dir_okay=True, exists=False))
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def check(record_file: Path, as_json: bool) -> None:
    """Kiểm tra một học bạ (JSON hoặc XML) theo lược đồ và Thông tư 27.

    Mã thoát: 0 không có lỗi; 1 có lỗi theo quy định; 2 tệp không đọc được hoặc sai lược đồ.
    """
    console = Console(soft_wrap=True)
    try:
        record = read_record(record_file)
        report = _report(record)
    except RecordProblems as exc:
        problems = [p.as_dict() for p in exc.problems]
        if as_json:
            click.echo(
                json.dumps({"valid": False, "problems": problems}, ensure_ascii=False, indent=2)
            )
        else:
            console.print(f"[red]Tệp '{record_file}' không phải học bạ hợp lệ:[/red]")
            for p in problems:
                console.print(f"  • {p['path']}: {p['message']} [dim]({p['code']})[/dim]")
        sys.exit(EXIT_UNREADABLE)
    except Exception as exc:  # never a traceback for a user; the bug is logged in English
        log.exception("hocba check failed unexpectedly: %s", type(exc).__name__)
        console.print("[red]Lỗi không mong đợi khi kiểm tra tệp; vui lòng báo cho quản trị.[/red]")
        sys.exit(EXIT_UNREADABLE)
    if as_json:
        click.echo(json.dumps({"valid": True, **report}, ensure_ascii=False, indent=2))
    else:
        _print_report(console, record_file, report)
    sys.exit(EXIT_FINDINGS if report["errors"] else EXIT_OK)
