"""Server-side SVG bar charts (no JavaScript, no CDN): plain markup, every text escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

BAR = "#8b1e1e"
BACK = "#e9d6d6"
ROW = 28
LABEL_WIDTH = 220
BAR_WIDTH = 300
VALUE_WIDTH = 80


def _svg(height: int, title: str, body: list[str]) -> SafeString:
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    # every text inserted below is escaped
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" '
        f'class="bar-chart" font-family="serif" font-size="13">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def bar_chart(title: str, rows: Sequence[tuple[str, int]]) -> SafeString:
    """One horizontal bar per row, scaled to the largest value; the count beside it."""
    top = max((value for _, value in rows), default=0) or 1
    total = sum(value for _, value in rows)
    body = []
    for i, (label, value) in enumerate(rows):
        y = i * ROW
        w = round(BAR_WIDTH * value / top)
        share = f" ({round(100 * value / total)}%)" if total else ""
        body.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 18}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 5}" width="{w}" height="{ROW - 10}" fill="{BAR}"/>'
            f'<text x="{LABEL_WIDTH + w + 6}" y="{y + 18}">{value}{share}</text>'
        )
    return _svg(max(ROW * len(rows), ROW), title, body)


def progress_chart(title: str, rows: Sequence[tuple[str, int, int]]) -> SafeString:
    """Per row two percentages: a light bar (entered) behind a dark one (issued)."""
    body = []
    for i, (label, entered, issued) in enumerate(rows):
        y = i * ROW
        back = round(BAR_WIDTH * min(entered, 100) / 100)
        front = round(BAR_WIDTH * min(issued, 100) / 100)
        body.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 18}" text-anchor="end">'
            f"{escape(label[:34])}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 5}" width="{BAR_WIDTH}" height="{ROW - 10}" '
            f'fill="none" stroke="#d6dbe1"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 5}" width="{back}" height="{ROW - 10}" '
            f'fill="{BACK}"><title>Đã nhập {entered}%</title></rect>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 5}" width="{front}" height="{ROW - 10}" '
            f'fill="{BAR}"><title>Đã ban hành {issued}%</title></rect>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 18}">{issued}%</text>'
        )
    return _svg(max(ROW * len(rows), ROW), title, body)
