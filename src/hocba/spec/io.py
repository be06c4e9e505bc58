"""Reading a record from untrusted bytes: every failure becomes a located, Vietnamese problem.

``load_record`` never lets a traceback escape for bad input: it raises ``InvalidRecord``
whose ``problems`` say what is wrong and where (a JSON path such as ``$.subjects[2].level``).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hocba.errors import InvalidRecord
from hocba.spec.models import Record

MAX_RECORD_BYTES = 2 * 1024 * 1024
"""A real record is a few kilobytes; anything above this is refused before parsing."""


@dataclass(frozen=True)
class Problem:
    """One located reason why a document is not a valid record."""

    path: str
    code: str
    message_vi: str
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message_vi}


class RecordProblems(InvalidRecord):
    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        super().__init__(
            f"Hồ sơ không hợp lệ: {first.message_vi} (tại {first.path})",
            detail=f"invalid record: {len(problems)} problem(s), first {first.code} at {first.path}",
        )
        self.problems = list(problems)


def json_path(loc: Iterable[int | str]) -> str:
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _fail(code: str, message_vi: str, path: str = "$", detail: str = "") -> RecordProblems:
    return RecordProblems([Problem(path, code, message_vi, detail or code)])


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _fail("json.duplicate_key", f"Trường '{key}' xuất hiện hai lần.")
        seen[key] = value
    return seen


def _reject_constant(name: str) -> Any:
    raise _fail("json.bad_number", f"Giá trị số '{name}' không hợp lệ trong JSON.")


def decode_text(data: bytes | str) -> str:
    """Bytes → NFC text, refusing what cannot be a record document."""
    if isinstance(data, bytes):
        if len(data) > MAX_RECORD_BYTES:
            raise _fail(
                "file.too_large",
                f"Tệp quá lớn ({len(data):,} byte); tối đa {MAX_RECORD_BYTES:,} byte.",
            )
        if not data.strip():
            raise _fail("file.empty", "Tệp rỗng.")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _fail(
                "file.not_utf8",
                f"Tệp không phải văn bản UTF-8 (byte lỗi ở vị trí {exc.start}).",
            ) from None
    if not data.strip():
        raise _fail("file.empty", "Tệp rỗng.")
    # Vietnamese typed on some systems arrives decomposed (NFD); the record is always NFC.
    return unicodedata.normalize("NFC", data)


def parse_json(text: str) -> Any:
    try:
        return json.loads(
            text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise _fail(
            "json.syntax",
            f"JSON sai cú pháp ở dòng {exc.lineno}, cột {exc.colno}: {_JSON_MSG.get(exc.msg, exc.msg)}.",
        ) from None
    except RecursionError:
        raise _fail("json.too_deep", "JSON lồng nhau quá sâu.") from None


_JSON_MSG = {
    "Expecting value": "thiếu giá trị",
    "Expecting ',' delimiter": "thiếu dấu phẩy",
    "Expecting ':' delimiter": "thiếu dấu hai chấm",
    "Expecting property name enclosed in double quotes": "tên trường phải đặt trong ngoặc kép",
    "Unterminated string starting at": "chuỗi chưa đóng ngoặc kép",
    "Extra data": "có dữ liệu thừa sau đối tượng JSON",
    "Invalid control character at": "ký tự điều khiển không hợp lệ",
}


def load_record(data: bytes | str) -> Record:
    """Parse and validate one record document (JSON). Raises ``RecordProblems``."""
    text = decode_text(data)
    obj = parse_json(text)
    if not isinstance(obj, dict):
        raise _fail("json.not_object", "Tài liệu phải là một đối tượng JSON ({...}).")
    return validate_record(obj)


def validate_record(obj: dict[str, Any]) -> Record:
    """Validate an already-parsed JSON object (strings must be NFC)."""
    try:
        # Strict JSON-mode validation: no silent "8" → 8 or 8.5 → 8 coercions.
        return Record.model_validate_json(json.dumps(obj, ensure_ascii=False), strict=True)
    except ValidationError as exc:
        raise RecordProblems([_problem(err) for err in exc.errors()]) from None


def _problem(err: Any) -> Problem:
    kind: str = err["type"]
    ctx = dict(err.get("ctx") or {})
    if isinstance(ctx.get("expected"), str):  # pydantic lists choices in English: "'T' or 'C'"
        ctx["expected"] = _vi_choices(ctx["expected"])
    template = _PYDANTIC_MSG.get(kind, "giá trị không hợp lệ")
    try:
        message = template.format(**ctx)
    except (KeyError, IndexError):
        message = template
    return Problem(
        path=json_path(err["loc"]),
        code=f"schema.{kind}",
        message_vi=message[:1].upper() + message[1:] + ".",
        detail=str(err.get("msg", kind)),
    )


def _vi_choices(expected: str) -> str:
    """Pydantic's "'T', 'H' or 'C'" in Vietnamese: "'T', 'H' hoặc 'C'"."""
    head, sep, last = expected.rpartition(" or ")
    return f"{head} hoặc {last}" if sep else expected


_PYDANTIC_MSG = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không có trong lược đồ học bạ",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên, không có phần thập phân",
    "int_parsing": "phải là số nguyên",
    "float_type": "phải là số",
    "float_parsing": "phải là số",
    "bool_type": "phải là true hoặc false",
    "string_type": "phải là chuỗi ký tự",
    "string_too_short": "không được để trống",
    "string_too_long": "quá dài (tối đa {max_length} ký tự)",
    "string_pattern_mismatch": "không đúng định dạng (mẫu {pattern})",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "greater_than": "phải lớn hơn {gt}",
    "less_than": "phải nhỏ hơn {lt}",
    "enum": "giá trị không hợp lệ; cho phép: {expected}",
    "literal_error": "giá trị không hợp lệ; cho phép: {expected}",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "date_from_datetime_parsing": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "date_from_datetime_inexact": "chỉ ghi ngày, không ghi giờ",
    "model_type": "phải là một đối tượng",
    "model_attributes_type": "phải là một đối tượng",
    "dict_type": "phải là một đối tượng",
    "list_type": "phải là một danh sách",
    "too_long": "có quá nhiều phần tử (tối đa {max_length})",
    "too_short": "có quá ít phần tử (tối thiểu {min_length})",
    "json_invalid": "JSON không hợp lệ",
}
