"""One targeted speed-up of pyHanko's PDF parser, installed when ``hocba.signing`` loads.

pyHanko reads hex strings one byte at a time through a generator. A signature's
``/Contents`` is a ~20,000-digit hex string, so every parse of a signature dictionary costs
~15 ms — when signing a document that already has a certification signature (pyHanko reads
its DocMDP settings) and for every signature verified. The replacement below handles the
common case — hex digits and whitespace up to ``>`` — with ``bytes.find`` and ``unhexlify``,
and hands anything else (comments, bad characters, end of data) back to pyHanko's own
function from the same position, so results and errors are unchanged.
"""

from __future__ import annotations

import binascii
import re
from typing import Any

from pyhanko.pdf_utils import generic

_original = generic.read_hex_string_from_stream
_WHITESPACE = re.compile(rb"[ \n\r\t\f\x00]+")
_NOT_HEX = re.compile(rb"[^0-9A-Fa-f]")
_CHUNK = 1 << 16


def read_hex_string_from_stream(stream: Any) -> Any:
    start = stream.tell()
    stream.read(1)  # "<"
    buffer = b""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        scanned = len(buffer)
        buffer += chunk
        end = buffer.find(b">", scanned)
        if end < 0:
            continue
        digits = _WHITESPACE.sub(b"", buffer[:end])
        if _NOT_HEX.search(digits) is None:
            stream.seek(start + 1 + end + 1)
            if len(digits) % 2:
                digits += b"0"
            return generic.pdf_string(binascii.unhexlify(digits))
        break
    stream.seek(start)
    return _original(stream)


def install() -> None:
    """Idempotent: replace pyHanko's hex-string reader with the fast one."""
    generic.read_hex_string_from_stream = read_hex_string_from_stream
