"""Fast assembly of CMS signatures and RFC 3161 tokens from per-signer templates.

Building a CMS ``SignedData`` with asn1crypto costs ~10 ms (objects are re-serialised level
by level); a timestamp token another ~5 ms. For one signer almost all of the structure is
constant — certificates, signer identifier, algorithms, most signed attributes — so we let
pyHanko build one complete signature as a *template*, keep its constant DER pieces, and per
document only splice in the variable parts (message digest, signature value, timestamp
token), computing DER lengths ourselves. Each template checks itself once on creation: it
must reproduce pyHanko's bytes exactly (signatures) or verify with the TSA key (tokens).
Anything outside the plain PAdES case falls back to pyHanko's own code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import algos, cms, core, tsp, x509
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute

SEQUENCE, SET, OCTET_STRING, INTEGER, GENERALIZED_TIME = 0x30, 0x31, 0x04, 0x02, 0x18
_TST_TOKEN_OID = core.ObjectIdentifier("1.2.840.113549.1.9.16.2.14").dump()
_SIGNED_DATA_OID = cms.ContentType("signed_data").dump()
_TST_INFO_OID = cms.ContentType("tst_info").dump()
_SHA256 = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
_CONSTANT_ATTRS = {
    "content_type",
    "message_digest",
    "signing_certificate",
    "signing_certificate_v2",
    "cms_algorithm_protection",
}


def der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + der_length(len(content)) + content


def der_integer(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True)
    return tlv(INTEGER, body)


def der_generalized_time(moment: dt.datetime) -> bytes:
    moment = moment.astimezone(dt.UTC)
    text = moment.strftime("%Y%m%d%H%M%S")
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
    return tlv(GENERALIZED_TIME, (text + "Z").encode())


def der_set(elements: list[bytes]) -> bytes:
    """DER SET OF: elements in ascending order of their encodings."""
    width = max((len(e) for e in elements), default=0)
    return tlv(SET, b"".join(sorted(elements, key=lambda e: e.ljust(width, b"\0"))))


@dataclass(frozen=True)
class SignatureTemplate:
    """Constant DER pieces of one signer's PAdES CMS signature (SHA-256)."""

    signed_attrs: bytes  # the SET to be signed, with the digest marker inside
    marker: bytes
    data_head: bytes  # SignedData: version, digestAlgorithms, encapContentInfo, certificates
    info_head: bytes  # SignerInfo: version, sid, digestAlgorithm
    signature_algorithm: bytes

    @classmethod
    def from_cms(cls, content_info: cms.ContentInfo, marker: bytes) -> SignatureTemplate | None:
        """Split a pyHanko-built signature over ``marker``; None if it is not the plain case."""
        data = content_info["content"]
        if len(data["signer_infos"]) != 1 or data["crls"].native:
            return None
        info = data["signer_infos"][0]
        attr_types = {a["type"].native for a in info["signed_attrs"]}
        if not attr_types <= _CONSTANT_ATTRS or info["unsigned_attrs"].native:
            return None
        tagged_attrs = info["signed_attrs"].dump()
        if tagged_attrs.count(marker) != 1:
            return None
        template = cls(
            signed_attrs=bytes([SET]) + tagged_attrs[1:],
            marker=marker,
            data_head=b"".join(
                data[k].dump()
                for k in ("version", "digest_algorithms", "encap_content_info", "certificates")
            ),
            info_head=b"".join(info[k].dump() for k in ("version", "sid", "digest_algorithm")),
            signature_algorithm=info["signature_algorithm"].dump(),
        )
        rebuilt = template.assemble(template.signed_attrs, info["signature"].native, None)
        return template if rebuilt == content_info.dump() else None

    def attrs_for(self, digest: bytes) -> bytes:
        return self.signed_attrs.replace(self.marker, digest)

    def assemble(self, signed_attrs: bytes, signature: bytes, token: bytes | None) -> bytes:
        unsigned = b""
        if token is not None:
            attribute = tlv(SEQUENCE, _TST_TOKEN_OID + tlv(SET, token))
            unsigned = tlv(0xA1, attribute)
        signer_info = tlv(
            SEQUENCE,
            self.info_head
            + bytes([0xA0])
            + signed_attrs[1:]
            + self.signature_algorithm
            + tlv(OCTET_STRING, signature)
            + unsigned,
        )
        signed_data = tlv(SEQUENCE, self.data_head + tlv(SET, signer_info))
        return tlv(SEQUENCE, _SIGNED_DATA_OID + tlv(0xA0, signed_data))


@dataclass(frozen=True)
class TokenTemplate:
    """Constant DER pieces of an RFC 3161 token from one TSA (SHA-256, RSA PKCS#1 v1.5)."""

    policy: bytes
    tsa_name: bytes
    attrs_sorted: tuple[bytes, ...]  # signed attributes, message digest = marker
    marker: bytes
    data_head: bytes  # version, digestAlgorithms
    certificates: bytes
    info_head: bytes  # version, sid, digestAlgorithm
    signature_algorithm: bytes

    @classmethod
    def for_tsa(
        cls, tsa_cert: x509.Certificate, extra_certs: list[x509.Certificate]
    ) -> TokenTemplate:
        marker = secrets.token_bytes(32)
        attrs = [
            simple_cms_attribute("content_type", "tst_info").dump(),
            simple_cms_attribute(
                "signing_certificate_v2", as_signing_certificate_v2(tsa_cert)
            ).dump(),
            simple_cms_attribute("message_digest", marker).dump(),
        ]
        width = max(len(a) for a in attrs)
        certs = [tsa_cert, *extra_certs]
        sid = cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value=cms.IssuerAndSerialNumber(
                {"issuer": tsa_cert.issuer, "serial_number": tsa_cert.serial_number}
            ),
        )
        tsa = x509.GeneralName(name="directory_name", value=tsa_cert.subject)
        return cls(
            policy=core.ObjectIdentifier("1.3.6.1.4.1.4146.2.2").dump(),
            tsa_name=tlv(0xA0, tsa.dump()),
            attrs_sorted=tuple(sorted(attrs, key=lambda a: a.ljust(width, b"\0"))),
            marker=marker,
            data_head=der_integer(3) + tlv(SET, _SHA256),
            certificates=bytes([0xA0]) + der_set([c.dump() for c in certs])[1:],
            info_head=der_integer(1) + sid.dump() + _SHA256,
            signature_algorithm=algos.SignedDigestAlgorithm(
                {"algorithm": "rsassa_pkcs1v15"}
            ).dump(),
        )

    def token(self, imprint: bytes, moment: dt.datetime, sign: Callable[[bytes], bytes]) -> bytes:
        """A complete TimeStampToken (ContentInfo DER) over the SHA-256 ``imprint``."""
        tst_info = tlv(
            SEQUENCE,
            der_integer(1)
            + self.policy
            + tlv(SEQUENCE, _SHA256 + tlv(OCTET_STRING, imprint))
            + der_integer(secrets.randbits(63) | 1)
            + der_generalized_time(moment)
            + self.tsa_name,
        )
        digest = hashlib.sha256(tst_info).digest()
        attrs = tlv(SET, b"".join(self.attrs_sorted).replace(self.marker, digest))
        signer_info = tlv(
            SEQUENCE,
            self.info_head
            + bytes([0xA0])
            + attrs[1:]
            + self.signature_algorithm
            + tlv(OCTET_STRING, sign(attrs)),
        )
        encap = tlv(SEQUENCE, _TST_INFO_OID + tlv(0xA0, tlv(OCTET_STRING, tst_info)))
        signed_data = tlv(
            SEQUENCE, self.data_head + encap + self.certificates + tlv(SET, signer_info)
        )
        return tlv(SEQUENCE, _SIGNED_DATA_OID + tlv(0xA0, signed_data))


def check_token(token: bytes, imprint: bytes) -> None:
    """Parse a token fully and check its imprint (the one-time self-test of a template)."""
    info = cms.ContentInfo.load(token)
    tst = info["content"]["encap_content_info"]["content"].parsed
    assert isinstance(tst, tsp.TSTInfo)
    assert tst["message_imprint"]["hashed_message"].native == imprint
    assert info.dump(force=True) == token, "token is not DER"
