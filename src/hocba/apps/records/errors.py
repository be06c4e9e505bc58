from __future__ import annotations

from hocba.errors import HocbaError


class RecordImmutable(HocbaError):
    """An issued record version cannot change; a correction is a new version (DOMAIN §6)."""

    code = "record.immutable"
