"""The personal ID number against the citizen-ID layout (NĐ 137/2015/NĐ-CP Điều 13):
province code, century-and-sex digit, year of birth. Warnings, never a block."""

from __future__ import annotations

import datetime as dt

from hocba.rules import tt27
from hocba.spec import Sex
from tests.builders import primary_record


def student_record(personal_id, sex=Sex.FEMALE, born=dt.date(2015, 3, 14)):
    rec = tt27.with_computed_results(primary_record())
    student = rec.student.model_copy(
        update={"personal_id": personal_id, "sex": sex, "date_of_birth": born}
    )
    return rec.model_copy(update={"student": student})


def findings(personal_id, **kw):
    return [(f.code, f.severity.value) for f in tt27.evaluate(student_record(personal_id, **kw))]


def test_a_number_laid_out_as_the_citizen_id_has_no_finding():  # NĐ 137/2015 Điều 13
    assert findings("079315001234") == []


def test_a_boy_born_in_2016_in_ha_noi_has_no_finding():  # NĐ 137/2015 Điều 13
    assert findings("001216000123", sex=Sex.MALE, born=dt.date(2016, 5, 1)) == []


def test_a_province_code_outside_the_63_is_a_warning():  # NĐ 137/2015 Điều 13
    assert findings("003315001234") == [("student.personal_id_province", "warning")]


def test_province_code_000_is_not_a_province():  # NĐ 137/2015 Điều 13
    assert findings("000315001234") == [("student.personal_id_province", "warning")]


def test_a_male_digit_on_a_girl_is_a_warning():  # NĐ 137/2015 Điều 13
    assert findings("079215001234") == [("student.personal_id_century_sex", "warning")]


def test_a_twentieth_century_digit_on_a_child_born_in_2015_is_a_warning():  # Điều 13
    assert findings("079115001234") == [("student.personal_id_century_sex", "warning")]


def test_a_girl_born_in_1999_has_digit_one():  # NĐ 137/2015 Điều 13
    assert findings("001199001234", born=dt.date(1999, 12, 31)) == []


def test_year_digits_differing_from_the_year_of_birth_are_a_warning():  # Điều 13
    assert findings("079316001234") == [("student.personal_id_birth_year", "warning")]


def test_every_part_wrong_gives_three_warnings_and_no_error():  # NĐ 137/2015 Điều 13
    assert findings("099099001234", sex=Sex.MALE) == [
        ("student.personal_id_province", "warning"),
        ("student.personal_id_century_sex", "warning"),
        ("student.personal_id_birth_year", "warning"),
    ]


def test_the_messages_never_repeat_the_number():  # DOMAIN §6: personal data
    for f in tt27.evaluate(student_record("099099001234", sex=Sex.MALE)):
        assert "099099001234" not in f.message_vi and "001234" not in f.message_vi
        assert f.path == "$.student.personal_id"


def test_the_century_message_names_the_digit_expected():  # NĐ 137/2015 Điều 13
    (f,) = tt27.evaluate(student_record("079215001234"))
    assert "học sinh nữ sinh năm 2015 phải có chữ số 3" in f.message_vi


def test_the_checks_cite_the_decree_that_lays_out_the_number():
    (f,) = tt27.evaluate(student_record("079316001234"))
    assert f.article == "NĐ 137/2015/NĐ-CP Điều 13"


def test_a_student_without_a_number_gets_only_the_missing_warning():  # TT27 Art. 10
    assert findings(None) == [("student.personal_id_missing", "warning")]
