"""``hocba worker``: requeues tasks a killed worker left running, then drains the queue."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from hocba.apps.signing.tasks import run_signing_batch
from hocba.cli import main
from hocba.cli.worker import requeue_stale

pytestmark = pytest.mark.django_db


def _running(started: dt.datetime) -> DBTaskResult:
    result = run_signing_batch.enqueue(0)
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", started_at=started)
    return DBTaskResult.objects.get(pk=result.id)


def test_stale_running_tasks_go_back_to_the_queue():
    old = _running(timezone.now() - dt.timedelta(hours=1))
    fresh = _running(timezone.now())
    assert requeue_stale(dt.timedelta(minutes=10)) == 1
    old.refresh_from_db(), fresh.refresh_from_db()
    assert (old.status, old.started_at) == ("READY", None)
    assert fresh.status == "RUNNING"


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection
def test_worker_batch_requeues_and_drains_then_exits():
    task = _running(timezone.now() - dt.timedelta(seconds=5))
    result = CliRunner().invoke(main, ["worker", "--batch"])
    assert result.exit_code == 0, result.output
    assert "1 tác vụ" in result.output
    task.refresh_from_db()
    assert task.status == "FAILED"  # batch 0 does not exist: it ran, and failed
