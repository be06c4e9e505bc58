"""Concurrent appenders never fork the chain: every event gets the next seq (on PostgreSQL a
locked head row alone let a waiter reuse the old head's seq)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from hocba.apps.audit import services
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag


@pytest.mark.django_db(transaction=True)
def test_threads_appending_at_once_keep_one_unbroken_chain():
    # SQLite's test database is in memory (shared cache): a second writer gets "table is
    # locked" at once instead of waiting, so there the appends run in one thread.
    threads_n = 6 if connection.vendor == "postgresql" else 1
    start = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def append() -> None:
        try:
            start.wait()
            for i in range(5):
                services.record(EventTag.ACCOUNT_USER_CREATED, data={"i": i})
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=append) for _ in range(threads_n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 5 * threads_n + 1))
    assert services.verify_chain() is None
