"""Appending to and proving the audit chain. Call ``record`` inside the service transaction
that makes the change, so the change and its audit row commit together.

Never put personal data (names, ID numbers, scores) in ``data``: ids and codes only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag

GENESIS = "0" * 64


def row_hash(
    *, seq: int, at: str, tag: str, actor_id: int | None, subject_type: str, subject_id: str,
    scope_path: str, data: Any, prev_hash: str,
) -> str:  # fmt: skip
    body = json.dumps(
        [seq, at, tag, actor_id, subject_type, subject_id, scope_path, data, prev_hash],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )  # fmt: skip
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


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
        seq = (last.seq + 1) if last else 1
        prev = last.hash if last else GENESIS
        at = timezone.now()
        subject_type, subject_id = _subject(subject)
        actor_id = getattr(actor, "pk", None) if actor is not None else None
        payload = json.loads(json.dumps(data or {}, default=str))
        fields = {
            "seq": seq, "at": at.isoformat(), "tag": str(tag), "actor_id": actor_id,
            "subject_type": subject_type, "subject_id": subject_id, "scope_path": scope_path,
            "data": payload, "prev_hash": prev,
        }  # fmt: skip
        return AuditEvent.objects.create(
            seq=seq, at=at, tag=str(tag), actor_id=actor_id,
            actor_label=getattr(actor, "username", "") if actor is not None else "",
            subject_type=subject_type, subject_id=subject_id, scope_path=scope_path,
            data=payload, prev_hash=prev, hash=row_hash(**fields),
        )  # fmt: skip


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    kind: str  # "missing" | "link" | "content"
    reason: str


def verify_chain(batch: int = 5000) -> ChainBreak | None:
    """The first broken row, or None when every row links to the previous and hashes right."""
    prev, expected_seq = GENESIS, 1
    for event in _iterate(batch):
        if event.seq != expected_seq:
            return ChainBreak(
                expected_seq, "missing", f"row {expected_seq} missing (found {event.seq})"
            )
        if event.prev_hash != prev:
            return ChainBreak(
                event.seq, "link", "previous-hash link broken (row deleted or reordered)"
            )
        fields = {
            "seq": event.seq, "at": event.at.isoformat(), "tag": event.tag,
            "actor_id": event.actor_id, "subject_type": event.subject_type,
            "subject_id": event.subject_id, "scope_path": event.scope_path,
            "data": event.data, "prev_hash": event.prev_hash,
        }  # fmt: skip
        if row_hash(**fields) != event.hash:
            return ChainBreak(event.seq, "content", "content does not match its hash (row altered)")
        prev, expected_seq = event.hash, expected_seq + 1
    return None


def _iterate(batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
