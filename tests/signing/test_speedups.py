"""The fast PDF string readers give pyHanko's results and errors, falling back to it for
oddities; the ESS attributes are pyHanko's bytes. Installing them is explicit (when and
where: ``tests/security/test_patches.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO

import pytest
from asn1crypto import x509
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfReadError, PdfStreamError

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


@pytest.mark.parametrize(
    "raw",
    [
        b"(Hello)rest",
        b"()rest",
        "(\ufeffChữ ký số)".encode("utf-16-be").replace(b"\x00(", b"(").replace(b"\x00)", b")")
        + b"rest",
        b"(" + b"x" * 10_000 + b")rest",  # longer than one read chunk
        b"(a (nested) string)rest",  # nested parentheses: pyHanko's function
        b"(escaped \\) paren)rest",
        b"(octal \\101\\102)rest",
        b"(line\\\ncontinued)rest",
        b"(binary \xfe\xff\x00A)rest",
    ],
)
def test_literal_strings_as_pyhanko_reads_them(raw):
    fast, slow = BytesIO(raw), BytesIO(raw)
    assert speedups.read_string_literal_bytes(fast) == speedups._original_literal(slow)
    assert fast.read() == slow.read() == b"rest"


@pytest.mark.parametrize("raw", [b"(unterminated", b"(bad \\q escape)"])
def test_bad_literal_strings_fail_as_in_pyhanko(raw):
    with pytest.raises(PdfReadError):
        speedups._original_literal(BytesIO(raw))
    with pytest.raises(PdfReadError):
        speedups.read_string_literal_bytes(BytesIO(raw))


@pytest.fixture
def installed() -> Iterator[None]:
    """The speed-ups in place for one test; the process's previous state is restored."""
    was = speedups.installed()
    speedups.install()
    try:
        yield
    finally:
        if not was:
            speedups.uninstall()


def test_install_puts_the_readers_in_place(installed):
    assert generic.read_hex_string_from_stream is speedups.read_hex_string_from_stream
    assert generic._read_string_literal_bytes is speedups.read_string_literal_bytes


PDF_BYTES = st.binary(max_size=64) | st.lists(
    st.sampled_from(
        [
            b"4",
            b"a",
            b"F",
            b" ",
            b"\n",
            b"\r",
            b"\t",
            b"\f",
            b"%",
            b">",
            b"<",
            b"(",
            b")",
            b"\\",
            b"\\)",
            b"\\101",
            b"x",
            b"\x00",
            b"\xfe",
        ]
    ),
    max_size=40,
).map(b"".join)


def _outcome(read, raw: bytes) -> tuple[object, ...]:
    stream = BytesIO(raw)
    try:
        value = read(stream)
    except Exception as exc:  # pyHanko's own errors, and its ValueError on octal overflow
        return ("error", type(exc), str(exc))
    return ("value", value, stream.tell())


@settings(max_examples=400, deadline=None)
@given(PDF_BYTES)
def test_hex_strings_read_as_pyhanko_on_generated_bytes(body):
    raw = b"<" + body + b">rest"
    assert _outcome(speedups.read_hex_string_from_stream, raw) == _outcome(speedups._original, raw)
    assert _outcome(speedups.read_hex_string_from_stream, b"<" + body) == _outcome(
        speedups._original, b"<" + body
    )


@settings(max_examples=400, deadline=None)
@given(PDF_BYTES)
def test_literal_strings_read_as_pyhanko_on_generated_bytes(body):
    for raw in (b"(" + body + b")rest", b"(" + body):
        assert _outcome(speedups.read_string_literal_bytes, raw) == _outcome(
            speedups._original_literal, raw
        )


def _name(**attrs: str) -> x509.Name:
    return x509.Name.build(attrs)


NAMES = [
    _name(common_name="Trường Tiểu học Lê Văn Tám", country_name="VN"),
    _name(common_name="trường tiểu học  LÊ VĂN TÁM", country_name="VN"),  # case, spaces
    _name(common_name="Trường Tiểu học Lê Văn Tám", country_name="VN", organization_name="X"),
    _name(common_name="Trường Tiểu học Lê Văn Tám"),
    _name(common_name="Phạm Văn Đức", country_name="VN"),
    x509.Name.build({"common_name": "Truong Tieu hoc", "country_name": "VN"}, use_printable=True),
    _name(common_name="TRUONG  tieu HOC", country_name="VN"),  # utf8 vs printable string
]


@pytest.mark.parametrize("a", range(len(NAMES)))
@pytest.mark.parametrize("b", range(len(NAMES)))
def test_name_comparison_agrees_with_asn1crypto(a, b, installed):
    left, right = NAMES[a], x509.Name.load(NAMES[b].dump())  # parsed afresh, as in a CMS
    assert speedups.name_eq(left, right) is speedups._original_name_eq(left, right)
    assert (left == right) is speedups._original_name_eq(left, right)


def test_name_comparison_with_other_types():
    assert speedups.name_eq(NAMES[0], "Trường") is False


def test_pinned_asn1crypto_internals(installed):
    """The speed-ups replace these asn1crypto members; fail loudly if they change shape."""
    assert "_prepped" in vars(x509.NameTypeAndValue)
    assert isinstance(speedups._original_prepped, property)
    rdn = NAMES[0].chosen[0]
    assert rdn._get_values(rdn) == {"country_name": " vn "}  # RFC 4518 insignificant space
    assert x509.Name.__eq__ is speedups.name_eq


def test_signing_certificate_attributes_are_pyhanko_s(tsa, role_signers, installed):
    from pyhanko.sign import attributes, general

    for cert in (tsa.tsa_cert, *(s.certificate for s in role_signers.values())):
        assert general.as_signing_certificate(cert).dump() == (
            speedups._original_signing_certificate(cert).dump()
        )
        for algo in ("sha256", "sha512"):
            ours = attributes.as_signing_certificate_v2(cert, algo)
            assert ours.dump() == speedups._original_signing_certificate_v2(cert, algo).dump()
            assert isinstance(ours, speedups.tsp.SigningCertificateV2)
    assert attributes.as_signing_certificate_v2 is speedups.as_signing_certificate_v2
    assert general.as_signing_certificate_v2 is speedups.as_signing_certificate_v2
