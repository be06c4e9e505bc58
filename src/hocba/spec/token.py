"""The QR token grammar, in one place: how a record names itself, and what a reader may type.

A rendered record carries ``HOCBA:1:<record_id>:<version>:<sha256 hex>`` in its PDF keywords
and, as ``<verify url>?q=<token>``, in its QR code; under the QR code the digest is printed as
``SHA-256`` and four lines of 16 hex digits (``printed_digest_lines``), and the footer prints
``mã học bạ <record_id> · phiên bản <n>``. ``QrToken`` is the strict form (what the renderer
writes and the verifier reads); ``parse_typed`` accepts what a person types from the paper or
pastes: the token, the URL, the digest alone or with the record id, with the spaces, line
breaks, grouping and case it was printed or copied with.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from urllib.parse import unquote_plus

TOKEN_PREFIX = "HOCBA:1"
"""First fields of the verification token; the digit is the token format's version."""
DIGEST_LABEL = "SHA-256"
"""Printed above the digest under the QR code."""
DIGEST_GROUP = 16
"""Hex digits per printed line of the digest (four lines)."""

TOKEN_RE = re.compile(r"HOCBA:1:([0-9a-f-]{36}):(\d{1,6}):([0-9a-f]{64})")
"""The token as written into a PDF (lower-case hex, nothing in between)."""

MAX_TYPED = 1000
"""Longer input is not a code (a URL with the token is ~140 characters)."""

_HEX = "0-9a-fA-F"
_TYPED_TOKEN = re.compile(
    rf"HOCBA:1:([{_HEX}]{{8}}-[{_HEX}]{{4}}-[{_HEX}]{{4}}-[{_HEX}]{{4}}-[{_HEX}]{{12}})"
    rf":(\d{{1,6}}):([{_HEX}]{{64}})",
    re.IGNORECASE,
)
_UUID = re.compile(
    rf"(?<![{_HEX}])[{_HEX}]{{8}}-[{_HEX}]{{4}}-[{_HEX}]{{4}}-[{_HEX}]{{4}}-[{_HEX}]{{12}}"
    rf"(?![{_HEX}])"
)
_QUERY = re.compile(r"[?&]q=([^&#\s]*)")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_DASHES = re.compile("[\u2010-\u2015\u2212]")
# Printed labels a reader may copy along with the code: "SHA-256", "mã học bạ", "mã băm",
# "phiên bản 2" (the version is kept). Vietnamese matched with or without diacritics.
_DIGEST_LABEL = re.compile(r"SHA\s*-?\s*256\s*:?", re.IGNORECASE)
_WORD_LABEL = re.compile(r"m[aã]\s+(h[oọ]c\s+b[aạ]|b[aă]m)\s*:?", re.IGNORECASE)
_VERSION = re.compile(r"phi[eê]n\s+b[aả]n\s*:?\s*(\d{1,6})", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-_:.,;·•/|()]+")
_DIGEST = re.compile(rf"[{_HEX}]{{64}}")


@dataclass(frozen=True)
class QrToken:
    """The QR payload ``HOCBA:1:<record_id>:<version>:<digest>``."""

    record_id: str
    version: int
    digest: str

    @classmethod
    def find(cls, text: str) -> QrToken | None:
        """The first token inside ``text`` (PDF keywords, XMP), exactly as written."""
        match = TOKEN_RE.search(text)
        if match is None:
            return None
        return cls(match[1], int(match[2]), match[3])

    def __str__(self) -> str:
        return f"{TOKEN_PREFIX}:{self.record_id}:{self.version}:{self.digest}"


def verification_url(verify_url: str, token: str) -> str:
    """The address the QR code opens: ``<verify_url>?q=<token>``."""
    return f"{verify_url}?q={token}"


def printed_digest_lines(digest: str) -> list[str]:
    """The digest as printed under the QR code: lines of ``DIGEST_GROUP`` hex digits."""
    return [digest[i : i + DIGEST_GROUP] for i in range(0, len(digest), DIGEST_GROUP)]


@dataclass(frozen=True)
class TypedCode:
    """What a typed or pasted code names: always a digest; the record id and version when
    they were given too."""

    digest: str
    record_id: uuid.UUID | None = None
    version: int | None = None


def parse_typed(text: str) -> TypedCode | None:
    """The code in ``text`` as a person typed or pasted it, or None when it is not one.

    Accepted: the token ``HOCBA:1:…`` (any case, broken over lines); the verification URL
    holding it in ``q``; the digest alone, or with the record id (and ``phiên bản N``) in any
    order, with the ``SHA-256`` / ``mã học bạ`` labels, spaces, line breaks, dashes or dots
    between groups, in upper or lower case. Anything else left over makes it not a code.
    """
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text or ""))
    if len(text) > MAX_TYPED:
        return None
    text = _DASHES.sub("-", text)
    query = _QUERY.search(text)
    if query:
        text = unquote_plus(query[1])
    compact = "".join(text.split())
    token = _TYPED_TOKEN.fullmatch(compact)
    if token:
        return TypedCode(token[3].lower(), uuid.UUID(token[1]), int(token[2]))
    if compact.upper().startswith("HOCBA"):
        return None  # a token, but a damaged one: do not guess its fields
    return _loose(text)


def _loose(text: str) -> TypedCode | None:
    versions = _VERSION.findall(text)
    text = _VERSION.sub(" ", text)
    ids = {uuid.UUID(m) for m in _UUID.findall(text)}
    text = _UUID.sub(" ", text)
    rest = _SEPARATORS.sub("", _WORD_LABEL.sub(" ", _DIGEST_LABEL.sub(" ", text)))
    if len(ids) > 1 or len(set(versions)) > 1 or not _DIGEST.fullmatch(rest):
        return None
    record_id = next(iter(ids), None)
    version = int(versions[0]) if versions and record_id else None
    return TypedCode(rest.lower(), record_id, version)
