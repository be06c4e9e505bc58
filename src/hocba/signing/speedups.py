"""Targeted speed-ups of pyHanko and asn1crypto, installed when ``hocba.signing`` loads.

1. pyHanko's hex-string reader (below).
2. X.509 name comparison. asn1crypto compares names by RFC 4518 string preparation of every
   attribute (``stringprep`` tables in pure Python), ~0.3 ms per name, and pyHanko compares
   names hundreds of times per verified record (issuer/serial matching, ESS certificate ids,
   path building) — 40 % of a verification. ``Name.__eq__`` now answers ``True`` at once when
   both names have the same DER encoding (same bytes ⇒ same prepared values), else compares
   what asn1crypto's RFC 5280 comparison compares (per RDN: its size and the prepared value
   of each attribute type), memoised by DER encoding — pure functions of the bytes — so
   results are unchanged (pinned against asn1crypto's own ``__eq__`` in the tests).
3. The ESS signing-certificate attributes (``as_signing_certificate[_v2]``), built for every
   signature and every timestamp token: asn1crypto re-encodes the issuer name each time the
   attribute is dumped (~4 ms a signature, and the signed attributes are dumped several
   times). They are pure functions of the certificate, so the DER is built once per
   certificate by pyHanko's own function and each call returns a fresh value parsed from it.
4. pyHanko reads literal strings ``(...)`` one byte at a time too; a record has ~40 of them
   (UTF-16 field names, signers, reasons). A string with no ``(`` or ``\\`` before its
   closing ``)`` is taken whole; any other hands over to pyHanko's function from the start.

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

from asn1crypto import tsp, x509
from pyhanko.pdf_utils import generic
from pyhanko.sign import attributes, general

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


_original_literal = generic._read_string_literal_bytes
_LITERAL_SPECIAL = re.compile(rb"[()\\]")
_LITERAL_CHUNK = 4096


def read_string_literal_bytes(stream: Any) -> bytes:
    start = stream.tell()
    stream.read(1)  # "("
    buffer = b""
    while True:
        chunk = stream.read(_LITERAL_CHUNK)
        if not chunk:
            break
        scanned = len(buffer)
        buffer += chunk
        special = _LITERAL_SPECIAL.search(buffer, scanned)
        if special is None:
            continue
        if special.group() == b")":
            end = special.start()
            stream.seek(start + 1 + end + 1)
            return buffer[:end]
        break
    stream.seek(start)
    return _original_literal(stream)  # type: ignore[no-any-return]


_original_name_eq = x509.Name.__eq__
_original_prepped = x509.NameTypeAndValue.prepped_value
_PREPPED: dict[bytes, str] = {}
_PREPPED_MAX = 4096


_NAME_KEYS: dict[bytes, tuple[object, ...]] = {}


def name_key(name: x509.Name) -> tuple[object, ...]:
    """What asn1crypto's ``Name.__eq__`` compares: per RDN, its size and its prepared
    values by attribute type (memoised by the name's DER encoding)."""
    der = name.dump()
    key = _NAME_KEYS.get(der)
    if key is None:
        rdns = name.chosen
        key = tuple((len(rdn), tuple(sorted(rdn._get_values(rdn).items()))) for rdn in rdns)
        if len(_NAME_KEYS) < _PREPPED_MAX:
            _NAME_KEYS[der] = key
    return key


def name_eq(self: x509.Name, other: object) -> bool:
    if not isinstance(other, x509.Name):
        return False
    return self.dump() == other.dump() or name_key(self) == name_key(other)


def prepped_value(self: x509.NameTypeAndValue) -> str:
    if self._prepped is None:
        key = self.dump()
        value = _PREPPED.get(key)
        if value is None:
            value = _original_prepped.fget(self)  # type: ignore[attr-defined]
            if len(_PREPPED) < _PREPPED_MAX:
                _PREPPED[key] = value
        self._prepped = value
    return self._prepped  # type: ignore[no-any-return]


_original_signing_certificate = general.as_signing_certificate
_original_signing_certificate_v2 = general.as_signing_certificate_v2
_ESS: dict[tuple[str, bytes, str], bytes] = {}


def _ess(kind: str, cert: x509.Certificate, hash_algo: str, build: Any) -> bytes:
    key = (kind, cert.dump(), hash_algo)
    der = _ESS.get(key)
    if der is None:
        der = build().dump()
        if len(_ESS) < _PREPPED_MAX:
            _ESS[key] = der
    return der


def as_signing_certificate(cert: x509.Certificate) -> tsp.SigningCertificate:
    der = _ess("v1", cert, "sha1", lambda: _original_signing_certificate(cert))
    return tsp.SigningCertificate.load(der)


def as_signing_certificate_v2(
    cert: x509.Certificate, hash_algo: str = "sha256"
) -> tsp.SigningCertificateV2:
    der = _ess("v2", cert, hash_algo, lambda: _original_signing_certificate_v2(cert, hash_algo))
    return tsp.SigningCertificateV2.load(der)


def install() -> None:
    """Idempotent: replace pyHanko's string readers, asn1crypto's name comparison and
    pyHanko's ESS signing-certificate builders with the fast ones."""
    generic.read_hex_string_from_stream = read_hex_string_from_stream
    generic._read_string_literal_bytes = read_string_literal_bytes
    x509.Name.__eq__ = name_eq  # type: ignore[method-assign,assignment]
    x509.NameTypeAndValue.prepped_value = property(prepped_value)  # type: ignore[method-assign,assignment]
    general.as_signing_certificate = as_signing_certificate
    general.as_signing_certificate_v2 = as_signing_certificate_v2
    attributes.as_signing_certificate_v2 = as_signing_certificate_v2  # imported by name
