"""``hocba audit verify`` — prove the audit log unbroken and uncut; ``hocba audit checkpoint``
— sign its current head into the checkpoint file (``hocba.apps.audit.checkpoints``)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from hocba.apps.audit.services import ChainBreak


@click.group()
def audit() -> None:
    """Nhật ký kiểm toán (chuỗi băm, điểm chốt có ký)."""


@audit.command("verify")
def verify() -> None:
    """Kiểm tra chuỗi băm của nhật ký và mọi điểm chốt đã ký. Mã thoát 0: nguyên vẹn;
    1: có dòng bị sửa, xóa, đảo, bị cắt cuối, hoặc điểm chốt bị giả mạo; 2: không đọc được
    điểm chốt (thiếu khóa, lỗi tệp)."""
    from hocba.cli.django import setup_django

    setup_django()
    from hocba.apps.audit import checkpoints
    from hocba.apps.audit.models import AuditEvent
    from hocba.apps.audit.services import truncated_end, verify_chain

    try:
        found = checkpoints.read()
    except checkpoints.CheckpointError as exc:
        click.echo(f"Lỗi: {exc.message_vi}", err=True)
        sys.exit(2)
    broken = verify_chain(against=found.checkpoints)
    total = AuditEvent.objects.count()
    for line, reason in found.refused:
        click.echo(
            f"Điểm chốt BỊ GIẢ MẠO hoặc hỏng: dòng {line} của {found.path} "
            f"({_REFUSED_VI.get(reason, reason)}) — không dùng được.",
            err=True,
        )
    if broken is not None:
        click.echo(_broken_vi(broken), err=True)
        cut = truncated_end(found.checkpoints) if broken.kind != "truncated" else None
        if cut is not None:
            click.echo(_broken_vi(cut), err=True)
    if broken is not None or found.refused:
        sys.exit(1)
    kept = len(found.checkpoints)
    click.echo(f"Nhật ký nguyên vẹn: {total} sự kiện, chuỗi băm khớp, {kept} điểm chốt khớp.")
    if not kept and total:
        click.echo(
            f"Cảnh báo: chưa có điểm chốt nào trong {found.path} — không phát hiện được việc "
            "xóa các dòng cuối. Chạy `hocba audit checkpoint`.",
            err=True,
        )


@audit.command("checkpoint")
def checkpoint() -> None:
    """Ký đầu chuỗi hiện tại (số sự kiện, số thứ tự, mã băm, thời điểm) vào tệp điểm chốt.
    Mã thoát 0: đã ghi; 2: không ghi được (thiếu khóa, thư mục không ghi được)."""
    from hocba.cli.django import setup_django

    setup_django()
    from hocba.apps.audit import checkpoints

    try:
        taken = checkpoints.take()
    except checkpoints.CheckpointError as exc:
        click.echo(f"Lỗi: {exc.message_vi}", err=True)
        sys.exit(2)
    click.echo(
        f"Đã ghi điểm chốt: {taken.count} sự kiện, dòng cuối #{taken.seq}, "
        f"mã băm {taken.hash[:16]}…, vào {checkpoints.checkpoint_dir() / checkpoints.FILE_NAME}."
    )


def _broken_vi(broken: ChainBreak) -> str:
    if broken.kind in ("missing", "truncated"):
        last = broken.last_seq if broken.last_seq is not None else broken.seq
        span = f"#{broken.seq}" if last == broken.seq else f"#{broken.seq}–#{last}"
        what = _REASONS_VI[broken.kind]
        return f"Nhật ký BỊ THAY ĐỔI: thiếu các dòng {span} ({what})."
    return (
        f"Nhật ký BỊ THAY ĐỔI: dòng đầu tiên bị hỏng là #{broken.seq} ({_REASONS_VI[broken.kind]})."
    )


_REASONS_VI = {
    "missing": "thiếu dòng — đã bị xóa",
    "link": "liên kết với dòng trước bị đứt — dòng bị xóa hoặc đảo thứ tự",
    "content": "nội dung không khớp mã băm — dòng bị sửa",
    "version": "phiên bản công thức băm lùi lại — dòng bị sửa",
    "checkpoint": "khác với điểm chốt đã ký — nhật ký đã bị viết lại ở dòng này hoặc trước đó",
    "truncated": "các dòng cuối đã bị cắt sau một điểm chốt đã ký",
}
_REFUSED_VI = {
    "unreadable line": "dòng không đọc được",
    "unknown fields or format": "trường hoặc định dạng lạ",
    "malformed values": "giá trị sai dạng",
    "bad signature (forged, edited, or another key)": "chữ ký sai — bị sửa, giả, hoặc ký bằng khóa khác",
}
