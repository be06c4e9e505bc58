"""``hocba worker`` — run background tasks (signing batches) from the database queue."""

from __future__ import annotations

import datetime as dt

import click


@click.command()
@click.option(
    "--batch",
    is_flag=True,
    help="Chạy hết các tác vụ đang chờ rồi thoát (không chờ tác vụ mới).",
)
@click.option(
    "--stale-after",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Khi khởi động, đưa lại vào hàng đợi tác vụ 'đang chạy' bắt đầu quá số giây này "
    "(0: mọi tác vụ đang chạy — dùng khi chỉ có một tiến trình worker).",
)
def worker(batch: bool, stale_after: int) -> None:
    """Chạy tác vụ nền (ký học bạ theo lớp/trường). Dừng an toàn bằng Ctrl+C (SIGTERM)."""
    from hocba.cli.django import setup_django
    from hocba.signing import speedups

    speedups.install()  # a process of its own that signs in bulk (not the web process)

    setup_django()
    from django.core.management import call_command

    requeued = requeue_stale(dt.timedelta(seconds=stale_after))
    if requeued:
        click.echo(f"Đưa lại vào hàng đợi {requeued} tác vụ bị gián đoạn.")
    call_command("db_worker", reload=False, batch=batch, startup_delay=not batch)


def requeue_stale(older_than: dt.timedelta) -> int:
    """Tasks left RUNNING by a killed worker go back to READY (the tasks are resumable)."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - older_than
    return (
        DBTaskResult.objects.running()
        .filter(started_at__lte=cutoff)
        .update(status="READY", started_at=None)
    )
