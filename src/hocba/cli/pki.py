"""``hocba pki init DIR`` — create the demo PKI; ``hocba pki tsa DIR`` — serve its TSA."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from hocba.errors import HocbaError

DEFAULT_TEACHERS = ("Lê Thị Hồng",)
DEFAULT_PRINCIPAL = "Phạm Văn Đức"
DEFAULT_SCHOOL = "Trường Tiểu học Lê Văn Tám"


@click.group()
def pki() -> None:
    """PKI demo (chỉ để thử nghiệm): CA gốc, chứng thư người ký, TSA, CRL."""


@pki.command("init")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--teacher", "teachers", multiple=True, help="Tên GVCN (lặp lại cho nhiều lớp).")
@click.option("--principal", default=DEFAULT_PRINCIPAL, show_default=True, help="Hiệu trưởng.")
@click.option("--school", default=DEFAULT_SCHOOL, show_default=True, help="Tên trường.")
@click.option("--key-type", type=click.Choice(["rsa", "ec"]), default="rsa", show_default=True)
@click.option("--force", is_flag=True, help="Tạo lại nếu thư mục đã có PKI demo.")
def init(
    directory: Path,
    teachers: tuple[str, ...],
    principal: str,
    school: str,
    key_type: str,
    force: bool,
) -> None:
    """Tạo PKI demo trong DIRECTORY (bị từ chối khi HOCBA_ENV=production).

    Mã thoát: 0 đã tạo; 1 bị từ chối hoặc lỗi.
    """
    from hocba.signing.pki import init_pki

    console = Console(soft_wrap=True)
    try:
        made = init_pki(
            directory,
            teachers=list(teachers or DEFAULT_TEACHERS),
            principal=principal,
            school=school,
            key_type="ec" if key_type == "ec" else "rsa",
            force=force,
        )
    except HocbaError as exc:
        console.print(f"[red]{exc.message_vi}[/red] [dim]({exc.code})[/dim]")
        sys.exit(1)
    except OSError as exc:
        console.print(f"[red]Không ghi được vào {directory}: {exc.strerror}.[/red]")
        sys.exit(1)
    console.print(
        f"[bold]Đã tạo PKI demo[/bold] trong {made.directory} — [yellow]chỉ để thử nghiệm[/yellow]."
    )
    for entry in made.signers:
        note = " [red](đã thu hồi)[/red]" if entry.revoked else ""
        console.print(f"  • {entry.role.label_vi}: {entry.name} → {entry.p12}{note}")
    console.print(f"Danh sách tin cậy: {made.trust_dir}   Mật khẩu .p12: {made.password}")


@pki.command("tsa")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=9100, show_default=True, type=int)
def tsa(directory: Path, host: str, port: int) -> None:
    """Chạy TSA demo (RFC 3161, POST /tsa) bằng chứng thư TSA của PKI demo."""
    from aiohttp import web

    from hocba.signing.pki_files import load_pki
    from hocba.signing.tsa import TSA_PATH, tsa_app

    console = Console(soft_wrap=True)
    try:
        stamper = load_pki(directory).timestamper()
    except HocbaError as exc:
        console.print(f"[red]{exc.message_vi}[/red] [dim]({exc.code})[/dim]")
        sys.exit(1)
    console.print(f"TSA demo: http://{host}:{port}{TSA_PATH}  (Ctrl+C để dừng)")
    web.run_app(tsa_app(stamper), host=host, port=port, print=None, access_log=None)
