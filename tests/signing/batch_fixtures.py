"""Rendered record PDFs with distinct ids for the batch tests, rendered once per session."""

from __future__ import annotations

import uuid
from functools import cache

N = 20


@cache
def rendered_records(n: int = N) -> tuple[bytes, ...]:
    """``n`` records rendered by the real renderer (~30 ms each), ids 000…001, 000…002, …"""
    from hocba.render import render_pdf
    from tests.builders import primary_record

    return tuple(render_pdf(primary_record(record_id=str(uuid.UUID(int=i + 1)))) for i in range(n))
