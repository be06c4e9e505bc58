"""How an audit row is hashed. Pure functions over plain values: no database access.

Two formulas exist, chosen per row by its ``hash_version`` column:

- **v1** (rows written before ``hash_version`` existed): SHA-256 of a JSON array of
  ``seq, at, tag, actor_id, subject_type, subject_id, scope_path, data, prev_hash``. It leaves
  out ``actor_label`` — the user name, and the only record of which API token acted — so that
  column of a v1 row can be edited without breaking the chain. v1 rows are never re-hashed:
  rewriting history, even to strengthen it, would look exactly like tampering, and the chain
  of old rows would no longer be the one already checked or exported.
- **v2** (every new row): SHA-256 of the RFC 8785 canonical JSON object of **every stored
  column** (``HASHED_FIELDS_V2``), the version itself included, so downgrading a row to v1
  changes its hash like any other edit. Only the surrogate key ``id`` (order and identity
  come from ``seq``) and ``hash`` itself are left out; a test fails when the model gains a
  column that is in neither list.

Adding a column to ``AuditEvent`` therefore needs a v3 formula (and v2 kept for old rows).
Versions never go down along the chain: a v1 row after a v2 row is a break.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import rfc8785

GENESIS = "0" * 64
CURRENT_VERSION = 2
VERSIONS = (1, 2)

HASHED_FIELDS_V1 = (
    "seq", "at", "tag", "actor_id", "subject_type", "subject_id", "scope_path", "data",
    "prev_hash",
)  # fmt: skip
HASHED_FIELDS_V2 = (
    "seq", "at", "tag", "actor_id", "actor_label", "subject_type", "subject_id",
    "scope_path", "data", "prev_hash", "hash_version",
)  # fmt: skip
NOT_HASHED = ("id", "hash")

# RFC 8785 (I-JSON) numbers are IEEE doubles: integers beyond this lose precision.
SAFE_INT = 2**53 - 1


def row_hash(version: int, fields: Mapping[str, Any]) -> str:
    """The hash of one row under formula ``version``; ``fields`` holds at least the columns
    of that formula (``at`` as an aware datetime)."""
    if version == 1:
        return _hash_v1(fields)
    if version == 2:
        return _hash_v2(fields)
    raise ValueError(f"unknown audit hash version {version!r}")


def _hash_v1(f: Mapping[str, Any]) -> str:
    body = json.dumps(
        [f[name] if name != "at" else f["at"].isoformat() for name in HASHED_FIELDS_V1],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )  # fmt: skip
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _hash_v2(f: Mapping[str, Any]) -> str:
    body = {name: f[name] for name in HASHED_FIELDS_V2}
    body["at"] = _utc(f["at"])
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def _utc(at: dt.datetime) -> str:
    """One spelling per instant, whatever time zone the database hands back."""
    if at.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return at.astimezone(dt.UTC).isoformat()


def hashable_data(value: Any) -> Any:
    """``data`` as it will be stored and hashed: JSON values only (anything else as its
    string), integers outside the exactly representable range as strings, so the canonical
    form is the same on write and on every later read."""
    return _safe_ints(json.loads(json.dumps(value or {}, default=str, allow_nan=False)))


def _safe_ints(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) > SAFE_INT:
        return str(value)
    if isinstance(value, list):
        return [_safe_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: _safe_ints(v) for k, v in value.items()}
    return value
