"""``hocba transfer export|import`` — move a student's signed history to another school
(DOMAIN §6; package format in docs/transfer.md)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from hocba.errors import HocbaError

if TYPE_CHECKING:
    from hocba.verify.bundle import BundleReport

_SEVERITY = {"error": "[red]LỖI[/red]", "warning": "[yellow]Chưa rõ[/yellow]", "info": "[dim]Lưu ý[/dim]"}  # fmt: skip


def _quiet() -> None:
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)


def _fail(exc: HocbaError, code: int = 2) -> None:
    Console(stderr=True, soft_wrap=True).print(
        f"[red]{exc.message_vi}[/red] [dim]({exc.code})[/dim]"
    )
    sys.exit(code)


@click.group()
def transfer() -> None:
    """Chuyển trường: xuất gói hồ sơ học bạ có con dấu số, nhận gói sau khi xác minh."""


@transfer.command("export")
@click.option("--student", "student_code", required=True, help="Mã học sinh.")
@click.option("--school", "school_code", default=None,
              help="Mã trường chuyển đi (mặc định: trường học sinh đang học).")  # fmt: skip
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Tệp gói .zip sẽ ghi.")  # fmt: skip
@click.option("--pin-prompt", is_flag=True,
              help="Hỏi mã PIN của khoá con dấu (không hiện khi gõ) nếu khoá cần PIN.")  # fmt: skip
def export(student_code: str, school_code: str | None, output: Path, pin_prompt: bool) -> None:
    """Xuất gói chuyển trường của một học sinh: mọi học bạ đã ban hành (PDF, XML) và bản kê
    khai có con dấu số của trường.

    Mã thoát: 0 xong; 2 không xuất được (học sinh, trường, khoá ký…).
    """
    from hocba.cli.django import setup_django

    _quiet()
    setup_django()
    from hocba.apps.directory import tenancy
    from hocba.apps.directory.models import School, Student
    from hocba.apps.transfers import services

    try:
        student = Student.objects.filter(student_code=student_code.strip()).first()
        if student is None:
            raise HocbaError(
                f"Không có học sinh mã {student_code}.", code="transfer.unknown_student"
            )
        if school_code:
            school = School.objects.filter(school_code=school_code.strip()).first()
        else:  # the school the student belongs to now (the tenancy rule)
            school = tenancy.owning_school(student)
        if school is None:
            raise HocbaError("Không tìm thấy trường chuyển đi.", code="transfer.unknown_school")
        pin = None
        if pin_prompt and services.seal_needs_pin(school):
            pin = click.prompt("Mã PIN khoá con dấu", hide_input=True)
        package = services.export_package(None, student, school, pin=pin)
    except HocbaError as exc:
        _fail(exc)
    output.write_bytes(package.data)
    Console(soft_wrap=True).print(
        f"[green]Đã xuất gói chuyển trường[/green] của học sinh {student.student_code} "
        f"({package.records} học bạ, con dấu số của {school.name}) → {output}"
    )


@transfer.command("import")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--school", "school_code", required=True, help="Mã trường nhận.")
@click.option("--class", "class_name", required=True,
              help="Lớp học sinh vào học ở trường nhận (trong năm học chứa --date).")  # fmt: skip
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Ngày chuyển đến, YYYY-MM-DD (mặc định hôm nay).")  # fmt: skip
@click.option("--register-number", default="", help="Số đăng bộ ở trường nhận.")
@click.option("--trust", "trust_dir", type=click.Path(path_type=Path), default=None,
              help="Thư mục danh sách tin cậy (mặc định $HOCBA_TRUST_DIR, rồi PKI của máy chủ).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="In báo cáo xác minh dạng JSON.")
def import_(
    file: Path, school_code: str, class_name: str, on: dt.datetime | None, register_number: str,
    trust_dir: Path | None, as_json: bool,
) -> None:  # fmt: skip
    """Nhận gói chuyển trường: xác minh toàn bộ (con dấu số, từng học bạ, mã băm), rồi thêm
    lịch sử học bạ và dòng quá trình học tập "Chuyển đến". Nhận lại cùng gói không thay đổi gì.

    Mã thoát: 0 đã nhận (hoặc đã nhận trước đó); 1 gói KHÔNG HỢP LỆ; 2 CHƯA XÁC ĐỊNH ĐƯỢC
    hoặc lỗi cấu hình/dữ liệu; 3 không đọc được gói.
    """
    from hocba.cli.django import setup_django

    _quiet()
    setup_django()
    from hocba.apps.directory.models import School
    from hocba.apps.transfers import services
    from hocba.apps.transfers.errors import PackageRefused

    console = Console(soft_wrap=True)
    try:
        school = School.objects.filter(school_code=school_code.strip()).first()
        if school is None:
            raise HocbaError(f"Không có trường mã {school_code}.", code="transfer.unknown_school")
        trust = services.import_trust(trust_dir)
        result = services.import_package(
            None, file.read_bytes(), school, class_name=class_name,
            enrolled_on=on.date() if on else None, register_number=register_number, trust=trust,
        )  # fmt: skip
    except PackageRefused as exc:
        if as_json:
            click.echo(json.dumps(exc.report.as_dict(), ensure_ascii=False, indent=2))
        else:
            _print_refusal(console, exc.report)
        sys.exit(exc.report.exit_code)
    except HocbaError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps({**result.report.as_dict(), "imported": result.created,
                               "records_added": result.records}, ensure_ascii=False, indent=2))  # fmt: skip
    elif result.created:
        console.print(
            f"[green]Đã nhận hồ sơ chuyển trường[/green] của học sinh "
            f"{result.transfer.student.student_code} từ {result.transfer.source_school_name}: "
            f"{result.records} học bạ hợp lệ; đã ghi danh “Chuyển đến” lớp "
            f"{result.transfer.enrolment.school_class.name}."
        )
    else:
        console.print(
            "[yellow]Gói này đã được nhận trước đó[/yellow]; không có gì thay đổi "
            f"(hồ sơ chuyển đến #{result.transfer.pk})."
        )


def verify_package_file(console: Console, file: Path, trust: object, *, as_json: bool) -> int:
    """``hocba verify PACKAGE.zip``: the bundle report, printed; returns the exit code."""
    from hocba.limits import default_limits
    from hocba.verify.bundle import verify_bundle

    limits = default_limits()
    with file.open("rb") as fh:
        data = fh.read(limits.bundle_bytes + 1)
    report = verify_bundle(data, trust, limits=limits)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    elif report.ok:
        m = report.manifest
        assert m is not None
        console.print(f"[bold]{file}[/bold]: [bold green]{report.verdict.label_vi}[/bold green]")
        console.print(f"Gói chuyển trường của {m.school.name} ({m.school.code}), đóng dấu số bởi "
                      f"“{report.seal_signer}”; học sinh {m.student.student_code}.")  # fmt: skip
        for r in report.records:
            console.print(f"  • Năm học {r.entry.school_year}, khối {r.entry.grade}: "
                          f"{r.entry.school_name} — PDF và XML hợp lệ")  # fmt: skip
    else:
        _print_problems(console, report, f"{file}")
    return report.exit_code


def _print_problems(console: Console, report: BundleReport, title: str) -> None:
    console.print(f"[red bold]{title}: {report.verdict.label_vi}[/red bold]")
    if report.manifest is not None:
        m = report.manifest
        console.print(
            f"Trường gửi: {m.school.name} ({m.school.code}); học sinh {m.student.student_code}"
        )
    table = Table("Mức", "Tệp", "Lý do", show_lines=False)
    for p in report.problems:
        severity = _SEVERITY.get(p.severity.value, p.severity.value)
        table.add_row(severity, p.field or "—", f"{p.message_vi} [dim]({p.code})[/dim]")
    console.print(table)


def _print_refusal(console: Console, report: BundleReport) -> None:
    _print_problems(console, report, "Gói chuyển trường bị từ chối")
    console.print("Không có gì được ghi vào cơ sở dữ liệu.")
