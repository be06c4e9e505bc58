"""``hocba render RECORD -o OUT.pdf`` — the official PDF of one record (PDF/A-3a, unsigned)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from hocba.cli.check import EXIT_OK, EXIT_UNREADABLE, read_record
from hocba.cli.options import public_url_option, verify_url_or_exit
from hocba.errors import HocbaError
from hocba.render import render_pdf
from hocba.spec import RecordProblems

log = logging.getLogger(__name__)


@click.command()
@click.argument("record_file", type=click.Path(path_type=Path, dir_okay=True, exists=False))
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Tệp PDF sẽ ghi ra.",
)
@public_url_option
def render(record_file: Path, output: Path, public_url_opt: str | None) -> None:
    """Kết xuất một học bạ (JSON hoặc XML) ra PDF theo mẫu Thông tư 27.

    Tệp PDF/A-3a có kèm dữ liệu học bạ (record.json, record.xml), mã QR xác minh và các ô
    chữ ký số còn trống cho người ký theo kế hoạch. Mã thoát: 0 thành công; 2 tệp vào không
    đọc được, sai lược đồ, hoặc không ghi được tệp ra (hoặc thiếu --public-url /
    HOCBA_PUBLIC_URL khi HOCBA_ENV=production).
    """
    verify_url = verify_url_or_exit(public_url_opt)
    try:
        record = read_record(record_file)
    except RecordProblems as exc:
        click.echo(f"Tệp '{record_file}' không phải học bạ hợp lệ:", err=True)
        for p in exc.problems:
            click.echo(f"  • {p.path}: {p.message_vi} ({p.code})", err=True)
        sys.exit(EXIT_UNREADABLE)
    try:
        pdf = render_pdf(record, verify_url=verify_url)
        output.write_bytes(pdf)
    except HocbaError as exc:
        log.error("hocba render failed: %s", exc.detail)
        click.echo(exc.message_vi, err=True)
        sys.exit(EXIT_UNREADABLE)
    except OSError as exc:
        click.echo(f"Không ghi được tệp '{output}' ({exc.strerror}).", err=True)
        sys.exit(EXIT_UNREADABLE)
    except Exception as exc:  # never a traceback for a user; the bug is logged in English
        log.exception("hocba render failed unexpectedly: %s", type(exc).__name__)
        click.echo("Lỗi không mong đợi khi kết xuất học bạ; vui lòng báo cho quản trị.", err=True)
        sys.exit(EXIT_UNREADABLE)
    click.echo(f"Đã ghi {output} ({len(pdf) // 1024} KB).")
    sys.exit(EXIT_OK)
