"""What the template prints: tokens, Vietnamese dates and numbers, grouping, soft breaks."""

from __future__ import annotations

import datetime as dt

from hocba.render import DEFAULT_VERIFY_URL, record_view, verification_token, verification_url
from hocba.render.view import SOFT_BREAK, decimal, soften, written_date
from hocba.spec import Promotion, PromotionDecision, Record, record_digest
from tests.builders import primary_record


def test_the_token_names_format_record_version_and_digest(record: Record) -> None:
    token = verification_token(record)
    assert token == f"HOCBA:1:{record.record_id}:{record.version}:{record_digest(record)}"


def test_the_qr_address_is_the_verify_url_with_the_token_as_q(record: Record) -> None:
    token = verification_token(record)
    assert verification_url("https://x.vn/xm", token) == f"https://x.vn/xm?q={token}"


def test_written_dates_pad_days_below_ten_and_january_february() -> None:
    # Nghị định 30/2020/NĐ-CP, Phụ lục I: "ngày 05 tháng 02 năm 2025"
    assert written_date(dt.date(2025, 2, 5)) == "ngày 05 tháng 02 năm 2025"
    assert written_date(dt.date(2025, 5, 28)) == "ngày 28 tháng 5 năm 2025"
    assert written_date(dt.date(2025, 12, 1)) == "ngày 01 tháng 12 năm 2025"


def test_numbers_use_a_decimal_comma() -> None:
    assert decimal(17.8) == "17,8"
    assert decimal(20.0) == "20"


def test_competences_are_grouped_as_general_then_specific(record: Record) -> None:
    groups = record_view(record, verify_url=DEFAULT_VERIFY_URL)["competence_groups"]
    assert [g["title"] for g in groups] == ["Những năng lực chung", "Những năng lực đặc thù"]
    assert sum(len(g["rows"]) for g in groups) == len(record.competences)


def test_levels_are_printed_in_words(record: Record) -> None:
    view = record_view(record, verify_url=DEFAULT_VERIFY_URL)
    assert view["subjects"][0]["level"] == record.subjects[0].level.label_vi
    assert view["qualities"][0]["level"] == record.qualities[0].level.label_vi


def test_only_words_too_long_for_a_cell_get_soft_breaks() -> None:
    assert soften("Em học tốt, chăm chỉ.") == "Em học tốt, chăm chỉ."
    broken = soften("x" * 30)
    assert broken.replace(SOFT_BREAK, "") == "x" * 30
    assert broken.count(SOFT_BREAK) == 2


def test_the_token_and_title_are_never_softened(long_record: Record) -> None:
    view = record_view(long_record, verify_url=DEFAULT_VERIFY_URL)
    assert SOFT_BREAK not in view["verify"]["token"]
    assert SOFT_BREAK not in "".join(view["keywords"])
    assert SOFT_BREAK in view["subjects"][1]["comment"]


def _with_decision(grade: int) -> Record:
    decision = Promotion(decision=PromotionDecision.RETAINED, decided_on=dt.date(2025, 8, 10))
    return primary_record(grade=grade, promotion=decision)


def test_grade_five_prints_no_promotion_line_even_if_one_is_stated() -> None:  # TT27 Art. 11.2
    assert record_view(_with_decision(5), verify_url=DEFAULT_VERIFY_URL)["promotion"] is None


def test_grades_one_to_four_print_the_principals_decision() -> None:  # TT27 Art. 11.1c
    view = record_view(_with_decision(4), verify_url=DEFAULT_VERIFY_URL)
    assert view["promotion"] == {"decision": "Chưa được lên lớp", "date": "10/08/2025"}
