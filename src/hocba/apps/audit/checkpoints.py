"""Signed checkpoints of the audit chain head, kept outside the database.

A hash chain proves that its rows link up; it cannot show that rows were cut off its end:
after ``DELETE ... WHERE seq > 900`` the remaining 900 rows are a perfect chain. A checkpoint
remembers the head — ``count`` rows, last ``seq``, its ``hash``, the time ``at`` — somewhere
the database cannot reach, and ``hocba audit verify`` then demands that every remembered head
is still in the log with the same hash and that the log has at least the newest ``count``.

The choice, and why it is sound against someone holding the database (SQL access, a stolen
password, a restored dump):

- **Where**: one JSON line per checkpoint appended to ``checkpoints.jsonl`` in
  ``HOCBA_AUDIT_CHECKPOINT_DIR`` (default ``<HOCBA_HOME>/audit-checkpoints/``), opened with
  ``O_APPEND`` and fsynced. Deleting log rows does not touch it. A table would not do: whoever
  deletes the rows deletes the checkpoints with them.
- **Signed**: each line carries an HMAC-SHA256 over its RFC 8785 canonical JSON, keyed by
  ``HOCBA_AUDIT_CHECKPOINT_KEY`` (Django setting, else environment) or else the key file
  ``<HOCBA_HOME>/audit-checkpoint.key`` (32 random bytes, generated once, mode 0600). The key
  is never in the database, so a checkpoint cannot be forged or edited without it — also on a
  copy shipped off the box or kept on shared storage.
- **Not Ed25519, not the school seal**: the process that writes checkpoints also verifies
  them, so a public key would add key management without taking anything from a database
  attacker; the school seal needs a person or a token per signature, and the log belongs to
  the whole instance, not one school.

Checkpoints are written every ``HOCBA_AUDIT_CHECKPOINT_EVERY`` events (default 100; 0 turns
it off), after the transaction that appended the event commits, and by
``hocba audit checkpoint`` (run it from cron so a quiet instance is covered too). What an
attacker can still hide is in ``docs/audit.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rfc8785
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hocba.apps.audit.chain import GENESIS, SAFE_INT
from hocba.errors import HocbaError

log = logging.getLogger(__name__)

FILE_NAME = "checkpoints.jsonl"
KEY_FILE = "audit-checkpoint.key"
DEFAULT_EVERY = 100
FORMAT = 1
_SIGNED = ("v", "count", "seq", "hash", "at")


class CheckpointError(HocbaError):
    """Checkpoints cannot be written or read (no key, unwritable directory)."""

    code = "audit.checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    """The chain head at one moment: ``count`` rows up to ``seq`` whose row hash is ``hash``."""

    count: int
    seq: int
    hash: str
    at: str
    line: int = 0


@dataclass(frozen=True)
class CheckpointLog:
    """What ``read`` found: the checkpoints whose signature holds, and the lines refused."""

    path: Path
    checkpoints: list[Checkpoint] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def _setting(name: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, "")
    return str(value).strip()


def checkpoint_dir() -> Path:
    raw = _setting("HOCBA_AUDIT_CHECKPOINT_DIR")
    return Path(raw).expanduser() if raw else Path(settings.HOCBA_HOME) / "audit-checkpoints"


def every() -> int:
    """Events between automatic checkpoints; 0: only ``hocba audit checkpoint`` writes them."""
    raw = _setting("HOCBA_AUDIT_CHECKPOINT_EVERY")
    if not raw:
        return DEFAULT_EVERY
    if not raw.isdigit():
        raise CheckpointError(
            "HOCBA_AUDIT_CHECKPOINT_EVERY phải là số nguyên không âm.",
            detail=f"HOCBA_AUDIT_CHECKPOINT_EVERY must be a non-negative integer, got {raw!r}",
        )
    return int(raw)


def load_key(*, create: bool) -> bytes:
    """The HMAC key: the setting/variable, else the key file (generated when ``create``)."""
    configured = _setting("HOCBA_AUDIT_CHECKPOINT_KEY")
    if configured:
        return configured.encode("utf-8")
    path = Path(settings.HOCBA_HOME) / KEY_FILE
    if create and not path.exists():
        _create_key(path)
    try:
        key = path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise CheckpointError(
            "Không có khóa ký điểm chốt nhật ký (HOCBA_AUDIT_CHECKPOINT_KEY hoặc tệp khóa).",
            detail=f"no audit checkpoint key: HOCBA_AUDIT_CHECKPOINT_KEY unset, {path}: "
            f"{type(exc).__name__}",
        ) from exc
    if not key:
        raise CheckpointError(
            "Tệp khóa ký điểm chốt nhật ký bị rỗng.", detail=f"empty key file {path}"
        )
    return key.encode("ascii")


def _create_key(path: Path) -> None:
    """Write a fresh key beside, then link it into place: a process racing us either wins
    the link or reads the complete key, never an empty file. Failure: ``load_key`` reports."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, path)
    except OSError:  # FileExistsError: another process won; others: reading reports them
        pass
    finally:
        tmp.unlink(missing_ok=True)


def _mac(body: dict[str, Any], key: bytes) -> str:
    return hmac.new(key, rfc8785.dumps(body), hashlib.sha256).hexdigest()


def append(count: int, seq: int, head_hash: str, *, directory: Path | None = None) -> Checkpoint:
    """Sign the head and append it as one line (``O_APPEND``, fsync)."""
    directory = directory or checkpoint_dir()
    key = load_key(create=True)
    at = timezone.now().astimezone(dt.UTC)
    body: dict[str, Any] = {
        "v": FORMAT, "count": count, "seq": seq, "hash": head_hash, "at": at.isoformat(),
    }  # fmt: skip
    line = json.dumps({**body, "mac": _mac(body, key)}, separators=(",", ":")) + "\n"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(directory / FILE_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise CheckpointError(
            f"Không ghi được điểm chốt nhật ký vào {directory}.",
            detail=f"audit checkpoint not written to {directory}: {type(exc).__name__}: {exc}",
        ) from exc
    return Checkpoint(count=count, seq=seq, hash=head_hash, at=body["at"])


def take(*, directory: Path | None = None) -> Checkpoint:
    """Checkpoint the current head of the log (an empty log: count 0, the genesis hash)."""
    from hocba.apps.audit.models import AuditEvent

    head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    if head is None:
        return append(0, 0, GENESIS, directory=directory)
    # Rows commit in seq order (appends hold the chain lock until commit), so counting up to
    # the head is one consistent snapshot even while others append.
    count = AuditEvent.objects.filter(seq__lte=head["seq"]).count()
    return append(count, head["seq"], head["hash"], directory=directory)


def after_append(seq: int, row_hash: str) -> None:
    """Every ``every()`` events, checkpoint this head once its transaction commits (a rolled
    back event must not become a head that verification then finds missing)."""
    n = every()
    if n and seq % n == 0:
        transaction.on_commit(lambda: _checkpoint_committed(seq, row_hash), robust=True)


def _checkpoint_committed(seq: int, row_hash: str) -> None:
    from hocba.apps.audit.models import AuditEvent

    try:
        append(AuditEvent.objects.filter(seq__lte=seq).count(), seq, row_hash)
    except CheckpointError as exc:
        # The change and its event are committed: failing the request now would not undo
        # them. Say it loudly; the next checkpoint (or ``hocba audit checkpoint``) covers it.
        log.error("audit checkpoint at seq %s not written: %s", seq, exc.detail)


def read(*, directory: Path | None = None) -> CheckpointLog:
    """Every line of the checkpoint file, its signature checked. No file: no checkpoints."""
    path = (directory or checkpoint_dir()) / FILE_NAME
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return CheckpointLog(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(
            f"Không đọc được tệp điểm chốt {path}.",
            detail=f"checkpoint file {path}: {type(exc).__name__}",
        ) from exc
    result = CheckpointLog(path)
    if not lines:
        return result
    key = load_key(create=False)
    for number, text in enumerate(lines, start=1):
        checkpoint, reason = _parse(text, key, number)
        if checkpoint is None:
            result.refused.append((number, reason))
        else:
            result.checkpoints.append(checkpoint)
    return result


def _parse(text: str, key: bytes, number: int) -> tuple[Checkpoint | None, str]:
    try:
        raw = json.loads(text)
        body = {name: raw[name] for name in _SIGNED}
        mac = raw["mac"]
    except (ValueError, KeyError, TypeError):
        return None, "unreadable line"
    if set(raw) != {*_SIGNED, "mac"} or body["v"] != FORMAT:
        return None, "unknown fields or format"
    numbers_ok = all(
        isinstance(body[k], int) and not isinstance(body[k], bool) and 0 <= body[k] <= SAFE_INT
        for k in ("count", "seq")
    )
    strings_ok = all(isinstance(v, str) for v in (body["hash"], body["at"], mac))
    if not (numbers_ok and strings_ok):
        return None, "malformed values"
    expected = _mac(body, key)
    if not hmac.compare_digest(expected, mac):
        return None, "bad signature (forged, edited, or another key)"
    return Checkpoint(body["count"], body["seq"], body["hash"], body["at"], number), ""
