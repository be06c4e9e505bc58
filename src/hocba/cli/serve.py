"""``hocba serve`` — the web app on the embedded default (SQLite + files under HOCBA_HOME)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from hocba.apps.accounts.demo import DemoAccount


def accounts_table(accounts: Sequence[DemoAccount]) -> Table:
    """The demo accounts as a table: username, password, role, scope."""
    table = Table(
        "Tên đăng nhập", "Mật khẩu", "Vai trò", "Phạm vi", title="Tài khoản mẫu (chỉ để thử)"
    )
    for account in accounts:
        table.add_row(account.username, account.password, account.role, account.scope)
    return table


def print_demo_accounts(console: Console, accounts: Sequence[DemoAccount]) -> None:
    if accounts:
        console.print(accounts_table(accounts))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Địa chỉ lắng nghe.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
def serve(host: str, port: int) -> None:
    """Chạy ứng dụng web (cập nhật CSDL, in các tài khoản mẫu nếu đã có dữ liệu mẫu)."""
    from hocba.cli.django import setup_django

    setup_django()  # migrates quietly
    from django.conf import settings
    from django.core.management import call_command

    from hocba.apps.accounts.demo import ensure_demo_accounts

    console = Console()
    if not settings.DEBUG:
        call_command("collectstatic", interactive=False, verbosity=0)
    print_demo_accounts(console, ensure_demo_accounts())
    console.print(f"Mở [bold]http://{host}:{port}/[/bold] trong trình duyệt. Dừng: Ctrl+C.")
    # Django's development server, without the reloader (its child process would survive a
    # kill of the parent); --insecure serves static files when DEBUG is off.
    call_command("runserver", f"{host}:{port}", use_reloader=False, insecure_serving=True)
