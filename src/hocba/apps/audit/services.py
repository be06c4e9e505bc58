"""Appending to and proving the audit chain. Call ``record`` inside the service transaction
that makes the change, so the change and its audit row commit together.

Never put personal data (names, ID numbers, scores) in ``data``: ids and codes only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from hocba.apps.audit import chain, checkpoints
from hocba.apps.audit.checkpoints import Checkpoint
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag

GENESIS = chain.GENESIS


def _subject(subject: Any) -> tuple[str, str]:
    if subject is None:
        return "", ""
    return type(subject).__name__, str(getattr(subject, "pk", subject))


CHAIN_LOCK = 0x686F6362  # "hocb": PostgreSQL advisory lock key of the chain head


def _lock_chain() -> None:
    """On PostgreSQL, wait for the other appenders: locking the last row is not enough under
    READ COMMITTED (a waiter re-reads the old head and reuses its seq). SQLite's IMMEDIATE
    transactions already serialise writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def record(
    tag: EventTag, *, actor: Any = None, subject: Any = None, scope_path: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:  # fmt: skip
    """Append one event. Serialised on the chain head so concurrent writers never fork it."""
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.select_for_update().order_by("-seq").first()
        subject_type, subject_id = _subject(subject)
        fields: dict[str, Any] = {
            "seq": (last.seq + 1) if last else 1,
            "at": timezone.now(),
            "tag": str(tag),
            "actor_id": getattr(actor, "pk", None) if actor is not None else None,
            "actor_label": getattr(actor, "username", "") if actor is not None else "",
            "subject_type": subject_type,
            "subject_id": subject_id,
            "scope_path": scope_path,
            "data": chain.hashable_data(data),
            "prev_hash": last.hash if last else GENESIS,
            "hash_version": chain.CURRENT_VERSION,
        }
        event = AuditEvent.objects.create(
            **fields, hash=chain.row_hash(chain.CURRENT_VERSION, fields)
        )
        checkpoints.after_append(event.seq, event.hash)
        return event


@dataclass(frozen=True)
class ChainBreak:
    """The first thing wrong with the log. ``seq`` names the first bad row; for ``missing``
    and ``truncated``, rows ``seq``..``last_seq`` are gone."""

    seq: int
    kind: str  # "missing" | "link" | "content" | "version" | "checkpoint" | "truncated"
    reason: str
    last_seq: int | None = None


def verify_chain(batch: int = 5000, against: Iterable[Checkpoint] = ()) -> ChainBreak | None:
    """The first broken row, or None when every row links to the previous, hashes right under
    its formula, and every checkpoint in ``against`` still matches the log (its head row is
    there with the same hash, and the log has at least its row count)."""
    heads: dict[int, list[Checkpoint]] = {}
    for cp in against:
        heads.setdefault(cp.seq, []).append(cp)
    prev, version, expected_seq = GENESIS, 1, 1
    for event in _iterate(batch):
        if event.seq != expected_seq:
            return ChainBreak(
                expected_seq, "missing", f"rows {expected_seq}..{event.seq - 1} missing",
                last_seq=event.seq - 1,
            )  # fmt: skip
        if event.prev_hash != prev:
            return ChainBreak(
                event.seq, "link", "previous-hash link broken (row deleted or reordered)"
            )
        if event.hash_version not in chain.VERSIONS or event.hash_version < version:
            return ChainBreak(
                event.seq, "version", f"hash version {event.hash_version} after {version}"
            )
        if chain.row_hash(event.hash_version, _stored(event)) != event.hash:
            return ChainBreak(event.seq, "content", "content does not match its hash (row altered)")
        for cp in heads.get(event.seq, ()):
            if cp.hash != event.hash:
                return ChainBreak(
                    event.seq, "checkpoint",
                    f"row differs from checkpoint of {cp.at} (log rewritten from here or before)",
                )  # fmt: skip
        prev, version, expected_seq = event.hash, event.hash_version, expected_seq + 1
    # Rows are 1..expected_seq - 1 without a gap here, so their count is that number.
    return _truncation([cp for group in heads.values() for cp in group], expected_seq - 1)


def truncated_end(against: Iterable[Checkpoint]) -> ChainBreak | None:
    """Rows cut off the end, judged from the table's size alone: reported beside the first
    break ``verify_chain`` found further up (which stops the walk there)."""
    size = AuditEvent.objects.aggregate(rows=Count("id"), last=Max("seq"))
    return _truncation(list(against), size["last"] or 0, rows=size["rows"])


def _truncation(
    against: list[Checkpoint], last_seq: int, rows: int | None = None
) -> ChainBreak | None:
    """A checkpointed head beyond the last row, or fewer rows than a checkpoint counted."""
    if not against:
        return None
    rows = last_seq if rows is None else rows
    newest = max(against, key=lambda c: (c.seq, c.count))
    if newest.seq > last_seq or newest.count > rows:
        return ChainBreak(
            last_seq + 1, "truncated",
            f"rows {last_seq + 1}..{newest.seq} missing: the checkpoint of {newest.at} "
            f"counted {newest.count} rows, the log has {rows}",
            last_seq=max(newest.seq, last_seq + 1),
        )  # fmt: skip
    return None


def _stored(event: AuditEvent) -> dict[str, Any]:
    return {f.attname: getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields}


def _iterate(batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
