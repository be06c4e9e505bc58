"""XAdES-T enveloped signatures over the XML form of a record (DOMAIN §1, §7).

``async_sign_xml(xml, role, signer, timestamper)`` adds the planned signature of ``role`` to
``hocba.spec.xml.to_xml(record)`` (or to an XML already carrying the earlier signatures),
with the same checks as PDF signing (``pades.check_certificate``, plan order) and the same
``Signer`` objects (raw signing through ``signer.pyhanko_signer``, so PKCS#11 and CSC keys
work unchanged). Each signature is a ``ds:Signature`` child of the record root whose ``Id`` is
the role's field name, in plan order (GVCN → principal → seal). Its enveloped reference
(``URI=""`` + enveloped-signature transform) covers the record *and the earlier signatures*,
so a signature also seals the order; a second reference covers the XAdES SignedProperties
(SigningTime, SigningCertificateV2, SignerRoleV2). The RFC 3161 token over the canonical
``ds:SignatureValue`` sits in ``UnsignedSignatureProperties/SignatureTimeStamp`` (XAdES-T).

The structure is written with lxml rather than signxml's signer: signxml needs a private
key object (a token or remote key has none) and verifies one signature per document;
``hocba.verify.xml`` verifies each signature with signxml's verifier all the same.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

from asn1crypto import x509
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree
from pyhanko.sign import timestamps

from hocba.errors import InvalidRecord
from hocba.signing.backends import Signer
from hocba.signing.errors import DocumentError, PlanError, SigningError, TimestampError
from hocba.signing.pades import check_certificate
from hocba.signing.plan import SignaturePlan
from hocba.signing.trust import TrustConfig
from hocba.spec import Record
from hocba.spec.roles import SignerRole
from hocba.spec.xml import MAX_XML_BYTES, from_xml

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
_NSMAP = {"ds": DS, "xades": XADES}


def ds(tag: str) -> str:
    return f"{{{DS}}}{tag}"


def xa(tag: str) -> str:
    return f"{{{XADES}}}{tag}"


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML: no entities resolved, no network, no DTD loading, size-capped."""
    if len(data) > MAX_XML_BYTES:
        raise InvalidRecord("Tệp XML quá lớn để là một học bạ.", code="xml.too_large")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_blank_text=False,
    )  # fmt: skip
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidRecord("Tệp XML không đọc được.", detail=str(exc), code="xml.syntax") from exc
    if root.getroottree().docinfo.internalDTD is not None or any(
        isinstance(n, etree._Entity) for n in root.iter()
    ):
        raise InvalidRecord("Tệp XML không được chứa khai báo DTD/thực thể.", code="xml.dtd")
    return root


def c14n(el: etree._Element) -> bytes:
    return etree.tostring(el, method="c14n", exclusive=True, with_comments=False)


def signatures_of(root: etree._Element) -> list[etree._Element]:
    return [el for el in root if el.tag == ds("Signature")]


def unsigned_record(root: etree._Element) -> tuple[bytes, Record]:
    """The record XML without its signatures, and the record it holds (schema-checked)."""
    bare = etree.fromstring(etree.tostring(root))
    for sig in signatures_of(bare):
        bare.remove(sig)
    data = etree.tostring(bare, xml_declaration=True, encoding="UTF-8")
    return data, from_xml(data)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
    el = etree.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _transforms(parent: etree._Element, *algorithms: str) -> None:
    transforms = _sub(parent, ds("Transforms"))
    for algorithm in algorithms:
        _sub(transforms, ds("Transform"), Algorithm=algorithm)


def _reference(parent, uri: str, digest: bytes, *transforms: str, **attrs: str) -> None:
    ref = _sub(parent, ds("Reference"), URI=uri, **attrs)
    _transforms(ref, *transforms)
    _sub(ref, ds("DigestMethod"), Algorithm=SHA256)
    _sub(ref, ds("DigestValue"), _b64(digest))


def _signature_method(signer: Signer) -> str:
    mechanism = signer.pyhanko_signer.get_signature_mechanism_for_digest("sha256")
    algo = mechanism["algorithm"].native
    if "ecdsa" in algo:
        return ECDSA_SHA256
    if algo in ("rsassa_pkcs1v15", "sha256_rsa"):
        return RSA_SHA256
    raise SigningError(
        "Khoá ký dùng thuật toán không hỗ trợ cho chữ ký XML (cần RSA PKCS#1 v1.5 hoặc ECDSA).",
        detail=f"signature mechanism {algo}",
    )


def check_xml_order(root: etree._Element, plan: SignaturePlan, role: SignerRole) -> None:
    """Exactly the earlier planned signatures are present, in plan order."""
    slot = plan.slot(role)
    present = tuple(sig.get("Id") for sig in signatures_of(root))
    if slot.field_name in present:
        raise PlanError(
            f"Bản XML đã có chữ ký của {slot.role.label_vi.lower()}.",
            code="signing.field_already_signed",
        )
    expected = tuple(s.field_name for s in plan.slots[: slot.position])
    if present != expected:
        missing = [s.role.label_vi.lower() for s in plan.slots[: slot.position]
                   if s.field_name not in present]  # fmt: skip
        why = f"chưa có chữ ký của {', '.join(missing)}" if missing else "sai thứ tự ký"
        raise PlanError(
            f"Chưa đến lượt {slot.role.label_vi.lower()} ký bản XML: {why}. Thứ tự ký: "
            + " → ".join(s.role.label_vi.lower() for s in plan.slots)
            + ".",
            code="signing.out_of_order",
        )


def _certificate_digest(cert: x509.Certificate) -> bytes:
    return hashlib.sha256(cert.dump()).digest()


@dataclass
class PreparedXml:
    """One XML signature built up to its ``SignatureValue``: ``tbs_hash`` (the SHA-256 of the
    canonical ``SignedInfo``) is what the key signs; ``finish_xml`` completes it."""

    root: etree._Element
    value: etree._Element
    qualifying: etree._Element
    sig_id: str
    method: str
    certificate: x509.Certificate
    tbs: bytes

    @property
    def tbs_hash(self) -> bytes:
        return hashlib.sha256(self.tbs).digest()


def prepare_xml(
    xml: bytes,
    role: SignerRole,
    signer: Signer,
    *,
    trust: TrustConfig | None = None,
    now: dt.datetime | None = None,
) -> PreparedXml:
    """Check (record, plan order, certificate), then build the signature of ``role`` without
    its value, so many can be signed with one approval (``hocba.signing.batch``)."""
    try:
        root = parse_xml(xml)
    except InvalidRecord as exc:
        raise DocumentError(exc.message_vi, detail=exc.detail, code=exc.code) from exc
    try:
        _, record = unsigned_record(root)
    except InvalidRecord as exc:
        raise PlanError(
            f"Bản XML không phải học bạ hợp lệ: {exc.message_vi}",
            detail=exc.detail, code="signing.invalid_record",
        ) from exc  # fmt: skip
    plan = SignaturePlan.from_record(record)
    slot = plan.slot(role)
    check_xml_order(root, plan, role)
    check_certificate(signer, slot, trust=trust, now=now)
    method = _signature_method(signer)
    sig_id = slot.field_name
    cert = signer.certificate

    sig = etree.SubElement(root, ds("Signature"), {"Id": sig_id}, nsmap=_NSMAP)
    signed_info = _sub(sig, ds("SignedInfo"))
    _sub(signed_info, ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    _sub(signed_info, ds("SignatureMethod"), Algorithm=method)
    value = _sub(sig, ds("SignatureValue"), Id=f"{sig_id}-value")
    key_info = _sub(sig, ds("KeyInfo"))
    x509_data = _sub(key_info, ds("X509Data"))
    _sub(x509_data, ds("X509Certificate"), _b64(cert.dump()))
    chain = list(signer.pyhanko_signer.cert_registry or ())
    for extra in chain:
        if extra.dump() != cert.dump():
            _sub(x509_data, ds("X509Certificate"), _b64(extra.dump()))
    obj = _sub(sig, ds("Object"))
    qualifying = _sub(obj, xa("QualifyingProperties"), Target=f"#{sig_id}")
    signed_props = _sub(qualifying, xa("SignedProperties"), Id=f"{sig_id}-props")
    ssp = _sub(signed_props, xa("SignedSignatureProperties"))
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    _sub(ssp, xa("SigningTime"), when.strftime("%Y-%m-%dT%H:%M:%SZ"))
    cert_v2 = _sub(_sub(ssp, xa("SigningCertificateV2")), xa("Cert"))
    cert_digest = _sub(cert_v2, xa("CertDigest"))
    _sub(cert_digest, ds("DigestMethod"), Algorithm=SHA256)
    _sub(cert_digest, ds("DigestValue"), _b64(_certificate_digest(cert)))
    roles = _sub(_sub(ssp, xa("SignerRoleV2")), xa("ClaimedRoles"))
    _sub(roles, xa("ClaimedRole"), role.value)

    # enveloped reference: the document minus this signature (the earlier ones included)
    detached = etree.fromstring(etree.tostring(root))
    detached.remove(detached[-1])
    _reference(signed_info, "", hashlib.sha256(c14n(detached)).digest(), ENVELOPED, EXC_C14N)
    _reference(
        signed_info, f"#{sig_id}-props", hashlib.sha256(c14n(signed_props)).digest(), EXC_C14N,
        Type=SIGNED_PROPERTIES_TYPE,
    )  # fmt: skip
    return PreparedXml(root, value, qualifying, sig_id, method, cert, c14n(signed_info))


async def async_finish_xml(
    prepared: PreparedXml, raw: bytes, timestamper: timestamps.TimeStamper
) -> bytes:
    """Put the raw signature (DER for ECDSA, as keys return it) and its RFC 3161 token in."""
    if prepared.method == ECDSA_SHA256:  # XML-DSig wants r || s, not DER
        r, s = decode_dss_signature(raw)
        size = (prepared.certificate.public_key.bit_size + 7) // 8
        raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    value = prepared.value
    value.text = _b64(raw)
    try:
        token = await timestamper.async_timestamp(hashlib.sha256(c14n(value)).digest(), "sha256")
    except timestamps.TimestampRequestError as exc:
        raise TimestampError(
            "Không lấy được dấu thời gian từ máy chủ TSA.", detail=f"TSA failed: {exc}"
        ) from exc
    except (TimeoutError, OSError) as exc:
        raise TimestampError(
            "Không kết nối được máy chủ cấp dấu thời gian (TSA).", detail=f"TSA: {exc!r}"
        ) from exc
    usp = _sub(
        _sub(prepared.qualifying, xa("UnsignedProperties")), xa("UnsignedSignatureProperties")
    )
    stamp = _sub(usp, xa("SignatureTimeStamp"), Id=f"{prepared.sig_id}-ts")
    _sub(stamp, ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    _sub(stamp, xa("EncapsulatedTimeStamp"), _b64(token.dump()))
    return etree.tostring(prepared.root, xml_declaration=True, encoding="UTF-8")


async def async_sign_xml(
    xml: bytes,
    role: SignerRole,
    signer: Signer,
    timestamper: timestamps.TimeStamper,
    *,
    trust: TrustConfig | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """Check, then add the XAdES-T signature of ``role``; returns the new XML bytes."""
    prepared = prepare_xml(xml, role, signer, trust=trust, now=now)
    raw = await signer.pyhanko_signer.async_sign_raw(prepared.tbs, "sha256")
    return await async_finish_xml(prepared, raw, timestamper)


def sign_xml(
    xml: bytes,
    role: SignerRole,
    signer: Signer,
    timestamper: timestamps.TimeStamper,
    *,
    trust: TrustConfig | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    return asyncio.run(async_sign_xml(xml, role, signer, timestamper, trust=trust, now=now))


def sign_xml_all(
    xml: bytes,
    signers_by_role: dict[SignerRole, Signer],
    timestamper: timestamps.TimeStamper,
    *,
    trust: TrustConfig | None = None,
) -> bytes:
    """Every planned signature in order (demo, tests)."""
    for role in (SignerRole.GVCN, SignerRole.PRINCIPAL, SignerRole.SEAL):
        if role in signers_by_role:
            xml = sign_xml(xml, role, signers_by_role[role], timestamper, trust=trust)
    return xml
