"""The fast hex-string reader gives pyHanko's results, and falls back to it for oddities."""

from __future__ import annotations

from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError

from hocba.signing import speedups


@pytest.mark.parametrize(
    "raw",
    [
        b"<48656C6C6F>rest",
        b"<48 65 6c\n6C\r\n6F\t>rest",
        b"<486>rest",  # odd number of digits: a trailing 0 is implied
        b"<>rest",
        b"<" + b"AB" * 40_000 + b">rest",  # longer than one read chunk
        b"<4865 % a comment\n6C>rest",  # comments: handed back to pyHanko
    ],
)
def test_same_value_and_position_as_pyhanko(raw):
    fast, slow = BytesIO(raw), BytesIO(raw)
    assert speedups.read_hex_string_from_stream(fast) == speedups._original(slow)
    assert fast.read() == slow.read() == b"rest"


@pytest.mark.parametrize("raw", [b"<48XY>", b"<4865"])
def test_bad_hex_strings_fail_as_in_pyhanko(raw):
    with pytest.raises(PdfStreamError):
        speedups._original(BytesIO(raw))
    with pytest.raises(PdfStreamError):
        speedups.read_hex_string_from_stream(BytesIO(raw))


def test_installed_when_signing_loads():
    import hocba.signing.document  # noqa: F401

    assert generic.read_hex_string_from_stream is speedups.read_hex_string_from_stream
