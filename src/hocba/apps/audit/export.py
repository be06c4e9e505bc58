"""The audit log as a file (CSV or Excel), the same columns as the page.

Every cell of the workbook is written as text, never as a formula: a name, reason or comment
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return stays what it is. CSV
has no cell types, so such a value gets a leading apostrophe there (the spreadsheet
convention for "this is text").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from hocba.apps.audit.display import EventRow, describe
from hocba.apps.audit.models import AuditEvent

HEADER = ("Số thứ tự", "Thời điểm", "Việc đã làm", "Người thực hiện", "Đối tượng", "Trường",
          "Chi tiết", "Mã sự kiện")  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500
MAX_ROWS = 100_000  # one file; narrow the filters for more


def _cells(row: EventRow) -> tuple[str, ...]:
    at = timezone.localtime(row.at).strftime("%d/%m/%Y %H:%M:%S")
    return (str(row.seq), at, row.action, row.actor, row.subject, row.school,
            row.details_text, row.tag)  # fmt: skip


def rows(events: QuerySet[AuditEvent]) -> Iterator[tuple[str, ...]]:
    """Described rows, newest first, resolved a batch at a time (a few queries per batch)."""
    last_seq: int | None = None
    sent = 0
    while sent < MAX_ROWS:
        page = events.order_by("-seq")
        if last_seq is not None:
            page = page.filter(seq__lt=last_seq)
        batch = list(page[: min(BATCH, MAX_ROWS - sent)])
        if not batch:
            return
        for row in describe(batch):
            yield _cells(row)
        sent += len(batch)
        last_seq = batch[-1].seq


def _csv_safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(lines: Iterable[tuple[str, ...]]) -> Iterator[str]:
    """CSV lines (UTF-8 with a BOM so spreadsheet programs read the diacritics)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    for line in lines:
        writer.writerow([_csv_safe(v) for v in line])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def to_xlsx(lines: Iterable[tuple[str, ...]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Nhật ký")
    sheet.append([_text(sheet, h) for h in HEADER])
    for line in lines:
        sheet.append([_text(sheet, v) for v in line])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text(sheet: object, value: str) -> WriteOnlyCell:
    """A cell that is a string whatever it starts with (openpyxl would make ``=…`` a formula)."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell
