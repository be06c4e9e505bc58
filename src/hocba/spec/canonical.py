"""Canonical JSON (RFC 8785, JCS) and the record digest every signature and QR code refers to.

The canonical form is the record as this schema emits it: every field present (``null`` when
absent), NFC strings, keys sorted by JCS rules. Any implementation in any language that
validates a record against the published schema, fills absent optional fields with ``null`` and
applies JCS gets the same bytes, hence the same digest.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

from hocba.spec.models import Record

DIGEST_ALGORITHM = "sha256"
LATER_OPTIONAL_FIELDS = ("individual_plan",)
"""Optional fields added to schema 1.0 later; omitted from the JSON form when None."""


def record_data(record: Record) -> dict[str, Any]:
    """The record as plain JSON data (dates as ISO strings, enums as their values).

    Fields added after 1.0 (``individual_plan``) are left out when absent, so a record that
    does not use them keeps the canonical bytes and digest it had before they existed.
    """
    data = record.model_dump(mode="json")
    for name in LATER_OPTIONAL_FIELDS:
        if data.get(name) is None:
            data.pop(name, None)
    return data


def canonical_json(record: Record) -> bytes:
    """RFC 8785 canonical bytes of the record."""
    return rfc8785.dumps(record_data(record))


def record_digest(record: Record) -> str:
    """Hex SHA-256 of ``canonical_json(record)``."""
    return hashlib.sha256(canonical_json(record)).hexdigest()


def pretty_json(record: Record) -> str:
    """Human-friendly JSON of the record (same content as the canonical form)."""
    return json.dumps(record_data(record), ensure_ascii=False, indent=2) + "\n"
