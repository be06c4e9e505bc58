"""``hocba archive refresh DIR|FILE... [--older-than DAYS] [--tsa URL] [--trust DIR]`` —
keep issued records verifiable for decades: a fresh document timestamp (PAdES B-LTA) on every
record whose newest timestamp is older than the threshold."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from pathlib import Path

import click
from rich.console import Console

from hocba.errors import HocbaError

DEFAULT_DAYS = 365


@click.group()
def archive() -> None:
    """Lưu trữ dài hạn học bạ đã ký (PAdES B-LT/B-LTA)."""


@archive.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--older-than", "days", type=click.IntRange(min=0), default=DEFAULT_DAYS,
              show_default=True, help="Chỉ đóng dấu lại học bạ có dấu thời gian mới nhất cũ hơn số ngày này.")  # fmt: skip
@click.option("--tsa", "tsa_url", default=None,
              help="Dịch vụ cấp dấu thời gian RFC 3161 (mặc định $HOCBA_TSA_URL; PKI demo: TSA demo).")  # fmt: skip
@click.option("--trust", "trust_dir", type=click.Path(path_type=Path), default=None,
              help="Thư mục danh sách tin cậy: CA gốc + CRL (mặc định $HOCBA_TRUST_DIR).")  # fmt: skip
def refresh(
    paths: tuple[Path, ...], days: int, tsa_url: str | None, trust_dir: Path | None
) -> None:
    """Thêm dấu thời gian lưu trữ mới (và dữ liệu thu hồi) cho học bạ đã ký quá --older-than ngày.

    Các tệp khác giữ nguyên. Mã thoát: 0 xong; 1 có tệp lỗi; 2 thiếu cấu hình (TSA, tin cậy).
    """
    from hocba.signing.ltv import refresh_files
    from hocba.signing.pki_files import find_pki_for
    from hocba.signing.tsa import TSA_URL_ENV, http_timestamper
    from hocba.verify.trust import TRUST_DIR_ENV, load_trust

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    err = Console(stderr=True, soft_wrap=True)
    where = trust_dir or os.environ.get(TRUST_DIR_ENV, "").strip() or None
    try:
        trust = load_trust(where)
        url = tsa_url or os.environ.get(TSA_URL_ENV, "").strip()
        # a demo PKI directory (or its trust/) as the trust list also brings its demo TSA
        demo = find_pki_for(Path(where) / "trust.pem") if where is not None else None
        if url:
            timestamper = http_timestamper(url)
        elif demo is not None:
            timestamper = demo.timestamper()
        else:
            err.print(
                "[red]Chưa cấu hình dịch vụ cấp dấu thời gian: dùng --tsa URL hoặc "
                "$HOCBA_TSA_URL.[/red] [dim](signing.no_tsa)[/dim]"
            )
            sys.exit(2)
        if trust.empty:
            err.print(
                "[red]Cần danh sách tin cậy (--trust hoặc $HOCBA_TRUST_DIR) để nhúng dữ liệu "
                "thu hồi.[/red] [dim](archive.no_trust)[/dim]"
            )
            sys.exit(2)
        summary = refresh_files(paths, trust, timestamper, older_than=dt.timedelta(days=days))
    except HocbaError as exc:
        err.print(f"[red]{exc.message_vi}[/red] [dim]({exc.code})[/dim]")
        sys.exit(2)
    for path, reason in summary.failed:
        err.print(f"[red]Lỗi[/red] {path}: {reason}")
    click.echo(
        f"Đã đóng dấu thời gian lưu trữ mới: {len(summary.refreshed)}; "
        f"còn mới: {len(summary.recent)}; bỏ qua (chưa ký/không phải học bạ): "
        f"{len(summary.skipped)}; lỗi: {len(summary.failed)}."
    )
    sys.exit(1 if summary.failed else 0)
