"""Typeset a record with the TT27 Typst template and declare its signature fields.

One ``Renderer`` holds one Typst compiler with the packaged fonts loaded, so rendering many
records does not reload anything; Typst's memoisation makes each further record cheap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import segno
import typst

from hocba.public_url import DEVELOPMENT_VERIFY_URL
from hocba.render.errors import RenderError
from hocba.render.fields import SignatureArea, declare_signature_fields
from hocba.render.view import record_view, verification_token
from hocba.spec import Record, SignerRole, canonical_json
from hocba.spec.token import verification_url
from hocba.spec.xml import to_xml

log = logging.getLogger(__name__)

DEFAULT_VERIFY_URL = DEVELOPMENT_VERIFY_URL
"""Where the QR code sends a reader (``?q=<token>`` is appended) when no ``verify_url`` is
given: the local ``hocba serve``. Whatever issues records passes
``hocba.public_url.verify_url(<HOCBA_PUBLIC_URL>)``."""

PDF_STANDARD: Literal["a-3a"] = "a-3a"
QR_MASK = 2
VIETNAM_TZ = dt.timezone(dt.timedelta(hours=7))
_PACKAGE = Path(str(resources.files("hocba.render")))
TEMPLATE = _PACKAGE / "templates" / "tt27.typ"
FONT_DIR = _PACKAGE / "fonts"


@dataclass(frozen=True)
class Typeset:
    """Typst's output for one record, before the signature fields are declared."""

    pdf: bytes
    areas: dict[SignerRole, SignatureArea]
    warnings: tuple[str, ...]


def qr_svg(payload: str) -> str:
    """The QR code (error correction M) as an SVG document.

    The mask pattern is fixed: choosing the best of eight costs ~10 ms per record in segno
    and any mask is valid for every reader.
    """
    out = io.BytesIO()
    segno.make(payload, error="m", micro=False, mask=QR_MASK).save(
        out, kind="svg", border=2, xmldecl=False, nl=False
    )
    return out.getvalue().decode("ascii")


def creation_time(record: Record) -> dt.datetime:
    """The fixed creation date written into the PDF: the record's date, midnight in Vietnam."""
    return dt.datetime.combine(record.dated, dt.time(), tzinfo=VIETNAM_TZ)


_typst_process: int | None = None
"""The process that loaded Typst (its Rust thread pool and caches are process-global)."""


def _check_not_forked() -> None:
    """Typst does not survive ``fork``: a child forked after the parent loaded a compiler
    hangs forever in its first compile (the Rust thread pool's locks are copied held).
    Fail fast instead, with what to do."""
    if _typst_process is not None and _typst_process != os.getpid():
        raise RenderError(
            "Không kết xuất được học bạ trong tiến trình con tạo bằng fork; vui lòng báo cho "
            "quản trị.",
            detail=f"typst was loaded in process {_typst_process} and this process was forked "
            "from it: a compile would deadlock. Start workers with multiprocessing's 'spawn' "
            "context (or fork before the first render).",
        )


class Renderer:
    """Renders records to the official PDF. Reuse one per process; calls are serialised, as
    one Typst compiler renders one document at a time. Worker processes must be started
    with ``spawn`` (or forked before any rendering): Typst deadlocks in a forked child."""

    def __init__(self) -> None:
        global _typst_process
        _check_not_forked()
        _typst_process = os.getpid()
        fonts = typst.Fonts(
            include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONT_DIR)]
        )
        self._compiler = typst.Compiler(
            str(TEMPLATE),
            root=str(TEMPLATE.parent),
            font_paths=fonts,
            ignore_system_fonts=True,
        )
        self._lock = threading.Lock()

    def _inputs(self, record: Record, verify_url: str) -> dict[str, str]:
        data = canonical_json(record)
        digest = hashlib.sha256(data).hexdigest()  # = record_digest(record), without a 2nd JCS
        view = record_view(record, verify_url=verify_url, digest=digest)
        return {
            "view": json.dumps(view, ensure_ascii=False),
            "qr": qr_svg(verification_url(verify_url, verification_token(record, digest))),
            "record_json": data.decode("utf-8"),
            "record_xml": to_xml(record).decode("utf-8"),
        }

    def typeset(self, record: Record, *, verify_url: str = DEFAULT_VERIFY_URL) -> Typeset:
        """Compile the PDF/A-3a file and find where the signature areas landed."""
        inputs = self._inputs(record, verify_url)
        _check_not_forked()
        with self._lock:
            try:
                pdf, warnings = self._compiler.compile_with_warnings(
                    sys_inputs=inputs,
                    pdf_standards=[PDF_STANDARD],
                    timestamp=creation_time(record),
                )
                found = json.loads(self._compiler.query("<hocba-signature>", field="value"))
            except typst.TypstError as exc:
                raise RenderError(
                    "Không kết xuất được học bạ ra PDF; vui lòng báo cho quản trị.",
                    detail=f"typst failed for record {record.record_id}: {exc.message} {exc.hints}",
                ) from exc
        if not isinstance(pdf, bytes):  # a single PDF is always bytes; keeps the type narrow
            raise RenderError("Kết xuất học bạ không tạo ra tệp PDF.", detail="no PDF bytes")
        areas = {a.role: a for a in map(SignatureArea.from_typst, found)}
        return Typeset(pdf, areas, tuple(w.message for w in warnings))

    def render(self, record: Record, *, verify_url: str = DEFAULT_VERIFY_URL) -> bytes:
        """The official PDF of ``record``: PDF/A-3a, data attached, empty signature fields."""
        result = self.typeset(record, verify_url=verify_url)
        for warning in result.warnings:
            log.warning("typst warning for record %s: %s", record.record_id, warning)
        slots = [(s.role.field_name, result.areas[s.role]) for s in record.signers]
        return declare_signature_fields(result.pdf, slots)

    def render_png(
        self, record: Record, *, verify_url: str = DEFAULT_VERIFY_URL, ppi: float = 100
    ) -> list[bytes]:
        """Every page as PNG (for previews and docs; no signature fields, no PDF/A)."""
        inputs = self._inputs(record, verify_url)
        _check_not_forked()
        with self._lock:
            pages = self._compiler.compile(sys_inputs=inputs, format="png", ppi=ppi)
        return pages if isinstance(pages, list) else [pages]  # type: ignore[list-item]


_shared: tuple[int, Renderer] | None = None


def shared_renderer() -> Renderer:
    """This process's renderer, created on first use (in a child forked after the parent
    rendered, a ``RenderError``: see ``Renderer``)."""
    global _shared
    if _shared is None or _shared[0] != os.getpid():
        _shared = (os.getpid(), Renderer())
    return _shared[1]


def render_pdf(record: Record, *, verify_url: str = DEFAULT_VERIFY_URL) -> bytes:
    """The official PDF of ``record`` (see ``Renderer.render``)."""
    return shared_renderer().render(record, verify_url=verify_url)
