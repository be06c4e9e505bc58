"""Empty PDF signature fields for the planned signers, over the template's signature areas.

The fields are added in one incremental update on top of the Typst output, so the archival
PDF/A file stays byte-for-byte the first revision. Signing later fills these fields: the
first signature certifies with form-fill permission, the others sign into existing fields.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigFieldSpec, append_signature_field

from hocba.spec import SignerRole

FIELD_LABELS = {
    SignerRole.GVCN: "Chữ ký số của giáo viên chủ nhiệm",
    SignerRole.PRINCIPAL: "Chữ ký số của hiệu trưởng",
    SignerRole.SEAL: "Chữ ký số (con dấu) của nhà trường",
}


@dataclass(frozen=True)
class SignatureArea:
    """Where the template left room for one signer.

    ``page`` counts from 0; ``box`` is ``(x1, y1, x2, y2)`` in PDF points from the page's
    bottom-left corner, as pyHanko and the PDF ``/Rect`` expect.
    """

    role: SignerRole
    page: int
    box: tuple[float, float, float, float]

    @classmethod
    def from_typst(cls, meta: dict[str, Any]) -> SignatureArea:
        """From the ``<hocba-signature>`` metadata: 1-based page, top-left origin, points."""
        x, y = float(meta["x"]), float(meta["y"])
        width, height = float(meta["width"]), float(meta["height"])
        top = float(meta["page_height"]) - y
        box = (round(x, 2), round(top - height, 2), round(x + width, 2), round(top, 2))
        return cls(SignerRole(str(meta["role"])), int(meta["page"]) - 1, box)


class _FieldWriter(IncrementalPdfFileWriter):
    """An incremental writer that keeps the rendering deterministic (same record, same bytes).

    pyHanko stamps ``ModDate`` = now into the Info dictionary and the XMP packet, and draws the
    second half of the file ``/ID`` at random, on every write. This update touches only the
    form: Typst's PDF/A metadata stays as written, and the new ``/ID`` half is derived from
    the Typst output.
    """

    @classmethod
    def _handle_id(cls, prev: PdfFileReader) -> generic.ArrayObject:
        first = super()._handle_id(prev)[0]  # type: ignore[no-untyped-call]
        prev.stream.seek(0)
        second = hashlib.sha256(prev.stream.read()).digest()[:16]
        return generic.ArrayObject([first, generic.ByteStringObject(second)])

    def _update_meta(self) -> None:
        return None


def declare_signature_fields(pdf: bytes, slots: Sequence[tuple[str, SignatureArea]]) -> bytes:
    """Append one empty, visible signature field per ``(field_name, area)``, in that order."""
    writer = _FieldWriter(BytesIO(pdf))
    for name, area in slots:
        spec = SigFieldSpec(
            sig_field_name=name,
            on_page=area.page,
            box=area.box,  # type: ignore[arg-type]  # pyHanko accepts float coordinates
            readable_field_name=FIELD_LABELS[area.role],
        )
        append_signature_field(writer, spec)
    out = BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()
