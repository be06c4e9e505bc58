"""The layout of the Vietnamese personal ID number (số định danh cá nhân, the citizen ID).

Twelve digits: a three-digit code of the province where the birth was registered, one digit
for the century of birth and the sex, the last two digits of the year of birth, six random
digits (Nghị định 137/2015/NĐ-CP Điều 13). The province codes are data, in
``data/citizen_id.toml``; this module only reads them and takes numbers apart.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from hocba.spec.models import Sex

FIRST_CENTURY = 1900
"""Births in 1900–1999 have the century-and-sex digit 0 (male) or 1 (female); each later
century adds two: 2/3 for 2000–2099, 4/5 for 2100–2199, up to 8/9 for 2300–2399."""


@cache
def provinces() -> Mapping[str, str]:
    """Province code ("001") → province name ("Hà Nội"), the 63 codes of the citizen ID."""
    text = resources.files("hocba.spec").joinpath("data", "citizen_id.toml").read_text("utf-8")
    rows = tomllib.loads(text)["provinces"]
    return MappingProxyType({str(r["code"]): str(r["name"]) for r in rows})


def century_sex_digit(sex: Sex, year_of_birth: int) -> int | None:
    """The fourth digit for this sex and year of birth; None outside 1900–2399."""
    century = (year_of_birth - FIRST_CENTURY) // 100
    if not 0 <= century <= 4:
        return None
    return 2 * century + (1 if sex is Sex.FEMALE else 0)


@dataclass(frozen=True)
class PersonalIdParts:
    """The four parts of a 12-digit personal ID number."""

    province: str  # three digits, e.g. "001"
    century_sex: int  # the fourth digit
    year: str  # two digits: the year of birth modulo 100
    serial: str  # six random digits

    @classmethod
    def of(cls, number: str) -> PersonalIdParts:
        if len(number) != 12 or not number.isdigit():
            raise ValueError("a personal ID number has 12 digits")
        return cls(number[:3], int(number[3]), number[4:6], number[6:])


def personal_id(province: str, sex: Sex, year_of_birth: int, serial: int) -> str:
    """A number laid out as the citizen ID is, e.g. for demo data and tests."""
    if province not in provinces():
        raise ValueError(f"unknown province code {province!r}")
    digit = century_sex_digit(sex, year_of_birth)
    if digit is None or not 0 <= serial < 10**6:
        raise ValueError("year of birth outside 1900–2399 or serial outside six digits")
    return f"{province}{digit}{year_of_birth % 100:02d}{serial:06d}"
