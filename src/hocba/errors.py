"""One error tree for hocba: a machine ``code`` plus a Vietnamese message for users.

Logs use ``str(err)`` (English ``detail``); user interfaces show ``err.message_vi``.
"""

from __future__ import annotations


class HocbaError(Exception):
    """Base of every error hocba raises on purpose."""

    code: str = "hocba.error"

    def __init__(self, message_vi: str, *, detail: str = "", code: str | None = None) -> None:
        super().__init__(detail or message_vi)
        self.message_vi = message_vi
        self.detail = detail or message_vi
        if code is not None:
            self.code = code


class InvalidRecord(HocbaError):
    """A document is not a valid học bạ record (unreadable or against the schema)."""

    code = "record.invalid"


class CatalogError(HocbaError):
    """The subject catalog has no entry for a school year and grade."""

    code = "catalog.unavailable"
