"""Shared fixtures of the signing and verification tests: one demo PKI per session, a
record PDF shaped like the rendered one (embedded record.json/record.xml, QR token in
/Keywords, one empty signature field per planned signer), and tampering helpers.

Import the fixtures where needed: ``from tests.pki_fixtures import *  # noqa: F403``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.embed import EmbeddedFileObject, FileSpec, embed_file
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import fields, signers

from hocba.signing.backends import Pkcs12Signer
from hocba.signing.pades import sign_all
from hocba.signing.pki import DemoPki, init_pki
from hocba.signing.tsa import LocalTimestamper
from hocba.spec import Record, SignerRole, canonical_json, record_digest
from hocba.spec.xml import to_xml
from tests.builders import SCHOOL, primary_record

TEACHER = "Lê Thị Hồng"
PRINCIPAL = "Phạm Văn Đức"
OTHER_TEACHER = "Nguyễn Văn Bình"
_BOXES = {
    SignerRole.GVCN: (40, 60, 200, 120),
    SignerRole.PRINCIPAL: (220, 60, 380, 120),
    SignerRole.SEAL: (400, 60, 560, 120),
}
_CACHE: dict[str, object] = {}


def qr_token(record: Record, digest: str | None = None) -> str:
    return f"HOCBA:1:{record.record_id}:{record.version}:{digest or record_digest(record)}"


def make_record_pdf(
    record: Record,
    *,
    record_json: bytes | None = None,
    record_xml: bytes | None = None,
    keywords: str | None = None,
    roles: tuple[SignerRole, ...] | None = None,
    attach: bool = True,
) -> bytes:
    """A one-page stand-in for the rendered record (same structure, simpler layout)."""
    w = PdfFileWriter()
    font = w.add_object(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Font"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
                generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica"),
            }
        )
    )
    lines = [f"{s.code}: {s.level.value} {s.test_score or ''}" for s in record.subjects]
    text = " ".join(f"({line}) Tj T*" for line in lines)
    content = generic.StreamObject(stream_data=f"BT /F1 11 Tf 14 TL 72 760 Td {text} ET".encode())
    page = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject(
                map(generic.NumberObject, (0, 0, 595, 842))
            ),
            generic.pdf_name("/Resources"): generic.DictionaryObject(
                {
                    generic.pdf_name("/Font"): generic.DictionaryObject(
                        {generic.pdf_name("/F1"): font}
                    )
                }
            ),
            generic.pdf_name("/Contents"): w.add_object(content),
        }
    )
    w.insert_page(page)
    data = canonical_json(record) if record_json is None else record_json
    if attach:
        for name, payload, mime in [
            ("record.json", data, "application/json"),
            ("record.xml", record_xml or to_xml(record), "application/xml"),
        ]:
            stream = EmbeddedFileObject.from_file_data(w, payload, mime_type=mime)
            embed_file(
                w,
                FileSpec(
                    file_spec_string=name,
                    file_name=name,
                    embedded_data=stream,
                    af_relationship=generic.pdf_name("/Data"),
                ),
            )
    token = qr_token(record, hashlib.sha256(data).hexdigest()) if keywords is None else keywords
    w.set_info(generic.DictionaryObject({generic.pdf_name("/Keywords"): generic.pdf_string(token)}))
    buf = BytesIO()
    w.write(buf)
    inc = IncrementalPdfFileWriter(BytesIO(buf.getvalue()))
    for role in roles or tuple(s.role for s in record.signers):
        fields.append_signature_field(
            inc, fields.SigFieldSpec(sig_field_name=role.field_name, on_page=0, box=_BOXES[role])
        )
    out = BytesIO()
    inc.write(out)
    return out.getvalue()


def append_update(pdf: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    """An attacker's incremental update: ``change`` edits objects through the writer."""
    w = IncrementalPdfFileWriter(BytesIO(pdf))
    change(w)
    out = BytesIO()
    w.write(out)
    return out.getvalue()


def force_sign(
    pdf: bytes, field: str, signer: Pkcs12Signer, tsa: object, *, certify: bool = False
) -> bytes:
    """Signing as an attacker or a careless tool would: pyHanko directly, no hocba checks."""
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
    )
    pdf_signer = signers.PdfSigner(meta, signer.pyhanko_signer, timestamper=tsa)  # type: ignore[arg-type]
    return pdf_signer.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(pdf)), existing_fields_only=True
    ).getvalue()


def _session_pki(base: Path) -> DemoPki:
    if "pki" not in _CACHE:
        _CACHE["pki"] = init_pki(
            base / "pki", teachers=[TEACHER, OTHER_TEACHER], principal=PRINCIPAL,
            school=SCHOOL.name, now=dt.datetime.now(dt.UTC),
        )  # fmt: skip
    return _CACHE["pki"]  # type: ignore[return-value]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return _session_pki(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def tsa(pki: DemoPki) -> LocalTimestamper:
    return pki.timestamper()


@pytest.fixture(scope="session")
def role_signers(pki: DemoPki) -> dict[SignerRole, Pkcs12Signer]:
    return {role: pki.load_signer(role) for role in SignerRole}


@pytest.fixture(scope="session")
def record() -> Record:
    return primary_record()


@pytest.fixture(scope="session")
def record_pdf(record: Record) -> bytes:
    """The record as the real renderer makes it (typst PDF/A-3a): attacks target the real file."""
    from hocba.render import render_pdf

    return render_pdf(record)


@pytest.fixture(scope="session")
def signed_pdf(record_pdf: bytes, role_signers, tsa, pki: DemoPki) -> bytes:
    return sign_all(record_pdf, role_signers, tsa, trust=pki.trust())


def change_signed_bytes(pdf: bytes) -> bytes:
    """Edit bytes that every signature covers: the record digest in the document metadata of
    the first revision (what the QR code claims), one hex digit changed."""
    at = pdf.index(b"HOCBA:1:")
    assert at < pdf.index(b"%%EOF"), "the token must lie in the signed first revision"
    end = pdf.index(b"<", at)  # the token ends before the next XML tag of the XMP packet
    digit = pdf[end - 1 : end]
    return pdf[: end - 1] + (b"0" if digit != b"0" else b"1") + pdf[end:]
