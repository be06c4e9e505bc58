"""One JSON error shape for every 4xx/5xx answer of ``/api/v1/``:

    {"error": {"code": "...", "message": "<tiếng Việt>", "problems": [{"path", "code", "message"}]}}

Handlers for ninja's own errors (validation, authentication), policy denials (404, never 403),
unknown paths, wrong methods and unexpected exceptions (500 without internals; logged in
English)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from hocba.apps.accounts.errors import NotAllowed
from hocba.errors import HocbaError
from hocba.ingest.rows import ImportRejected

log = logging.getLogger("hocba.api")

MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthorized", "Thiếu hoặc sai mã truy cập API (Authorization: Bearer <mã>)."),
    403: ("forbidden", "Không có quyền."),
    404: ("not_found", "Không tìm thấy hoặc bạn không có quyền."),
    405: ("method_not_allowed", "Phương thức HTTP không được hỗ trợ ở đường dẫn này."),
    422: ("invalid", "Dữ liệu gửi lên không hợp lệ."),
    429: ("too_many_requests", "Quá nhiều yêu cầu, hãy thử lại sau."),
    500: ("internal_error", "Lỗi máy chủ. Hãy thử lại sau hoặc báo cho quản trị hệ thống."),
}


def problem(path: str, code: str, message: str) -> dict[str, str]:
    return {"path": path, "code": code, "message": message}


def error_response(
    status: int,
    *,
    code: str | None = None,
    message: str | None = None,
    problems: Iterable[dict[str, str]] = (),
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    default_code, default_message = MESSAGES.get(status, MESSAGES[400])
    body = {
        "error": {
            "code": code or default_code,
            "message": message or default_message,
            "problems": list(problems),
        }
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


_PARAM_SOURCES = {"query": "query", "path": "path", "header": "header", "cookie": "cookie"}


def _path_of(loc: Iterable[Any]) -> str:
    """ninja's error location ("body", "payload", "students", 0, "code") as a JSON path
    ("$.students[0].code") for the body, or "query.limit" for parameters."""
    parts = list(loc)
    if parts and parts[0] in _PARAM_SOURCES:
        return ".".join(str(p) for p in parts)
    if parts and parts[0] == "body":
        parts = parts[2:]  # "body", <parameter name>
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


_PYDANTIC_VI = {
    "missing": "Thiếu trường bắt buộc.",
    "extra_forbidden": "Trường không được phép.",
    "int_parsing": "Phải là số nguyên.",
    "int_type": "Phải là số nguyên.",
    "string_type": "Phải là chuỗi.",
    "string_too_long": "Chuỗi quá dài.",
    "string_too_short": "Chuỗi quá ngắn.",
    "string_pattern_mismatch": "Không đúng định dạng.",
    "greater_than_equal": "Giá trị quá nhỏ.",
    "less_than_equal": "Giá trị quá lớn.",
    "literal_error": "Giá trị không thuộc danh sách cho phép.",
    "enum": "Giá trị không thuộc danh sách cho phép.",
    "date_from_datetime_parsing": "Phải là ngày dạng YYYY-MM-DD.",
    "date_parsing": "Phải là ngày dạng YYYY-MM-DD.",
    "list_type": "Phải là danh sách.",
    "model_attributes_type": "Phải là đối tượng JSON.",
    "dict_type": "Phải là đối tượng JSON.",
    "json_invalid": "Nội dung không phải JSON hợp lệ.",
}


def validation_problems(errors: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        problem(
            _path_of(e.get("loc", ())),
            str(e.get("type", "invalid")),
            _PYDANTIC_VI.get(str(e.get("type")), "Giá trị không hợp lệ."),
        )
        for e in errors
    ]


def install_handlers(api: NinjaAPI) -> None:
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(422, problems=validation_problems(exc.errors))

    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(401, headers={"WWW-Authenticate": 'Bearer realm="hocba"'})

    def on_http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(exc.status_code if exc.status_code in MESSAGES else 400)

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        # One message for every 404: "no such class" for a missing id but "not found or not
        # allowed" for another school's would tell a token what exists elsewhere.
        return error_response(404)

    def on_rejected(request: HttpRequest, exc: ImportRejected) -> HttpResponse:
        log.info("api import rejected: %s", exc.detail)
        problems = [problem(p.where.field or "$", p.code, p.message_vi) for p in exc.problems]
        return error_response(422, code=exc.code, message=exc.message_vi, problems=problems)

    def on_hocba(request: HttpRequest, exc: HocbaError) -> HttpResponse:
        log.info("api request refused: %s (%s)", exc.code, exc.detail)
        return error_response(422, code=exc.code, message=exc.message_vi)

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("api: unexpected error on %s %s", request.method, request.path)
        return error_response(500)

    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(HttpError, on_http)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(NotAllowed, on_not_found)
    api.add_exception_handler(ImportRejected, on_rejected)
    api.add_exception_handler(HocbaError, on_hocba)
    api.add_exception_handler(Exception, on_unexpected)


def json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Give ninja's plain-text 405 (a method no operation of the path accepts) our shape."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return error_response(405, headers={"Allow": response.get("Allow", "")})
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapped


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under /api/v1/ that names no operation."""
    return error_response(404)


not_found_view.csrf_exempt = True  # type: ignore[attr-defined]


class StrictJsonParser(Parser):
    """JSON bodies must be UTF-8 and carry no NUL character or lone surrogate (text the
    databases cannot store): such a body answers 400 instead of failing deep in a write."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body.decode("utf-8"))
        _check_text(data)
        return data


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # raises on a lone surrogate
        if "\x00" in value:
            raise ValueError("NUL character in a JSON string")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)
