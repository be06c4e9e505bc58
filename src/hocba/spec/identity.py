"""Stable record identifiers any system can recompute."""

from __future__ import annotations

import uuid

RECORD_NAMESPACE = uuid.UUID("6f1c1e3a-3d0e-4c59-9a53-1f0e5b2a7c10")


def record_uuid(school_code: str, student_code: str, school_year: str) -> uuid.UUID:
    """The id of a student's học bạ year at one school: UUIDv5 of "school/student/year"."""
    return uuid.uuid5(RECORD_NAMESPACE, f"{school_code}/{student_code}/{school_year}")
