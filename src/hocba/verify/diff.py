"""What changed after a signature: a strict, fast check for the updates our signing writes.

pyHanko's generic difference analysis (``DEFAULT_DIFF_POLICY``) first maps every path to every
object of the signed revision; on a tagged PDF/A-3a record (hundreds of structure elements)
that costs ~50 ms per revision reviewed, most of a full verification. ``RecordDiffPolicy``
recognises the one shape a later revision of a hocba record has — another planned signer
filling an existing, empty signature field — and checks it exactly, reading only the objects
the revision wrote:

- a classic xref section (no xref/object streams, no hybrid references), nothing freed, and
  the trailer's ``/Root`` and ``/Info`` unchanged, no ``/Encrypt``;
- the objects the revision overrides are exactly one top-level signature field of the form
  (unsigned before) and, optionally, the form dictionary; the field differs only by ``/V``
  (added: a new ``/Type /Sig`` dictionary) and ``/AP`` (a direct dictionary whose streams are
  new objects); the form dictionary differs only by ``/SigFlags``;
- the new objects are exactly those reachable from the new ``/V`` and ``/AP`` (no orphans).

Every change it accepts is one pyHanko's policy also accepts at the same level
(``FORM_FILLING``). Anything else — changed page content, a new annotation, rewritten text or
attachments, a rewritten or freed object, DSS and document timestamps (B-LTA) — is not
recognised and is handed to pyHanko's own policy unchanged, so the verdict on any other shape
is exactly pyHanko's.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader
from pyhanko.pdf_utils.xref import XRefSectionType
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffPolicy,
    DiffResult,
    ModificationLevel,
    SuspiciousModification,
)
from pyhanko.sign.fields import FieldMDPSpec, MDPPerm

log = logging.getLogger(__name__)

_FIELD_CHANGES = frozenset({"/V", "/AP"})
_FORM_CHANGES = frozenset({"/SigFlags"})
_TRAILER_KEYS = ("/Root", "/Info", "/Encrypt")
_MAX_DEPTH = 32
_REVIEWED: weakref.WeakKeyDictionary[PdfFileReader, dict[int, str | None]] = (
    weakref.WeakKeyDictionary()
)


class RecordDiffPolicy(DiffPolicy):
    """A ``DiffPolicy``: the fast check of signature-only updates, else ``fallback``'s."""

    def __init__(self, fallback: DiffPolicy = DEFAULT_DIFF_POLICY) -> None:
        self.fallback = fallback
        self.recognised = 0
        """How many reviews the fast check decided (the others went to ``fallback``)."""

    def apply(
        self,
        old: HistoricalResolver,
        new: HistoricalResolver,
        field_mdp_spec: FieldMDPSpec | None = None,
        doc_mdp: MDPPerm | None = None,
    ) -> DiffResult:
        return self.fallback.apply(old, new, field_mdp_spec, doc_mdp)

    def review_file(
        self,
        reader: PdfFileReader,
        base_revision: int | HistoricalResolver,
        field_mdp_spec: FieldMDPSpec | None = None,
        doc_mdp: MDPPerm | None = None,
    ) -> DiffResult | SuspiciousModification:
        base = base_revision if isinstance(base_revision, int) else base_revision.revision
        filled = None
        if field_mdp_spec is None:  # field locks: pyHanko's policy knows them
            filled = signature_fills(reader, base)
        if filled is None:
            return self.fallback.review_file(reader, base_revision, field_mdp_spec, doc_mdp)
        self.recognised += 1
        level = ModificationLevel.FORM_FILLING if filled else ModificationLevel.NONE
        return DiffResult(level, set(filled))


def signature_fills(reader: PdfFileReader, base: int) -> list[str] | None:
    """The fields signed by the revisions after ``base``, if every one of them only fills
    one existing empty signature field (see the module docstring); else ``None``."""
    xrefs = reader.xrefs
    if xrefs.hybrid_xrefs_present:
        return None
    filled: list[str] = []
    known = _REVIEWED.setdefault(reader, {})  # each revision is reviewed for every signature
    try:
        for revision in range(base + 1, xrefs.total_revisions):
            if revision not in known:
                known[revision] = _one_signature(reader, revision)
            name = known[revision]
            if name is None:
                return None
            filled.append(name)
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        log.info("diff fast path: unreadable revision, generic analysis decides: %r", exc)
        return None
    return filled


def _one_signature(reader: PdfFileReader, revision: int) -> str | None:
    xrefs = reader.xrefs
    meta = xrefs.get_xref_container_info(revision)
    if meta.xref_section_type != XRefSectionType.STANDARD or meta.stream_ref is not None:
        return None
    if xrefs.refs_freed_in_revision(revision) or xrefs.object_streams_used_in(revision):
        return None
    old = reader.get_historical_resolver(revision - 1)
    new = reader.get_historical_resolver(revision)
    old_trailer, new_trailer = old.trailer_view, new.trailer_view
    for key in _TRAILER_KEYS:
        if not _raw_equal(_raw(old_trailer, key), _raw(new_trailer, key)):
            return None
    if "/Encrypt" in new_trailer:
        return None

    written = new.explicit_refs_in_revision()
    fresh = {ref for ref in written if old.is_ref_unassignable(ref)}
    overridden = written - fresh

    form_ref = _raw(old.root, "/AcroForm")
    if not isinstance(form_ref, generic.IndirectObject):
        return None
    form_ref = form_ref.reference
    fields = _signature_fields(old(form_ref))

    name = None
    value_roots: list[Any] = []
    for ref in overridden:
        if ref == form_ref:
            old_form, new_form = old(ref), new(ref)
            if not _same_except(old_form, new_form, _FORM_CHANGES):
                return None
            if not isinstance(_raw(new_form, "/SigFlags") or 0, int):
                return None
            continue
        if ref not in fields or name is not None:
            return None
        old_field, new_field = old(ref), new(ref)
        if not isinstance(new_field, generic.DictionaryObject) or "/V" in old_field:
            return None
        if not _same_except(old_field, new_field, _FIELD_CHANGES):
            return None
        value = _raw(new_field, "/V")
        if not isinstance(value, generic.IndirectObject) or value.reference not in fresh:
            return None
        signature = new(value.reference)
        if not isinstance(signature, generic.DictionaryObject):
            return None
        if _raw(signature, "/Type") != "/Sig":
            return None
        appearance = _raw(new_field, "/AP")
        if appearance is not None:
            if not isinstance(appearance, generic.DictionaryObject):
                return None  # an indirect /AP dictionary may be shared: generic analysis
            for key, stream in appearance.items():
                if key not in ("/N", "/R", "/D"):
                    return None
                if not isinstance(stream, generic.IndirectObject) or stream.reference not in fresh:
                    return None
            value_roots.append(appearance)
        value_roots.append(value)
        name = fields[ref]
    if name is None:
        return None
    reached: set[generic.Reference] = set()
    for root in value_roots:
        _reach(root, new, fresh, reached, 0)
    if reached != fresh:
        return None  # an object written but not part of the signature: generic analysis
    return name


def _signature_fields(form: Any) -> dict[generic.Reference, str]:
    """Top-level, terminal signature fields of the form, by reference."""
    result: dict[generic.Reference, str] = {}
    if not isinstance(form, generic.DictionaryObject):
        return result
    entries = _raw(form, "/Fields")
    entries = entries.get_object() if isinstance(entries, generic.IndirectObject) else entries
    if not isinstance(entries, generic.ArrayObject):
        return result
    for entry in entries:
        if not isinstance(entry, generic.IndirectObject):
            continue
        field = entry.get_object()
        if not isinstance(field, generic.DictionaryObject) or "/Kids" in field:
            continue
        if _raw(field, "/FT") != "/Sig" or "/Parent" in field:
            continue
        title = _raw(field, "/T")
        if isinstance(title, generic.TextStringObject | generic.ByteStringObject):
            result[entry.reference] = str(title)
    return result


def _raw(obj: Any, key: str) -> Any:
    """``obj[key]`` as written (a reference stays a reference), ``None`` when absent."""
    if not isinstance(obj, generic.DictionaryObject) or key not in obj:
        return None
    return obj.raw_get(key)


def _items(array: generic.ArrayObject) -> list[Any]:
    return [array.raw_get(i) for i in range(len(array))]


def _same_except(old: Any, new: Any, keys: frozenset[str]) -> bool:
    if not isinstance(old, generic.DictionaryObject) or not isinstance(
        new, generic.DictionaryObject
    ):
        return False
    if isinstance(old, generic.StreamObject) or isinstance(new, generic.StreamObject):
        return False
    names = (set(old) | set(new)) - keys
    return all(_raw_equal(_raw(old, k), _raw(new, k)) for k in names)


def _raw_equal(a: Any, b: Any) -> bool:
    """Equal as written: references by number, containers element by element."""
    if isinstance(a, generic.IndirectObject) or isinstance(b, generic.IndirectObject):
        return (
            isinstance(a, generic.IndirectObject)
            and isinstance(b, generic.IndirectObject)
            and a.reference == b.reference
        )
    if isinstance(a, generic.DictionaryObject) or isinstance(b, generic.DictionaryObject):
        if not (
            isinstance(a, generic.DictionaryObject) and isinstance(b, generic.DictionaryObject)
        ):
            return False
        if set(a) != set(b):
            return False
        return all(_raw_equal(a.raw_get(k), b.raw_get(k)) for k in a)
    if isinstance(a, generic.ArrayObject) or isinstance(b, generic.ArrayObject):
        if not (isinstance(a, generic.ArrayObject) and isinstance(b, generic.ArrayObject)):
            return False
        return len(a) == len(b) and all(
            _raw_equal(x, y) for x, y in zip(_items(a), _items(b), strict=True)
        )
    return type(a) is type(b) and a == b


def _reach(
    obj: Any,
    new: HistoricalResolver,
    fresh: set[generic.Reference],
    reached: set[generic.Reference],
    depth: int,
) -> None:
    """Collect the new objects reachable from ``obj`` (old objects are not entered)."""
    if depth > _MAX_DEPTH:
        raise RecursionError("object graph too deep")
    if isinstance(obj, generic.IndirectObject):
        ref = obj.reference
        if ref not in fresh or ref in reached:
            return
        reached.add(ref)
        _reach(new(ref), new, fresh, reached, depth + 1)
    elif isinstance(obj, generic.DictionaryObject):  # streams included (their dictionary)
        for key in obj:
            _reach(obj.raw_get(key), new, fresh, reached, depth + 1)
    elif isinstance(obj, generic.ArrayObject):
        for item in _items(obj):
            _reach(item, new, fresh, reached, depth + 1)
