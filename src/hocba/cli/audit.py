"""``hocba audit verify`` — prove the audit log unbroken."""

from __future__ import annotations

import sys

import click


@click.group()
def audit() -> None:
    """Nhật ký kiểm toán (chuỗi băm)."""


@audit.command("verify")
def verify() -> None:
    """Kiểm tra chuỗi băm của nhật ký. Mã thoát 0: nguyên vẹn; 1: có dòng bị sửa, xóa hoặc đảo."""
    from hocba.cli.django import setup_django

    setup_django()
    from hocba.apps.audit.models import AuditEvent
    from hocba.apps.audit.services import verify_chain

    broken = verify_chain()
    total = AuditEvent.objects.count()
    if broken is None:
        click.echo(f"Nhật ký nguyên vẹn: {total} sự kiện, chuỗi băm khớp.")
        return
    click.echo(
        f"Nhật ký BỊ THAY ĐỔI: dòng đầu tiên bị hỏng là #{broken.seq} ({_REASONS_VI[broken.kind]}).",
        err=True,
    )
    sys.exit(1)


_REASONS_VI = {
    "missing": "thiếu dòng — đã bị xóa",
    "link": "liên kết với dòng trước bị đứt — dòng bị xóa hoặc đảo thứ tự",
    "content": "nội dung không khớp mã băm — dòng bị sửa",
}
