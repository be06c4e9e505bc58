"""Turn what people really type into clean values (pure).

Every parser takes a raw cell value (str, int, float, bool, date, datetime or None, as
python-calamine or a JSON body gives it) and returns the clean value, ``None`` for an empty
cell, or raises ``BadValue`` with a code and a Vietnamese reason.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from hocba.errors import CatalogError
from hocba.spec import GradeCatalog, grade_catalog


class BadValue(ValueError):
    def __init__(self, code: str, message_vi: str) -> None:
        super().__init__(code)
        self.code = code
        self.message_vi = message_vi


_SPACES = re.compile(r"\s+")


def text(value: Any) -> str:
    """NFC, trimmed, inner runs of spaces (incl. non-breaking, tabs, line breaks) collapsed;
    numbers without ".0"; dates as dd/mm/yyyy."""
    if type(value) is str:
        if not value.isascii() and not unicodedata.is_normalized("NFC", value):
            value = unicodedata.normalize("NFC", value)
        if value.isprintable() and "  " not in value and value == value.strip():
            return value  # the common case, without a regex
        return _SPACES.sub(" ", value).strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def key(value: Any) -> str:
    """A comparison key: ``text`` + case-folded (for headers, sheet names, level labels)."""
    return text(value).casefold()


def _fold(value: str) -> str:
    """Without diacritics (đ -> d): to accept labels typed without a Vietnamese keyboard."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _lookup(value: Any, table: dict[str, str], code: str, message_vi: str) -> str | None:
    if type(value) is str and (hit := table.get(value)) is not None:
        return hit  # typed exactly as listed ("T", "t", "Hoàn thành tốt")
    k = key(value)
    if not k:
        return None
    found = table.get(k) or table.get(_fold(k))
    if found is None:
        raise BadValue(code, message_vi)
    return found


def _table(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out = {}
    for result, aliases in pairs.items():
        for alias in aliases:
            k = key(alias)
            out[k] = result
            out.setdefault(_fold(k), result)
            out.setdefault(alias, result)
            out.setdefault(alias.upper(), result)
    return out


SUBJECT_LEVELS = _table(
    {
        "T": ("T", "Hoàn thành tốt", "HTT"),
        "H": ("H", "Hoàn thành", "HT"),
        "C": ("C", "Chưa hoàn thành", "CHT"),
    }
)
RATING_LEVELS = _table(
    {"T": ("T", "Tốt"), "Đ": ("Đ", "Đạt", "D"), "C": ("C", "Cần cố gắng", "CCG")}
)
SUBJECT_LEVEL_MESSAGE = (
    "mức đạt được phải là T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành)"
)
RATING_LEVEL_MESSAGE = "mức đạt được phải là T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng)"


def subject_level(value: Any) -> str | None:
    """ "Hoàn thành tốt", "T", "t", "hoan thanh tot", NFD… -> "T"; likewise H and C."""
    return _lookup(value, SUBJECT_LEVELS, "value.level", SUBJECT_LEVEL_MESSAGE)


def rating_level(value: Any) -> str | None:
    """ "Tốt"/"T" -> "T", "Đạt"/"Đ"/"d" -> "Đ", "Cần cố gắng"/"C" -> "C"."""
    return _lookup(value, RATING_LEVELS, "value.level", RATING_LEVEL_MESSAGE)


SCORE_MESSAGE = "điểm phải là số nguyên từ 0 đến 10 (không có phần thập phân)"
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def score(value: Any) -> int | None:
    """A periodic test score: an integer 0–10. ``8``, ``8.0`` (float cell), "8", "8.0", "8,0"
    are 8; 7.5 or "7,5" is refused, as is anything outside 0–10."""
    if value is None or (isinstance(value, str) and not text(value)):
        return None
    if isinstance(value, bool):
        raise BadValue("value.score", SCORE_MESSAGE)
    if isinstance(value, int | float):
        number = float(value)
    else:
        raw = text(value)
        if not _NUMBER.match(raw):
            raise BadValue("value.score", SCORE_MESSAGE)
        number = float(raw.replace(",", "."))
    if not number.is_integer():
        raise BadValue("value.score_decimal", SCORE_MESSAGE)
    if not 0 <= number <= 10:
        raise BadValue("value.score_range", SCORE_MESSAGE)
    return int(number)


DATE_MESSAGE = "ngày phải có dạng dd/mm/yyyy (ví dụ 05/09/2024)"
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def day(value: Any) -> date | None:
    """An Excel date cell, or "dd/mm/yyyy" (also with - or .), or ISO "yyyy-mm-dd"."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    if not raw:
        return None
    try:
        if m := _DMY.match(raw):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _ISO.match(raw):
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as err:
        raise BadValue("value.date", "ngày không tồn tại") from err
    raise BadValue("value.date", DATE_MESSAGE)


def year(value: Any) -> int | None:
    """A year of birth such as 1985 (text or number)."""
    raw = text(value)
    if not raw:
        return None
    if not raw.isdigit() or not 1900 <= int(raw) <= 2100:
        raise BadValue("value.year", "năm sinh phải là số có 4 chữ số, ví dụ 1985")
    return int(raw)


SEXES = _table({"nam": ("Nam", "M", "Male"), "nữ": ("Nữ", "F", "Female")})


def sex(value: Any) -> str | None:
    return _lookup(value, SEXES, "value.sex", "giới tính phải là Nam hoặc Nữ")


def personal_id(value: Any) -> str | None:
    """A 12-digit personal ID number; a number cell lost its leading zeros, so pad it back."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        raw = str(int(value)).zfill(12) if float(value).is_integer() else text(value)
    else:
        raw = text(value).replace(" ", "")
    if not raw:
        return None
    if not (raw.isdigit() and len(raw) == 12):
        raise BadValue("value.personal_id", "số định danh cá nhân phải gồm đúng 12 chữ số")
    return raw


def code(value: Any) -> str:
    """An identifier (student code, class name): ``text`` without inner spaces collapsed away
    by mistake; a number cell 12345.0 becomes "12345"."""
    return text(value)


# --- the subject catalog ---------------------------------------------------------------------


def catalogs(school_year: str) -> dict[int, GradeCatalog]:
    """The TT27 catalog of each primary grade the 2018 programme reached in ``school_year``."""
    out = {}
    for grade in range(1, 6):
        try:
            out[grade] = grade_catalog(school_year, grade)
        except CatalogError:  # the 2018 programme had not reached this grade yet
            continue
    return out


def subject_index(school_year: str) -> dict[str, tuple[str, str]]:
    """Sheet name / subject name / code (as ``key``, also without diacritics) -> (code, name)."""
    out: dict[str, tuple[str, str]] = {}
    for catalog in catalogs(school_year).values():
        for s in catalog.subjects:
            for alias in (s.code, s.name):
                out[key(alias)] = (s.code, s.name)
                out.setdefault(_fold(key(alias)), (s.code, s.name))
    return out


def ever_tested(school_year: str) -> dict[str, tuple[bool, bool]]:
    """Subject code -> (has an end-of-year test in some grade, has mid-term tests in some grade)."""
    out: dict[str, tuple[bool, bool]] = {}
    for catalog in catalogs(school_year).values():
        for s in catalog.subjects:
            tested, midterm = out.get(s.code, (False, False))
            out[s.code] = (tested or s.tested, midterm or s.midterm_tested)
    return out


def lookup_key(value: Any) -> str:
    """``key`` without diacritics: for matching headers typed in any form."""
    return _fold(key(value))
