"""The signature plan of a record: GVCN → principal → school seal (DOMAIN §1, §7).

The plan comes from the record itself (``record.signers``); each planned signer gets a slot
naming the PDF field declared for it. The first slot certifies the document (DocMDP, form
filling allowed), the later ones are approval signatures into their pre-declared fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hocba.signing.errors import PlanError
from hocba.spec import Record
from hocba.spec.roles import SIGNING_ORDER, SignerRole


@dataclass(frozen=True)
class SignatureSlot:
    """One planned signature: who signs, into which field, at which place in the order."""

    role: SignerRole
    field_name: str
    signer_name: str
    """The planned signer's full name; for the seal, the school's name."""
    signer_title: str
    position: int
    certify: bool
    """True for the first slot: a certification signature allowing only form filling."""


@dataclass(frozen=True)
class SignaturePlan:
    """The ordered slots of one record version."""

    record_id: str
    version: int
    location: str
    slots: tuple[SignatureSlot, ...]

    @classmethod
    def from_record(cls, record: Record) -> SignaturePlan:
        roles = [s.role for s in record.signers]
        if not roles:
            raise PlanError("Học bạ không có người ký theo kế hoạch.", code="signing.no_plan")
        if len(set(roles)) != len(roles) or roles != sorted(roles, key=SIGNING_ORDER.index):
            raise PlanError(
                "Thứ tự người ký trong học bạ phải là: giáo viên chủ nhiệm → hiệu trưởng → "
                "chứng thư số của nhà trường, mỗi vai trò một lần.",
                code="signing.bad_plan",
            )
        slots = tuple(
            SignatureSlot(
                role=s.role,
                field_name=s.role.field_name,
                signer_name=s.full_name,
                signer_title=s.title,
                position=i,
                certify=i == 0,
            )
            for i, s in enumerate(record.signers)
        )
        return cls(record.record_id, record.version, record.place, slots)

    def __iter__(self) -> Iterator[SignatureSlot]:
        return iter(self.slots)

    def slot(self, role: SignerRole) -> SignatureSlot:
        for slot in self.slots:
            if slot.role is role:
                return slot
        raise PlanError(
            f"Học bạ không có chữ ký “{role.label_vi}” trong kế hoạch ký.",
            code="signing.role_not_planned",
        )

    def slot_for_field(self, field_name: str) -> SignatureSlot | None:
        return next((s for s in self.slots if s.field_name == field_name), None)
