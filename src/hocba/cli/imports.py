"""``hocba import`` (a filled workbook into a school year) and ``hocba import-template``."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def _school_and_year(school_code: str, year_code: str):  # type: ignore[no-untyped-def]
    from hocba.apps.directory.models import School, SchoolYear

    school = School.objects.select_related("org_unit").filter(school_code=school_code).first()
    if school is None:
        click.echo(f"Không có trường mã {school_code}.", err=True)
        sys.exit(2)
    year = SchoolYear.objects.filter(code=year_code).first()
    if year is None:
        click.echo(f"Không có năm học {year_code} (dạng NNNN-NNNN, ví dụ 2024-2025).", err=True)
        sys.exit(2)
    return school, year


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--school", "school_code", required=True, help="Mã trường.")
@click.option("--year", "year_code", required=True, help="Năm học, ví dụ 2024-2025.")
def import_(file: Path, school_code: str, year_code: str) -> None:
    """Nhập bảng tính (.xlsx: danh sách học sinh và/hoặc đánh giá) vào một năm học của trường.

    Kiểm tra toàn bộ tệp trước; có lỗi thì liệt kê mọi lỗi và không ghi gì. Mã thoát 0: đã
    nhập (hoặc không có gì thay đổi); 1: tệp có lỗi, không ghi gì; 2: không đọc được tệp.
    """
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from hocba.cli.django import setup_django

    setup_django()
    from hocba.apps.imports.workbook import import_workbook
    from hocba.ingest.read import read_workbook
    from hocba.ingest.rows import ImportRejected, UnreadableWorkbook

    console = Console(stderr=True)
    school, year = _school_and_year(school_code, year_code)
    try:
        data = file.read_bytes()
    except OSError as err:
        click.echo(f"Không đọc được tệp {file}: {err.strerror}.", err=True)
        sys.exit(2)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("Đọc tệp…", total=None)
        try:
            parsed = read_workbook(
                data,
                source=file.name,
                school_year=year.code,
                progress=lambda sheet: progress.update(task, description=f"Đọc trang '{sheet}'…"),
            )
        except UnreadableWorkbook as err:
            progress.stop()
            click.echo(err.message_vi, err=True)
            sys.exit(2)
        progress.update(task, description="Kiểm tra và ghi vào cơ sở dữ liệu…")
        try:
            summary = import_workbook(school, year, parsed, actor=None)
        except ImportRejected as rejected:
            progress.stop()
            click.echo(rejected.message_vi)
            for problem in rejected.problems:
                click.echo(f"- {problem.describe_vi()}")
            sys.exit(1)
    click.echo(f"Đã nhập {file.name} vào {school.name}, năm học {year.code}.")
    click.echo(summary.describe_vi())
    if not summary.changed:
        click.echo("Không có gì thay đổi.")


@click.command("import-template")
@click.option("--school", "school_code", required=True, help="Mã trường.")
@click.option("--year", "year_code", required=True, help="Năm học, ví dụ 2024-2025.")
@click.option(
    "--kind",
    type=click.Choice(["roster", "evaluations"]),
    required=True,
    help="roster: danh sách học sinh; evaluations: đánh giá các môn, phẩm chất, năng lực.",
)
@click.option(
    "--class",
    "class_names",
    multiple=True,
    help="Tên lớp (lặp lại được); mặc định: mọi lớp của trường trong năm học.",
)
@click.option("--subject", "subjects", multiple=True, help="Chỉ các môn này (mã môn, ví dụ TOAN).")
@click.option("-o", "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def import_template(
    school_code: str,
    year_code: str,
    kind: str,
    class_names: tuple[str, ...],
    subjects: tuple[str, ...],
    out: Path,
) -> None:
    """Tạo bảng tính mẫu (.xlsx) đã điền sẵn học sinh (và dữ liệu đã lưu) để nhập lại.

    Mã thoát 0: đã ghi tệp; 2: không có trường, năm học hoặc lớp, hoặc không ghi được tệp.
    """
    from hocba.cli.django import setup_django

    setup_django()
    from hocba.apps.directory.models import SchoolClass
    from hocba.apps.imports.workbook import evaluation_workbook, roster_workbook

    school, year = _school_and_year(school_code, year_code)
    classes = list(SchoolClass.objects.filter(school=school, school_year=year))
    if class_names:
        by_key = {c.name.casefold(): c for c in classes}
        unknown = [name for name in class_names if name.casefold() not in by_key]
        if unknown:
            click.echo(f"Không có lớp {', '.join(unknown)} trong năm học {year.code}.", err=True)
            sys.exit(2)
        classes = [by_key[name.casefold()] for name in dict.fromkeys(class_names)]
    if kind == "roster":
        data = roster_workbook(school, year, classes)
    else:
        data = evaluation_workbook(
            school, year, classes, subjects=list(subjects) or None, ratings=not subjects
        )
    try:
        out.write_bytes(data)
    except OSError as err:
        click.echo(f"Không ghi được {out}: {err.strerror}.", err=True)
        sys.exit(2)
    click.echo(f"Đã ghi mẫu {out} ({len(classes)} lớp).")
