"""Who signs a học bạ, in which order, into which PDF field (DOMAIN §1, §7)."""

from __future__ import annotations

from enum import StrEnum


class SignerRole(StrEnum):
    """A planned signer of a record. The order of members is the signing order (DOMAIN §7)."""

    GVCN = "gvcn"  # homeroom teacher, giáo viên chủ nhiệm
    PRINCIPAL = "principal"  # hiệu trưởng
    SEAL = "seal"  # the school's organisation certificate, chứng thư số của nhà trường

    @property
    def field_name(self) -> str:
        """The PDF signature field declared for this signer in every rendered record."""
        return _FIELD_NAMES[self]

    @property
    def label_vi(self) -> str:
        return _LABELS_VI[self]

    @property
    def position(self) -> int:
        """0-based place in the signing order."""
        return list(SignerRole).index(self)


_FIELD_NAMES = {
    SignerRole.GVCN: "Sig_GVCN",
    SignerRole.PRINCIPAL: "Sig_Principal",
    SignerRole.SEAL: "Sig_SchoolSeal",
}
_LABELS_VI = {
    SignerRole.GVCN: "Giáo viên chủ nhiệm",
    SignerRole.PRINCIPAL: "Hiệu trưởng",
    SignerRole.SEAL: "Chứng thư số của nhà trường",
}
SIGNING_ORDER: tuple[SignerRole, ...] = tuple(SignerRole)
