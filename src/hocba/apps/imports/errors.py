"""Errors of the imports app (the pure ones live in ``hocba.ingest.rows``)."""

from __future__ import annotations

from hocba.ingest.rows import ImportRejected, UnreadableWorkbook

__all__ = ["ImportRejected", "UnreadableWorkbook"]
