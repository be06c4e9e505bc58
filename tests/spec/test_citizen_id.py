"""The citizen-ID layout: 63 province codes as data, the century-and-sex digit, assembly."""

from __future__ import annotations

import pytest

from hocba.spec import Sex
from hocba.spec.citizen_id import PersonalIdParts, century_sex_digit, personal_id, provinces


def test_there_are_63_province_codes_from_001_ha_noi_to_096_ca_mau():
    codes = list(provinces())
    assert len(codes) == 63 and codes[0] == "001" and codes[-1] == "096"
    assert (provinces()["001"], provinces()["079"], provinces()["096"]) == (
        "Hà Nội",
        "Hồ Chí Minh",
        "Cà Mau",
    )


def test_province_codes_are_three_digits_in_order_without_repeats():
    codes = list(provinces())
    assert codes == sorted(set(codes)) and all(len(c) == 3 and c.isdigit() for c in codes)


@pytest.mark.parametrize(
    ("sex", "year", "digit"),
    [
        (Sex.MALE, 1900, 0),
        (Sex.FEMALE, 1999, 1),
        (Sex.MALE, 2000, 2),
        (Sex.FEMALE, 2099, 3),
        (Sex.MALE, 2100, 4),
        (Sex.FEMALE, 2199, 5),
        (Sex.FEMALE, 2399, 9),
    ],
)
def test_the_century_and_sex_digit(sex, year, digit):
    assert century_sex_digit(sex, year) == digit


def test_no_digit_outside_1900_to_2399():
    assert century_sex_digit(Sex.MALE, 1899) is None
    assert century_sex_digit(Sex.FEMALE, 2400) is None


def test_a_number_is_assembled_and_taken_apart_the_same_way():
    number = personal_id("079", Sex.FEMALE, 2015, 1234)
    assert number == "079315001234"
    assert PersonalIdParts.of(number) == PersonalIdParts("079", 3, "15", "001234")


def test_an_unknown_province_is_refused_when_assembling():
    with pytest.raises(ValueError):
        personal_id("003", Sex.MALE, 2015, 1)
