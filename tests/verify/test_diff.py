"""The fast check of what changed after a signature (hocba.verify.diff) on real rendered
records: it decides the updates our signing writes, and it never accepts anything else.

Each attack below fills the next signature field — the shape the fast check recognises — and
changes something more in the SAME revision. For each one: the fast check does not recognise
it, and the verdict equals the one pyHanko's own difference analysis gives on the same file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, SuspiciousModification

from hocba.signing.pades import sign_record
from hocba.spec import SignerRole
from hocba.verify import Severity, Verdict, verify_pdf
from hocba.verify import signatures as judged
from hocba.verify.diff import RecordDiffPolicy, signature_fills

GVCN, PRINCIPAL_ROLE, SEAL = SignerRole


@pytest.fixture(scope="module")
def trust(pki):
    return pki.trust()


@pytest.fixture(scope="module")
def two_signed(record_pdf, role_signers, tsa, trust):
    """GVCN and principal signed; the seal is next."""
    pdf = sign_record(record_pdf, GVCN, role_signers[GVCN], tsa, trust=trust)
    return sign_record(pdf, PRINCIPAL_ROLE, role_signers[PRINCIPAL_ROLE], tsa, trust=trust)


def _seal_with(pdf: bytes, signer, tsa, change: Callable[[IncrementalPdfFileWriter], None]):
    """The seal's signature written by pyHanko, with ``change`` in the same revision."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    change(writer)
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL.field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    pdf_signer = signers.PdfSigner(meta, signer.pyhanko_signer, timestamper=tsa)
    return pdf_signer.sign_pdf(writer, existing_fields_only=True).getvalue()


def _errors(report) -> set[str]:
    return {p.code for p in report.problems if p.severity is Severity.ERROR}


def _with_pyhanko_policy(pdf: bytes, trust, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(judged, "DIFF_POLICY", DEFAULT_DIFF_POLICY)
        return verify_pdf(pdf, trust)


def _reviews(pdf: bytes) -> list[list[str] | None]:
    reader = PdfFileReader(BytesIO(pdf))
    return [signature_fills(reader, sig.signed_revision) for sig in reader.embedded_signatures]


def test_a_fully_signed_record_is_decided_by_the_fast_check(
    two_signed, role_signers, tsa, trust, monkeypatch
):
    pdf = sign_record(two_signed, SEAL, role_signers[SEAL], tsa, trust=trust)
    assert _reviews(pdf) == [
        [PRINCIPAL_ROLE.field_name, SEAL.field_name],
        [SEAL.field_name],
        [],
    ]

    class Refusing(RecordDiffPolicy):
        def review_file(self, *args, **kwargs):  # the generic analysis must not be needed
            raise AssertionError("fell back to the generic analysis")

    policy = RecordDiffPolicy(fallback=Refusing())
    monkeypatch.setattr(judged, "DIFF_POLICY", policy)
    report = verify_pdf(pdf, trust)
    assert report.verdict is Verdict.VALID, report.problems
    assert policy.recognised == 2  # GVCN and principal (the seal covers the whole file)
    assert [s.modification_level for s in report.signatures] == [
        "form_filling",
        "form_filling",
        "none",
    ]


def test_the_fast_check_gives_pyhanko_s_result_on_our_signatures(two_signed, role_signers, tsa):
    pdf = sign_record(two_signed, SEAL, role_signers[SEAL], tsa)
    reader = PdfFileReader(BytesIO(pdf))
    for sig in reader.embedded_signatures:
        ours = RecordDiffPolicy(fallback=None).review_file(  # type: ignore[arg-type]
            reader, sig.signed_revision, doc_mdp=sig.docmdp_level
        )
        theirs = DEFAULT_DIFF_POLICY.review_file(
            reader, sig.signed_revision, doc_mdp=sig.docmdp_level
        )
        assert (ours.modification_level, ours.changed_form_fields) == (
            theirs.modification_level,
            theirs.changed_form_fields,
        )


def _page(w):
    return w.root["/Pages"]["/Kids"][0]


def _change_page_content(w):
    ref = _page(w).raw_get("/Contents")
    w.objects[(ref.generation, ref.idnum)] = generic.StreamObject(
        stream_data=ref.get_object().data + b"\n1 1 1 rg 60 600 240 180 re f"
    )


def _add_annotation(w):
    page = _page(w)
    box = w.add_object(
        generic.DictionaryObject({
            generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Square"),
            generic.pdf_name("/Rect"): generic.ArrayObject(map(generic.NumberObject, (60, 600, 300, 780))),
            generic.pdf_name("/IC"): generic.ArrayObject(map(generic.FloatObject, (1, 1, 1))),
        })
    )  # fmt: skip
    if "/Annots" not in page:
        page[generic.pdf_name("/Annots")] = generic.ArrayObject()
    page["/Annots"].append(box)
    w.update_container(page)


def _change_text(w):
    """One glyph of the page's text replaced (Typst writes glyph ids as hex strings)."""
    ref = _page(w).raw_get("/Contents")
    data = ref.get_object().data
    glyphs = re.search(rb"<([0-9a-fA-F]{4,})>", data)
    assert glyphs is not None
    digit = b"0" if glyphs[1][:1] != b"0" else b"1"
    changed = data[: glyphs.start(1)] + digit + data[glyphs.start(1) + 1 :]
    w.objects[(ref.generation, ref.idnum)] = generic.StreamObject(stream_data=changed)


def _change_info_title(w):
    info = w.trailer["/Info"]
    info[generic.pdf_name("/Title")] = generic.pdf_string("Học bạ đã sửa")
    w.update_container(info)


def _replace_embedded_data(w):
    names = w.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[names.index("record.json") + 1].get_object()
    ref = spec["/EF"].raw_get("/F")
    w.objects[(ref.generation, ref.idnum)] = generic.StreamObject(
        {generic.pdf_name("/Type"): generic.pdf_name("/EmbeddedFile")}, stream_data=b"{}"
    )


def _rewrite_the_page_unchanged(w):
    w.update_container(_page(w))  # an existing object written again, identical


def _move_the_seal_field(w):
    for ref in w.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field["/T"] == SEAL.field_name:
            field[generic.pdf_name("/Rect")] = generic.ArrayObject(
                map(generic.NumberObject, (0, 0, 595, 842))
            )
            w.update_container(field)


def _add_a_text_field(w):
    form = w.root["/AcroForm"]
    extra = w.add_object(
        generic.DictionaryObject({
            generic.pdf_name("/FT"): generic.pdf_name("/Tx"),
            generic.pdf_name("/T"): generic.pdf_string("Ghi_chu"),
            generic.pdf_name("/V"): generic.pdf_string("Đã sửa điểm"),
        })
    )  # fmt: skip
    form["/Fields"].append(extra)
    w.update_container(form)


def _orphan_object(w):
    w.add_object(generic.DictionaryObject({generic.pdf_name("/Hidden"): generic.pdf_string("x")}))


def _new_catalog_entry(w):
    w.root[generic.pdf_name("/OpenAction")] = generic.ArrayObject(
        [w.root["/Pages"].raw_get("/Kids")[0], generic.pdf_name("/Fit")]
    )
    w.update_root()


ATTACKS = {
    "changed page content": (_change_page_content, Verdict.INVALID),
    "added annotation": (_add_annotation, Verdict.INVALID),
    "changed text": (_change_text, Verdict.INVALID),
    "changed Info title (pyHanko allows it)": (_change_info_title, None),
    "changed embedded data file": (_replace_embedded_data, Verdict.INVALID),
    "moved signature field": (_move_the_seal_field, Verdict.INVALID),
    "added form field with a value": (_add_a_text_field, Verdict.INVALID),
    "new catalog entry (open action)": (_new_catalog_entry, Verdict.INVALID),
    # harmless to pyHanko: the verdict must simply stay pyHanko's
    "object rewritten unchanged": (_rewrite_the_page_unchanged, None),
    "orphan object": (_orphan_object, None),
}


@pytest.mark.parametrize("name", ATTACKS)
def test_an_extra_change_next_to_a_signature_is_judged_as_pyhanko_judges_it(
    name, two_signed, role_signers, tsa, trust, monkeypatch
):
    change, expected = ATTACKS[name]
    pdf = _seal_with(two_signed, role_signers[SEAL], tsa, change)
    assert _reviews(pdf)[:2] == [None, None]  # not recognised: the generic analysis decides
    ours = verify_pdf(pdf, trust)
    theirs = _with_pyhanko_policy(pdf, trust, monkeypatch)
    assert (ours.verdict, _errors(ours)) == (theirs.verdict, _errors(theirs))
    if expected is not None:
        assert ours.verdict is expected
        assert "document.modified_after_signing" in _errors(ours)


def test_an_update_that_only_rewrites_an_object(two_signed, trust, monkeypatch):
    """No signature at all in the later revision: never the fast path."""
    w = IncrementalPdfFileWriter(BytesIO(two_signed))
    _change_page_content(w)
    out = BytesIO()
    w.write(out)
    pdf = out.getvalue()
    assert _reviews(pdf)[:2] == [None, None]
    report = verify_pdf(pdf, trust)
    assert report.verdict is Verdict.INVALID
    assert "document.modified_after_signing" in _errors(report)
    assert report.verdict is _with_pyhanko_policy(pdf, trust, monkeypatch).verdict


def test_a_signature_value_pointing_to_an_existing_object(two_signed, trust, monkeypatch):
    """The seal field's /V made to point at the principal's signature dictionary."""
    reader = PdfFileReader(BytesIO(two_signed))
    principal_value = next(
        ref.get_object().raw_get("/V")
        for ref in reader.root["/AcroForm"].raw_get("/Fields")
        if ref.get_object()["/T"] == PRINCIPAL_ROLE.field_name
    )

    def point(w):
        for ref in w.root["/AcroForm"]["/Fields"]:
            field = ref.get_object()
            if field["/T"] == SEAL.field_name:
                field[generic.pdf_name("/V")] = generic.IndirectObject(
                    principal_value.idnum, principal_value.generation, w
                )
                w.update_container(field)

    w = IncrementalPdfFileWriter(BytesIO(two_signed))
    point(w)
    out = BytesIO()
    w.write(out)
    pdf = out.getvalue()
    assert _reviews(pdf)[:2] == [None, None]
    ours = verify_pdf(pdf, trust)
    theirs = _with_pyhanko_policy(pdf, trust, monkeypatch)
    assert ours.verdict is Verdict.INVALID
    assert (ours.verdict, _errors(ours)) == (theirs.verdict, _errors(theirs))


def test_field_locks_go_to_the_generic_analysis(two_signed):
    calls = []

    class Spy(RecordDiffPolicy):
        def review_file(self, *args, **kwargs):
            calls.append(kwargs)
            return DEFAULT_DIFF_POLICY.review_file(*args, **kwargs)

    reader = PdfFileReader(BytesIO(two_signed))
    lock = fields.FieldMDPSpec(fields.FieldMDPAction.ALL)
    policy = RecordDiffPolicy(fallback=Spy())
    result = policy.review_file(reader, 2, field_mdp_spec=lock)
    assert len(calls) == 1 and policy.recognised == 0
    assert isinstance(result, SuspiciousModification)  # the lock forbids filling Sig_Principal
