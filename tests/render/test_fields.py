"""The empty signature fields: named, ordered, placed, and signable three times in a row."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hocba.render import Renderer
from hocba.spec import Record, SignerRole


def _form_fields(pdf: bytes) -> list[dict[str, object]]:
    reader = PdfFileReader(BytesIO(pdf))
    pages = [p.get_object() for p in reader.root["/Pages"]["/Kids"]]
    out = []
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        page = next(i for i, p in enumerate(pages) if ref in list(p.get("/Annots", [])))
        out.append(
            {
                "name": str(field["/T"]),
                "type": field["/FT"],
                "signed": "/V" in field,
                "rect": [float(x) for x in field["/Rect"]],
                "page": page,
                "pages": len(pages),
            }
        )
    return out


def test_one_empty_signature_field_per_planned_signer_in_signing_order(
    renderer: Renderer, record: Record
) -> None:
    found = _form_fields(renderer.render(record))
    assert [f["name"] for f in found] == ["Sig_GVCN", "Sig_Principal", "Sig_SchoolSeal"]
    assert all(f["type"] == "/Sig" and not f["signed"] for f in found)


def test_fields_sit_on_the_last_page_over_the_signature_areas(
    renderer: Renderer, record: Record
) -> None:
    typeset = renderer.typeset(record)
    found = {f["name"]: f for f in _form_fields(renderer.render(record))}
    for role in SignerRole:
        field, area = found[role.field_name], typeset.areas[role]
        assert field["page"] == area.page == field["pages"] - 1
        assert field["rect"] == pytest.approx(list(area.box), abs=0.01)
        x1, y1, x2, y2 = field["rect"]
        assert 0 < x1 < x2 < 595.3 and 0 < y1 < y2 < 841.9 and y2 - y1 > 50
    gvcn, principal, seal = (found[role.field_name]["rect"] for role in SignerRole)
    assert seal[2] < principal[0] < principal[2] < gvcn[0]  # seal | principal | GVCN


def test_only_planned_signers_get_a_field(renderer: Renderer, record: Record) -> None:
    two = record.model_copy(update={"signers": record.signers[:2]})
    assert [f["name"] for f in _form_fields(renderer.render(two))] == ["Sig_GVCN", "Sig_Principal"]


def test_field_positions_follow_each_record_not_the_previous_one(
    renderer: Renderer, record: Record, long_record: Record
) -> None:
    short_area = renderer.typeset(record).areas[SignerRole.GVCN]
    long_area = renderer.typeset(long_record).areas[SignerRole.GVCN]
    assert long_area.page > short_area.page
    assert renderer.typeset(record).areas[SignerRole.GVCN] == short_area


# --- signing the rendered file three times (GVCN certifies, then approvals) -----------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _cert(subject: str, key, issuer: str, issuer_key, *, ca: bool = False) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def test_pki(tmp_path_factory: pytest.TempPathFactory):
    """A throw-away root and three EC signers (GVCN, principal, seal)."""
    where = tmp_path_factory.mktemp("pki")
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _cert("Test Root", root_key, "Test Root", root_key, ca=True)
    (where / "root.pem").write_bytes(_pem(root))
    root_asn1 = load_cert_from_pemder(str(where / "root.pem"))
    out = {}
    for role in SignerRole:
        key = ec.generate_private_key(ec.SECP256R1())
        (where / f"{role}.pem").write_bytes(
            _pem(_cert(f"Signer {role}", key, "Test Root", root_key))
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        out[role] = signers.SimpleSigner(
            signing_cert=load_cert_from_pemder(str(where / f"{role}.pem")),
            signing_key=load_private_key_from_pemder_data(key_pem, passphrase=None),
            cert_registry=SimpleCertificateStore.from_certs([root_asn1]),
        )
    return root_asn1, out


def _sign_into(pdf: bytes, role: SignerRole, signer: signers.Signer, **meta: object) -> bytes:
    metadata = signers.PdfSignatureMetadata(
        field_name=role.field_name, subfilter=fields.SigSeedSubFilter.PADES, **meta
    )
    pdf_signer = signers.PdfSigner(metadata, signer=signer, new_field_spec=None)
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    return pdf_signer.sign_pdf(writer, existing_fields_only=True).getvalue()


def test_three_signatures_into_the_declared_fields_all_stay_intact(
    renderer: Renderer, record: Record, test_pki
) -> None:
    root, keys = test_pki
    pdf = renderer.render(record)
    pdf = _sign_into(
        pdf,
        SignerRole.GVCN,
        keys[SignerRole.GVCN],
        certify=True,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
    )
    pdf = _sign_into(pdf, SignerRole.PRINCIPAL, keys[SignerRole.PRINCIPAL])
    pdf = _sign_into(pdf, SignerRole.SEAL, keys[SignerRole.SEAL])

    reader = PdfFileReader(BytesIO(pdf))
    assert [s.field_name for s in reader.embedded_signatures] == [
        "Sig_GVCN",
        "Sig_Principal",
        "Sig_SchoolSeal",
    ]
    for embedded in reader.embedded_signatures:
        status = validate_pdf_signature(
            embedded, ValidationContext(trust_roots=[root], allow_fetching=False)
        )
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.docmdp_ok
        assert status.modification_level is not None
        assert status.modification_level <= ModificationLevel.FORM_FILLING
