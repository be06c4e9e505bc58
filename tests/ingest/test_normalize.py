"""What people really type becomes clean values; what cannot be right is refused with a code."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from hocba.ingest import normalize as n


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    "typed",
    ["T", "t", "Hoàn thành tốt", "hoàn thành tốt", "HOÀN THÀNH TỐT", nfd("Hoàn thành tốt"),
     "  Hoàn   thành\u00a0tốt ", "hoan thanh tot", " t "],
)  # fmt: skip
def test_subject_level_good(typed):
    assert n.subject_level(typed) == "T"


@pytest.mark.parametrize(
    ("typed", "level"),
    [("H", "H"), ("Hoàn thành", "H"), (nfd("hoàn thành"), "H"), ("c", "C"),
     ("Chưa hoàn thành", "C"), (nfd("CHƯA HOÀN THÀNH"), "C"), ("", None), (None, None),
     ("   ", None)],
)  # fmt: skip
def test_subject_levels(typed, level):
    assert n.subject_level(typed) == level


@pytest.mark.parametrize("typed", ["Giỏi", "A", "Tốt", "Đ", "x"])
def test_subject_level_refused(typed):
    with pytest.raises(n.BadValue) as err:
        n.subject_level(typed)
    assert err.value.code == "value.level"
    assert "T (Hoàn thành tốt)" in err.value.message_vi


@pytest.mark.parametrize(
    ("typed", "level"),
    [("Tốt", "T"), ("t", "T"), ("Đạt", "Đ"), ("đ", "Đ"), ("D", "Đ"), ("dat", "Đ"),
     (nfd("Đạt"), "Đ"), ("Cần cố gắng", "C"), (nfd(" cần  cố gắng "), "C")],
)  # fmt: skip
def test_rating_levels(typed, level):
    assert n.rating_level(typed) == level


def test_rating_level_refused():
    with pytest.raises(n.BadValue):
        n.rating_level("Hoàn thành")


@pytest.mark.parametrize(
    ("typed", "score"),
    [(8, 8), (8.0, 8), ("8", 8), ("8.0", 8), ("8,0", 8), (" 10 ", 10), (0, 0), (0.0, 0),
     ("", None), (None, None)],
)  # fmt: skip
def test_scores(typed, score):
    assert n.score(typed) == score
    assert n.score(typed) is None or type(n.score(typed)) is int


@pytest.mark.parametrize(
    ("typed", "code"),
    [(7.5, "value.score_decimal"), ("7.5", "value.score_decimal"), ("7,5", "value.score_decimal"),
     (11, "value.score_range"), (-1, "value.score_range"), ("mười", "value.score"),
     (True, "value.score")],
)  # fmt: skip
def test_scores_refused(typed, code):
    with pytest.raises(n.BadValue) as err:
        n.score(typed)
    assert err.value.code == code
    assert "số nguyên từ 0 đến 10" in err.value.message_vi


@pytest.mark.parametrize(
    ("typed", "day"),
    [(dt.date(2017, 9, 5), dt.date(2017, 9, 5)), (dt.datetime(2017, 9, 5), dt.date(2017, 9, 5)),
     ("05/09/2017", dt.date(2017, 9, 5)), ("5/9/2017", dt.date(2017, 9, 5)),
     ("05-09-2017", dt.date(2017, 9, 5)), ("2017-09-05", dt.date(2017, 9, 5)), ("", None)],
)  # fmt: skip
def test_days(typed, day):
    assert n.day(typed) == day


@pytest.mark.parametrize("typed", ["31/02/2017", "Sept 5 2017", "05/09/17"])
def test_days_refused(typed):
    with pytest.raises(n.BadValue):
        n.day(typed)


def test_text_is_nfc_trimmed_and_collapsed():
    assert n.text(nfd("  Nguyễn   Văn\tAn ")) == "Nguyễn Văn An"
    assert unicodedata.is_normalized("NFC", n.text(nfd("Nguyễn")))
    assert n.text(12345.0) == "12345"
    assert n.text(None) == ""


def test_personal_id_number_cells_get_their_leading_zeros_back():
    assert n.personal_id(1234567890.0) == "001234567890"
    assert n.personal_id("001 234 567 890") == "001234567890"
    with pytest.raises(n.BadValue):
        n.personal_id("12345")


def test_sex_and_year():
    assert n.sex("nu") == "nữ" and n.sex(nfd("Nữ")) == "nữ" and n.sex(" NAM ") == "nam"
    assert n.year(1985.0) == 1985
    with pytest.raises(n.BadValue):
        n.year("85")


def test_catalog_helpers():
    index = n.subject_index("2024-2025")
    assert index["toán"] == ("TOAN", "Toán") and index["toan"] == ("TOAN", "Toán")
    tested = n.ever_tested("2024-2025")
    assert tested["TOAN"] == (True, True) and tested["DD"] == (False, False)
