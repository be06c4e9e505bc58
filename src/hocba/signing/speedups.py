"""Targeted speed-ups of pyHanko and asn1crypto, installed ONLY by an explicit ``install()``.

Importing this module (or ``hocba.signing``, ``hocba.verify``, any Django app) changes
nothing. ``install()`` is called by the entry points whose throughput matters and that run
in a process of their own: ``hocba worker`` and its task ``run_signing_batch`` (signing
batches), and ``hocba bench`` (its command and its spawned school workers), so the bench
measures what the worker runs. It is never called by verification — ``hocba.verify``, the
public verification page, ``hocba verify`` —, by the web process (a typed-PIN batch signs
in a thread of the web process, unpatched), nor by ``hocba sign``. ``installed()`` says what
is in place; ``uninstall()`` puts pyHanko's and asn1crypto's own members back (tests).

Each patch replaces one member of a pinned dependency (``pyproject.toml`` bounds pyHanko,
pyhanko-certvalidator and asn1crypto to the minor versions of ``PROVEN_ON``); ``PATCHES``
names each target, and ``tests/security/test_patches.py`` fails if a target disappears or
its signature differs from the one recorded when the patch was proven.

1. ``pyhanko.pdf_utils.generic.read_hex_string_from_stream`` — pyHanko reads hex strings
   one byte at a time through a generator; a signature's ``/Contents`` is ~20,000 digits,
   ~15 ms per parse of a signature dictionary. The common case (hex digits and whitespace
   up to ``>``) is read with ``bytes.find`` and ``unhexlify``; anything else (comments, bad
   characters, end of data) goes to pyHanko's function from the same position. Proof:
   ``tests/signing/test_speedups.py`` (same value, position and errors as pyHanko's, cases
   and hypothesis-generated strings).
2. ``pyhanko.pdf_utils.generic._read_string_literal_bytes`` — literal strings ``(...)``
   read byte by byte too (~40 per record). A string with no ``(`` or ``\\`` before its
   closing ``)`` is taken whole; anything else goes to pyHanko's function from the start.
   Proof: as 1.
3. ``asn1crypto.x509.Name.__eq__`` — RFC 5280 name comparison runs RFC 4518 string
   preparation (pure-Python ``stringprep``) on every attribute, ~0.3 ms a name, hundreds of
   times per verified record (issuer matching, path building, ESS ids). The replacement
   returns asn1crypto's own ``__eq__`` result, remembered per pair of encodings: the
   original is a pure function of the two encodings, a result is stored only after the
   original returned it (an exception is never stored, so it is raised again), and
   nothing else is decided by the patch. Security matters here (a wrong ``True`` could
   let a rogue CA pass for a real one), hence this shape rather than a reimplementation.
   Proof: ``tests/security/test_patches.py`` compares it with the original on generated
   names (UTF8/Printable/BMP/Teletex/Universal strings, case, inner/outer whitespace,
   compatibility characters, prohibited characters, multi-valued RDNs), built and parsed.
4. ``asn1crypto.x509.NameTypeAndValue.prepped_value`` — the same preparation, used by
   ``hashable`` (pyhanko-certvalidator's registry lookups). The original getter's result,
   remembered per encoding of the attribute; exceptions never stored. Proof: as 3.
5. ``pyhanko.sign.general.as_signing_certificate``, ``…as_signing_certificate_v2`` and
   ``pyhanko.sign.attributes.as_signing_certificate_v2`` (imported there by name) — the ESS
   signing-certificate attributes, built for every signature and timestamp token,
   re-encode the issuer name on each dump (~4 ms a signature). Signing only. The DER built
   by pyHanko's own function is kept per certificate and hash algorithm and each call
   returns a fresh value parsed from it. Proof: ``tests/signing/test_speedups.py``
   (byte-identical to pyHanko's for every certificate of the test PKI).

The worker also verifies every record it issues (the VALID check before a record is issued),
in its patched process: that is why 1–4 must give exactly the libraries' results, and why
each is proven to rather than trusted.

Gains (docs/performance.md, "Where the speed-ups run"): 20 records signed (3 × B-T) then
verified in one process, CPU: signing 2.2–2.4 s unpatched → 0.8–0.9 s installed, verifying
2.3–2.4 s → 0.8 s (the readers 1+2 alone: 1.0 s; the name patches 3+4 alone: 1.4 s).
"""

from __future__ import annotations

import binascii
import logging
import re
from dataclasses import dataclass
from typing import Any

from asn1crypto import tsp, x509
from pyhanko.pdf_utils import generic
from pyhanko.sign import attributes, general

log = logging.getLogger(__name__)

PROVEN_ON = {"pyHanko": "0.38", "pyhanko-certvalidator": "0.33", "asn1crypto": "1.5"}
"""The minor versions the patches were proven on (the upper bounds in ``pyproject.toml``)."""

_MEMO_MAX = 4096
"""Entries per memo; once full, later values are computed each time (never evicted)."""
_MEMO_KEY_MAX = 2048
"""Encodings longer than this (bytes, both names together) are never remembered."""

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


_original_name_eq = vars(x509.Name)["__eq__"]
_original_prepped = vars(x509.NameTypeAndValue)["prepped_value"]
_NAME_EQ: dict[tuple[bytes, bytes], bool] = {}
_PREPPED: dict[bytes, str] = {}


def name_eq(self: x509.Name, other: object) -> bool:
    """asn1crypto's ``Name.__eq__``, its result remembered per pair of encodings."""
    if not isinstance(other, x509.Name):
        return False  # as the original, before anything else
    key = (self.dump(), other.dump())
    result = _NAME_EQ.get(key)
    if result is None:
        result = _original_name_eq(self, other)  # raises as asn1crypto does
        if len(_NAME_EQ) < _MEMO_MAX and len(key[0]) + len(key[1]) <= _MEMO_KEY_MAX:
            _NAME_EQ[key] = result
    return result  # type: ignore[no-any-return]


def prepped_value(self: x509.NameTypeAndValue) -> str:
    """asn1crypto's ``prepped_value`` getter, its result remembered per encoding."""
    if self._prepped is None:
        key = self.dump()
        value = _PREPPED.get(key)
        if value is None:
            value = _original_prepped.fget(self)  # raises as asn1crypto does
            if len(_PREPPED) < _MEMO_MAX and len(key) <= _MEMO_KEY_MAX:
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
        if len(_ESS) < _MEMO_MAX:
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


@dataclass(frozen=True)
class Patch:
    """One replaced member: ``owner.attribute`` (a module or class) becomes ``replacement``
    (``tests/security/test_patches.py`` records the signature each original was proven with)."""

    target: str
    owner: Any
    attribute: str
    original: Any
    replacement: Any


PATCHES: tuple[Patch, ...] = (
    Patch(
        "pyhanko.pdf_utils.generic.read_hex_string_from_stream",
        generic,
        "read_hex_string_from_stream",
        _original,
        read_hex_string_from_stream,
    ),
    Patch(
        "pyhanko.pdf_utils.generic._read_string_literal_bytes",
        generic,
        "_read_string_literal_bytes",
        _original_literal,
        read_string_literal_bytes,
    ),
    Patch(
        "asn1crypto.x509.Name.__eq__",
        x509.Name,
        "__eq__",
        _original_name_eq,
        name_eq,
    ),
    Patch(
        "asn1crypto.x509.NameTypeAndValue.prepped_value",
        x509.NameTypeAndValue,
        "prepped_value",
        _original_prepped,
        property(prepped_value),
    ),
    Patch(
        "pyhanko.sign.general.as_signing_certificate",
        general,
        "as_signing_certificate",
        _original_signing_certificate,
        as_signing_certificate,
    ),
    Patch(
        "pyhanko.sign.general.as_signing_certificate_v2",
        general,
        "as_signing_certificate_v2",
        _original_signing_certificate_v2,
        as_signing_certificate_v2,
    ),
    Patch(
        "pyhanko.sign.attributes.as_signing_certificate_v2",  # imported there by name
        attributes,
        "as_signing_certificate_v2",
        vars(attributes)["as_signing_certificate_v2"],
        as_signing_certificate_v2,
    ),
)


def installed() -> tuple[str, ...]:
    """The targets currently replaced by our functions (empty unless ``install()`` ran)."""
    return tuple(p.target for p in PATCHES if vars(p.owner).get(p.attribute) is p.replacement)


def install() -> tuple[str, ...]:
    """Replace every target (idempotent); returns, and logs once, the targets in place.

    Only for processes that sign in bulk (``hocba worker``, ``hocba bench``): the change is
    process-wide."""
    before = set(installed())
    for patch in PATCHES:
        setattr(patch.owner, patch.attribute, patch.replacement)
    now = installed()
    if set(now) != before:
        log.info("speedups installed: %s", ", ".join(now))
    return now


def uninstall() -> None:
    """Put pyHanko's and asn1crypto's own members back (tests; the memos stay, unused)."""
    for patch in PATCHES:
        setattr(patch.owner, patch.attribute, patch.original)
