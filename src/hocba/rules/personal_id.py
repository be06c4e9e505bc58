"""The personal ID number against the citizen-ID layout (Nghị định 137/2015/NĐ-CP Điều 13).

Warnings only: the number is the state's, the school copies it; a mismatch is worth a look
(a typo, digits swapped, another child's number) but never blocks a record. Messages name the
digit at fault, never the number itself (personal data, DOMAIN §6).
"""

from __future__ import annotations

from collections.abc import Iterator

from hocba.rules.articles import article_of
from hocba.rules.findings import Finding, Severity
from hocba.spec import Sex, Student
from hocba.spec.citizen_id import PersonalIdParts, century_sex_digit, provinces

PATH = "$.student.personal_id"


def _warn(code: str, message: str) -> Finding:
    return Finding(code, Severity.WARNING, message, PATH, article_of(code))


def check_personal_id(student: Student) -> Iterator[Finding]:
    """Province code, century-and-sex digit and year digits against the student's data."""
    if student.personal_id is None:
        return
    parts = PersonalIdParts.of(student.personal_id)
    born = student.date_of_birth.year
    if parts.province not in provinces():
        yield _warn(
            "student.personal_id_province",
            "Ba chữ số đầu của số định danh cá nhân không phải mã của tỉnh, thành phố nơi đăng ký "
            "khai sinh (001 đến 096); cần kiểm tra lại số định danh, trừ khi học sinh được "
            "đăng ký khai sinh ở nước ngoài.",
        )
    expected = century_sex_digit(student.sex, born)
    if expected is not None and parts.century_sex != expected:
        sex = "nữ" if student.sex is Sex.FEMALE else "nam"
        yield _warn(
            "student.personal_id_century_sex",
            "Chữ số thứ tư của số định danh cá nhân (mã thế kỷ sinh và giới tính) không khớp "
            f"với giới tính và năm sinh của học sinh: học sinh {sex} sinh năm {born} "
            f"phải có chữ số {expected}.",
        )
    if parts.year != f"{born % 100:02d}":
        yield _warn(
            "student.personal_id_birth_year",
            "Chữ số thứ năm và thứ sáu của số định danh cá nhân (mã năm sinh) phải là hai chữ "
            f"số cuối của năm sinh {born}.",
        )
