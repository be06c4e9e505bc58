"""Who a certificate names, and whether that is the planned signer of a slot (DOMAIN §1).

The rule, shared by signing and verification:
- GVCN and principal: a personal certificate whose subject CN equals the planned signer's
  full name (after Unicode NFC normalisation and casefolding);
- school seal: an organisation certificate (subject has O and CN = O, or an organisation
  identifier) whose CN equals the school's name, which is the planned seal signer's name.
"""

from __future__ import annotations

import unicodedata

from asn1crypto import x509

from hocba.spec.roles import SignerRole


def normalise_name(name: str) -> str:
    """NFC, casefolded, inner whitespace collapsed: how names are compared."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _attr(cert: x509.Certificate, key: str) -> str:
    value = cert.subject.native.get(key)
    if isinstance(value, list):
        value = value[-1] if value else None
    return str(value) if value else ""


def common_name(cert: x509.Certificate) -> str:
    """The subject CN (the signer's display name), or "" when there is none."""
    return _attr(cert, "common_name")


def is_organisation_certificate(cert: x509.Certificate) -> bool:
    org = _attr(cert, "organization_name")
    if _attr(cert, "organization_identifier"):
        return True
    return bool(org) and normalise_name(org) == normalise_name(common_name(cert))


def signer_mismatch(cert: x509.Certificate, role: SignerRole, planned_name: str) -> str | None:
    """Why ``cert`` is not the planned signer for ``role`` (Vietnamese), or None when it is."""
    cn = common_name(cert)
    if role is SignerRole.SEAL:
        if not is_organisation_certificate(cert):
            return (
                f"Chứng thư số của “{cn}” là chứng thư cá nhân; con dấu số của nhà trường "
                "phải dùng chứng thư số tổ chức."
            )
    elif is_organisation_certificate(cert):
        return (
            f"Chứng thư số của “{cn}” là chứng thư tổ chức; {role.label_vi.lower()} phải ký "
            "bằng chứng thư số cá nhân."
        )
    if normalise_name(cn) != normalise_name(planned_name):
        return (
            f"Chứng thư số cấp cho “{cn}”, nhưng người ký theo kế hoạch "
            f"({role.label_vi.lower()}) là “{planned_name}”."
        )
    return None
