"""The vendor REST API, ``/api/v1/`` (django-ninja). Operations parse input, call one query or
service, shape the answer; authority is the policy's (a token acts as its school's
``SchoolAgent``). OpenAPI: ``/api/v1/openapi.json``, committed as ``docs/openapi.json``
(``hocba api-schema > docs/openapi.json``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Path, Query
from ninja.errors import ValidationError
from ninja.security import HttpBearer

from hocba.apps.api import queries, services, upsert
from hocba.apps.api.errors import StrictJsonParser, install_handlers
from hocba.apps.api.schemas import (
    ClassFindingsOut,
    ClassOut,
    ClassPage,
    ErrorOut,
    RecordOut,
    RecordPage,
    StudentFindingsOut,
)
from hocba.apps.records import review
from hocba.apps.records.models import RecordVersion
from hocba.spec import Record

DESCRIPTION = """API mở cho phần mềm quản lý nhà trường (open API for school software).

Xác thực: `Authorization: Bearer <mã truy cập>` — mã do Hiệu trưởng tạo cho một trường, chỉ
đọc/ghi dữ liệu của trường đó. Mọi lỗi 4xx/5xx có cùng một dạng JSON `{"error": {...}}`.
Danh sách phân trang bằng con trỏ: gửi lại `next_cursor` (hoặc theo đường dẫn `next`)."""


class TokenAuth(HttpBearer):
    """``Authorization: Bearer hocba_<prefix>_<secret>`` → the token's ``SchoolAgent``.
    Never logs the header (ninja's default logs it on a wrong scheme)."""

    def __call__(self, request: HttpRequest) -> Any:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return None
        return self.authenticate(request, value.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return services.authenticate(token)


class HocbaAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        return str(operation.view_func.__name__)


def openapi_json() -> str:
    """The OpenAPI document as committed in ``docs/openapi.json`` (stable key order)."""
    import json

    return json.dumps(api.get_openapi_schema(), ensure_ascii=False, indent=2) + "\n"


api = HocbaAPI(
    title="hocba vendor API",
    version="1",
    description=DESCRIPTION,
    auth=TokenAuth(),
    parser=StrictJsonParser(),
    urls_namespace="api",
    docs_url=None,
)
install_handlers(api)

MAX_ID = queries.MAX_ID
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 500: ErrorOut}
YEAR = r"^\d{4}-\d{4}$"
ID = Path(..., ge=1, le=MAX_ID, description="Mã (số nguyên dương)")
LIMIT = Query(50, ge=1, le=100, description="Số mục mỗi trang (1–100)")
CURSOR = Query(
    None,
    pattern=queries.CURSOR_PATTERN,
    description="Con trỏ trang: next_cursor của trang trước (giá trị mờ, không tự tạo)",
)
YEAR_FILTER = Query(None, pattern=YEAR, description="Lọc theo năm học, ví dụ 2024-2025")


def _only(request: HttpRequest, *allowed: str) -> None:
    """Unknown query parameters are an error (422), so a misspelt filter never silently
    returns everything."""
    unknown = sorted(set(request.GET) - set(allowed))
    if unknown:
        raise ValidationError(
            [
                {"loc": ("query", name), "type": "extra_forbidden", "msg": "unknown"}
                for name in unknown
            ]
        )


def _next(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return f"{request.path}?{query.urlencode()}"


def _class_out(state: review.ClassState) -> ClassOut:
    cls = state.school_class
    return ClassOut(
        id=cls.pk,
        name=cls.name,
        grade=cls.grade,
        school_year=cls.school_year.code,
        students=state.students,
        entered_percent=state.entered_percent,
        locked=state.locked,
        finalised_at=state.finalisation.finalised_at if state.finalisation else None,
        record_statuses=dict(state.statuses),
    )


@api.get(
    "/classes",
    response={200: ClassPage, **ERRORS},
    summary="Các lớp của trường và trạng thái chốt dữ liệu",
    tags=["classes"],
)
def list_classes(
    request: HttpRequest,
    school_year: str | None = YEAR_FILTER,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> Any:
    _only(request, "school_year", "cursor", "limit")
    page = queries.class_page(request.auth, school_year=school_year, cursor=cursor, limit=limit)
    return ClassPage(
        items=[_class_out(s) for s in page.items],
        next_cursor=page.next_cursor,
        next=_next(request, page.next_cursor),
    )


@api.get(
    "/classes/{class_id}",
    response={200: ClassOut, **ERRORS},
    summary="Một lớp: tiến độ nhập, trạng thái chốt, số học bạ theo trạng thái",
    tags=["classes"],
)
def get_class(request: HttpRequest, class_id: int = ID) -> Any:
    _only(request)
    return _class_out(queries.class_state(request.auth, class_id))


def _student_out(item: review.StudentReview, locked: set[int]) -> StudentFindingsOut:
    record: Record | None = item.record
    return StudentFindingsOut(
        enrolment_id=item.enrolment.pk,
        student_code=item.enrolment.student.student_code,
        status=item.status,
        editable=item.enrolment.pk not in locked,
        overall_result=item.result.value if item.result else None,
        subjects=list(record.subjects) if record else [],
        qualities=list(record.qualities) if record else [],
        competences=list(record.competences) if record else [],
        findings=[f.as_dict() for f in item.findings],
    )


@api.get(
    "/classes/{class_id}/findings",
    response={200: ClassFindingsOut, **ERRORS},
    summary="Dữ liệu đánh giá, kết quả tính theo TT27 và các phát hiện của từng học sinh",
    tags=["classes"],
)
def class_findings(request: HttpRequest, class_id: int = ID) -> Any:
    _only(request)
    state, reviews, locked = queries.class_findings(request.auth, class_id)
    return ClassFindingsOut(
        school_class=_class_out(state), students=[_student_out(r, locked) for r in reviews]
    )


def _record_out(version: RecordVersion) -> RecordOut:
    links = {
        fmt: reverse(f"api:record_{fmt}", kwargs={"version_id": version.pk})
        for fmt in services.FORMATS
    }
    return RecordOut(
        id=version.pk,
        record_id=version.record_id,
        version=version.version,
        student_code=version.enrolment.student.student_code,
        class_id=version.enrolment.school_class_id,
        school_year=version.enrolment.school_class.school_year.code,
        overall_result=version.overall_result,
        digest=version.digest,
        issued_at=version.issued_at,
        status=version.status,
        superseded_by=version.superseded_by.version if version.superseded_by else None,
        superseded_reason=(
            version.superseded_by.correction_reason or None if version.superseded_by else None
        ),
        superseded_at=version.superseded_at,
        links=links,
    )


@api.get(
    "/records",
    response={200: RecordPage, **ERRORS},
    summary="Học bạ đã ban hành của trường, hiện hành và đã được thay thế (phân trang bằng con trỏ)",
    tags=["records"],
)
def list_records(
    request: HttpRequest,
    school_year: str | None = YEAR_FILTER,
    class_id: int | None = Query(None, ge=1, le=MAX_ID, description="Lọc theo lớp"),
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> Any:
    _only(request, "school_year", "class_id", "cursor", "limit")
    page = queries.record_page(
        request.auth, school_year=school_year, class_id=class_id, cursor=cursor, limit=limit
    )
    return RecordPage(
        items=[_record_out(v) for v in page.items],
        next_cursor=page.next_cursor,
        next=_next(request, page.next_cursor),
    )


@api.get(
    "/records/{version_id}",
    response={200: RecordOut, **ERRORS},
    summary="Thông tin một học bạ đã ban hành",
    tags=["records"],
)
def get_record(request: HttpRequest, version_id: int = ID) -> Any:
    _only(request)
    return _record_out(services.issued_version(request.auth, version_id))


def _file(request: HttpRequest, version_id: int, fmt: str) -> HttpResponse:
    _only(request)
    name, content_type, data = services.record_file(request.auth, version_id, fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _binary(content_type: str, description: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


@api.get(
    "/records/{version_id}/pdf",
    response=ERRORS,
    url_name="record_pdf",
    summary="Tệp PDF đã ký của học bạ",
    tags=["records"],
    openapi_extra=_binary("application/pdf", "PDF/A-3 đã ký số (PAdES)"),
)
def record_pdf(request: HttpRequest, version_id: int = ID) -> HttpResponse:
    return _file(request, version_id, "pdf")


@api.get(
    "/records/{version_id}/json",
    response=ERRORS,
    url_name="record_json",
    summary="Học bạ dạng JSON chuẩn hóa (RFC 8785), đúng với mã băm",
    tags=["records"],
    openapi_extra={
        "responses": {
            200: {
                "description": "JSON chuẩn hóa theo lược đồ học bạ (hocba.spec)",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        }
    },
)
def record_json(request: HttpRequest, version_id: int = ID) -> HttpResponse:
    return _file(request, version_id, "json")


@api.get(
    "/records/{version_id}/xml",
    response=ERRORS,
    url_name="record_xml",
    summary="Học bạ dạng XML (bản đã ký XAdES nếu có)",
    tags=["records"],
    openapi_extra=_binary("application/xml", "XML theo XSD của học bạ"),
)
def record_xml(request: HttpRequest, version_id: int = ID) -> HttpResponse:
    return _file(request, version_id, "xml")


WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, **ERRORS}


@api.put(
    "/classes/{class_id}/roster",
    response={200: upsert.SummaryOut, **WRITE_ERRORS},
    summary="Cập nhật học sinh của lớp, ghi danh và phụ huynh (theo mã học sinh)",
    description="Kiểm tra toàn bộ trước; có lỗi thì không ghi gì (422, mỗi lỗi kèm JSON path). "
    "Gửi lại cùng nội dung không thay đổi gì (changed: false).",
    tags=["upsert"],
)
def put_roster(request: HttpRequest, body: upsert.RosterIn, class_id: int = ID) -> Any:
    _only(request)
    return upsert.summary_out(upsert.upsert_roster(request.auth, class_id, body))


@api.put(
    "/classes/{class_id}/evaluations",
    response={200: upsert.SummaryOut, **WRITE_ERRORS},
    summary="Cập nhật đánh giá môn học, phẩm chất và năng lực của lớp (theo mã học sinh, mã môn)",
    description="Trường bỏ trống (null) giữ nguyên giá trị đã lưu. Kiểm tra toàn bộ trước; có lỗi "
    "thì không ghi gì (422). Lớp đã chốt không nhận thay đổi. Gửi lại: không thay đổi gì.",
    tags=["upsert"],
)
def put_evaluations(request: HttpRequest, body: upsert.EvaluationsIn, class_id: int = ID) -> Any:
    _only(request)
    return upsert.summary_out(upsert.upsert_evaluations(request.auth, class_id, body))
