"""Server-side SVG bar charts (no JavaScript, no CDN): plain markup, every text escaped.

Sized for a phone: each row is a label line above its bar, in a drawing ``WIDTH`` user units
wide and drawn at that many CSS pixels (``width`` attribute; the stylesheet's
``max-width: 100%`` only ever shrinks it). The narrowest column a 390 px phone leaves the
chart is about 336 px, so a ``FONT_SIZE`` of 15 is still drawn at ≥ 12 px there — on a
desktop the chart is not blown up either."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

BAR = "#8b1e1e"
BACK = "#e9d6d6"
WIDTH = 360
"""Width of the drawing, in user units and CSS pixels."""
FONT_SIZE = 15
PHONE_COLUMN = 336
"""Width (px) a 390 px phone leaves inside a card (main and card padding, borders)."""
ROW = 46
"""Per row: a label line (baseline at 17) then a bar (22–40) with its value beside it."""
BAR_WIDTH = 250
"""Longest bar; the value text (up to about 80 units) fits to its right."""
LABEL_CHARS = 40


def _svg(height: int, title: str, body: list[str]) -> SafeString:
    # every text inserted below is escaped
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'class="bar-chart" font-family="serif" font-size="{FONT_SIZE}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _label(text: str, y: int) -> str:
    short = text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"
    return f'<text x="0" y="{y + 17}">{escape(short)}</text>'


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
            _label(label, y) + f'<rect x="0" y="{y + 22}" width="{w}" height="18" fill="{BAR}"/>'
            f'<text x="{w + 6}" y="{y + 37}">{value}{share}</text>'
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
            _label(label, y) + f'<rect x="0" y="{y + 22}" width="{BAR_WIDTH}" height="18" '
            f'fill="none" stroke="#d6dbe1"/>'
            f'<rect x="0" y="{y + 22}" width="{back}" height="18" '
            f'fill="{BACK}"><title>Đã nhập {entered}%</title></rect>'
            f'<rect x="0" y="{y + 22}" width="{front}" height="18" '
            f'fill="{BAR}"><title>Đã ban hành {issued}%</title></rect>'
            f'<text x="{BAR_WIDTH + 6}" y="{y + 37}">{issued}%</text>'
        )
    return _svg(max(ROW * len(rows), ROW), title, body)
