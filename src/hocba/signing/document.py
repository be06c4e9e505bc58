"""What a record PDF says about itself: signature fields, embedded data, QR token.

A rendered record (DOMAIN §1) is a PDF/A-3 file that embeds ``record.json`` (the canonical
JSON of the record) and ``record.xml``, carries the QR payload token
``HOCBA:1:<record_id>:<version>:<sha256 hex>`` in its Info ``/Keywords``, and declares one
empty signature field per planned signer. Reading never trusts the input: every failure is
a ``DocumentError`` with a Vietnamese message.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from hocba.limits import FileLimits, default_limits, vn_bytes
from hocba.signing.errors import DocumentError
from hocba.spec.token import TOKEN_RE, QrToken

__all__ = ["TOKEN_RE", "QrToken", "RecordPdf", "looks_like_pdf", "open_record_pdf"]

MAX_PDF_BYTES = 32 * 1024 * 1024
"""A record PDF is a few hundred kilobytes; larger input is refused unread."""
MAX_ATTACHMENT_BYTES = FileLimits().pdf_embedded_bytes
"""Default bound on one embedded file, decoded (``FileLimits.pdf_embedded_bytes``)."""
RECORD_JSON = "record.json"
RECORD_XML = "record.xml"
PDF_MAGIC_WINDOW = 1024
"""``%PDF-`` must start within this many bytes (as readers accept)."""


def looks_like_pdf(data: bytes) -> bool:
    """Whether ``data`` starts like a PDF (its header within ``PDF_MAGIC_WINDOW`` bytes)."""
    return b"%PDF-" in data[:PDF_MAGIC_WINDOW]


@dataclass(frozen=True, eq=False)
class RecordPdf:
    """A parsed record PDF (latest revision) and the facts signing and verification need."""

    reader: PdfFileReader
    size: int
    fields: tuple[str, ...]
    """Names of all signature fields, in form order."""
    signed: tuple[str, ...]
    """Names of the signed fields, in signing (revision) order."""
    attachments: Mapping[str, bytes] = field(default_factory=dict)
    keywords: str = ""

    @property
    def token(self) -> QrToken | None:
        return QrToken.find(self.keywords)

    @property
    def record_json(self) -> bytes | None:
        return self.attachments.get(RECORD_JSON)


def open_record_pdf(data: bytes, limits: FileLimits | None = None) -> RecordPdf:
    """Parse ``data``; raises ``DocumentError`` for anything that is not a readable PDF, or
    whose embedded files or metadata decode past ``limits`` (checked while inflating)."""
    budget = _Budget(limits or default_limits())
    if not data:
        raise DocumentError("Tệp rỗng.", code="document.empty")
    if len(data) > MAX_PDF_BYTES:
        raise DocumentError(
            f"Tệp quá lớn ({len(data):,} byte); tối đa {MAX_PDF_BYTES:,} byte.",
            code="document.too_large",
        )
    if not looks_like_pdf(data):
        raise DocumentError("Tệp không phải là tài liệu PDF.", code="document.not_pdf")
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            raise DocumentError(
                "Tệp PDF được mã hoá; không thể xác minh.", code="document.encrypted"
            )
        fields, signed = _signature_fields(reader)
        return RecordPdf(
            reader=reader,
            size=len(data),
            fields=fields,
            signed=signed,
            attachments=dict(_attachments(reader.root, budget)),
            keywords=_keywords(reader, budget),
        )
    except DocumentError:
        raise
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, AssertionError, OSError) as exc:  # fmt: skip
        raise DocumentError(
            "Tệp PDF bị hỏng hoặc không đầy đủ (có thể bị cắt cụt).",
            detail=f"unreadable PDF: {exc!r}",
            code="document.corrupt",
        ) from exc


def _signature_fields(reader: PdfFileReader) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """All signature field names, and the signed ones ordered by the revision that filled
    them. Values are not dereferenced: parsing a signature's /Contents costs ~15 ms."""
    names: list[str] = []
    filled: list[tuple[int, str]] = []

    def walk(refs: Any, prefix: str, inherited_type: Any, depth: int) -> None:
        for ref in refs if depth < 16 else ():
            node = ref.get_object()
            if not isinstance(node, generic.DictionaryObject) or "/T" not in node:
                continue  # a widget annotation, not a field
            name = _text(node["/T"])
            full = f"{prefix}.{name}" if prefix else name
            field_type = _get(node, "/FT", inherited_type)
            if "/Kids" in node:
                walk(node["/Kids"], full, field_type, depth + 1)
            if field_type != "/Sig":
                continue
            names.append(full)
            if "/V" in node:
                value = node.raw_get("/V")
                anchor = value if isinstance(value, generic.IndirectObject) else ref
                revision = reader.xrefs.get_introducing_revision(anchor.reference)
                filled.append((revision, full))

    walk(_get(_get(reader.root, "/AcroForm"), "/Fields", generic.ArrayObject()), "", None, 0)
    return tuple(names), tuple(name for _, name in sorted(filled))


def _get(obj: Any, key: str, default: Any = None) -> Any:
    """``obj[key]`` dereferenced, or ``default`` when absent (pyHanko's ``.get`` is raw)."""
    obj = obj.get_object() if isinstance(obj, generic.IndirectObject) else obj
    if not isinstance(obj, generic.DictionaryObject) or key not in obj:
        return default
    return obj[key]


def _keywords(reader: PdfFileReader, budget: _Budget) -> str:
    """Info ``/Keywords``; when it has no token, the XMP metadata packet (``pdf:Keywords``)."""
    value = _get(_get(reader.trailer_view, "/Info"), "/Keywords")
    keywords = _text(value) if value is not None else ""
    if TOKEN_RE.search(keywords) is None:
        xmp = _get(reader.root, "/Metadata")
        if isinstance(xmp, generic.StreamObject):
            packet = budget.decode(xmp, "XMP metadata")
            match = TOKEN_RE.search(packet.decode("utf-8", "replace"))
            keywords = match[0] if match else keywords
    return keywords


def _text(value: Any) -> str:
    value = value.get_object() if isinstance(value, generic.IndirectObject) else value
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def _attachments(root: generic.DictionaryObject, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    """Embedded files: the EmbeddedFiles name tree first, then the catalog's ``/AF``."""
    seen: set[str] = set()
    tree = _get(_get(root, "/Names"), "/EmbeddedFiles")
    if tree is not None:
        for name, spec in _name_tree(tree, depth=0):
            data = _file_data(spec, name, budget) if name not in seen else None
            if data is not None and name not in seen:
                seen.add(name)
                yield name, data
    for spec in _get(root, "/AF", generic.ArrayObject()):
        spec = spec.get_object()
        name = _text(_get(spec, "/UF", _get(spec, "/F", "")))
        data = _file_data(spec, name, budget) if name not in seen else None
        if data is not None and name not in seen:
            seen.add(name)
            yield name, data


def _name_tree(node: generic.DictionaryObject, depth: int) -> Iterator[tuple[str, Any]]:
    if depth > 8:
        return
    entries = _get(node, "/Names")
    if entries is not None:
        for i in range(0, len(entries) - 1, 2):
            yield _text(entries[i]), entries[i + 1].get_object()
    for kid in _get(node, "/Kids", generic.ArrayObject()):
        yield from _name_tree(kid.get_object(), depth + 1)


def _file_data(spec: Any, name: str, budget: _Budget) -> bytes | None:
    if not isinstance(spec, generic.DictionaryObject) or "/EF" not in spec:
        return None
    ef = spec["/EF"]
    stream = _get(ef, "/UF", _get(ef, "/F"))
    if not isinstance(stream, generic.StreamObject):
        return None
    return budget.decode(stream, name)


class _Budget:
    """Decodes embedded streams with a bounded inflater: never more than
    ``pdf_embedded_bytes`` from one stream nor ``pdf_decoded_bytes`` from the whole document
    (pyHanko's ``StreamObject.data`` would inflate everything first: a 0.26 MB PDF can hold
    a 256 MB ``record.json``). Only unfiltered and plain FlateDecode streams are read."""

    def __init__(self, limits: FileLimits) -> None:
        self.limits = limits
        self.left = limits.pdf_decoded_bytes

    def decode(self, stream: generic.StreamObject, name: str) -> bytes:
        limit = min(self.limits.pdf_embedded_bytes, self.left)
        filters = _get(stream, "/Filter")
        if isinstance(filters, generic.ArrayObject):
            filters = [f.get_object() for f in filters]
        elif filters is not None:
            filters = [filters]
        params = _get(stream, "/DecodeParms")
        raw = stream.encoded_data
        if not filters:
            data = raw[: limit + 1]
        elif filters == ["/FlateDecode"] and not params:
            try:
                data = zlib.decompressobj().decompress(raw, limit + 1)
            except zlib.error as exc:
                raise DocumentError(
                    f"Tệp đính kèm '{name}' trong PDF bị hỏng.",
                    detail=f"bad FlateDecode data in an embedded stream: {exc}",
                    code="document.corrupt",
                ) from exc
        else:
            raise DocumentError(
                f"Tệp đính kèm '{name}' được mã hoá theo cách không hỗ trợ.",
                detail=f"embedded stream filters {filters!r} with parameters: refused",
                code="document.attachment_filter",
            )
        if len(data) > limit:
            self._too_large(name, limit)
        self.left -= len(data)
        return data

    def _too_large(self, name: str, limit: int) -> None:
        whole = limit < self.limits.pdf_embedded_bytes
        bound = self.limits.pdf_decoded_bytes if whole else self.limits.pdf_embedded_bytes
        scope = "tổng các tệp đính kèm" if whole else "mỗi tệp đính kèm"
        raise DocumentError(
            f"Tệp đính kèm '{name}' trong PDF giải nén ra hơn {vn_bytes(limit)}, vượt giới hạn "
            f"{vn_bytes(bound)} cho {scope}; tệp không được xác minh.",
            detail=f"embedded stream decodes past {limit} bytes "
            f"(per file {self.limits.pdf_embedded_bytes}, whole {self.limits.pdf_decoded_bytes})",
            code="document.attachment_too_large",
        )
