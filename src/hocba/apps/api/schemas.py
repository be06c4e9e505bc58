"""The API's JSON shapes (pydantic via django-ninja). Record parts reuse ``hocba.spec`` models,
so a vendor reads one vocabulary in the record schema and in the API."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Schema
from pydantic import Field

from hocba.spec import Rating, SubjectResult

# --- errors ------------------------------------------------------------------------------------


class ProblemOut(Schema):
    path: str = Field(
        description="Vị trí lỗi: JSON path trong nội dung gửi lên ($...) hoặc tên tham số"
    )
    code: str = Field(description="Mã lỗi cho máy đọc")
    message: str = Field(description="Mô tả lỗi bằng tiếng Việt")


class ErrorBody(Schema):
    code: str = Field(description="Mã lỗi, ví dụ not_found, unauthorized, invalid")
    message: str = Field(description="Thông báo bằng tiếng Việt")
    problems: list[ProblemOut] = Field(default_factory=list)


class ErrorOut(Schema):
    """The one error shape of every 4xx/5xx answer."""

    error: ErrorBody


# --- classes and findings ------------------------------------------------------------------------


class ClassOut(Schema):
    id: int
    name: str = Field(description="Tên lớp")
    grade: int = Field(description="Khối lớp")
    school_year: str = Field(description="Năm học, ví dụ 2024-2025")
    students: int = Field(description="Số học sinh")
    entered_percent: int | None = Field(description="Tỷ lệ đã nhập mức cuối năm các môn bắt buộc")
    locked: bool = Field(description="Lớp đã được GVCN chốt dữ liệu")
    finalised_at: dt.datetime | None = Field(description="Thời điểm chốt")
    record_statuses: dict[str, int] = Field(description="Số học bạ theo trạng thái")


class ClassPage(Schema):
    items: list[ClassOut]
    next_cursor: str | None = Field(description="Con trỏ trang sau; null ở trang cuối")
    next: str | None = Field(description="Đường dẫn trang sau; null ở trang cuối")


class FindingOut(Schema):
    code: str
    severity: str = Field(description="error (chặn chốt dữ liệu) hoặc warning")
    message: str
    path: str = Field(description="JSON path trong học bạ")
    article: str = Field(description="Căn cứ (điều khoản)")


class StudentFindingsOut(Schema):
    enrolment_id: int
    student_code: str = Field(description="Mã học sinh")
    status: str = Field(description="Trạng thái phiên bản học bạ hiện tại; rỗng nếu chưa có")
    editable: bool = Field(description="Dữ liệu còn sửa được (lớp chưa chốt hoặc đã mở khóa)")
    overall_result: str | None = Field(description="Kết quả giáo dục tính theo TT27")
    subjects: list[SubjectResult] = Field(description="Môn học và hoạt động giáo dục")
    qualities: list[Rating] = Field(description="Phẩm chất")
    competences: list[Rating] = Field(description="Năng lực")
    findings: list[FindingOut]


class ClassFindingsOut(Schema):
    school_class: ClassOut
    students: list[StudentFindingsOut]


# --- issued records --------------------------------------------------------------------------------


class RecordOut(Schema):
    id: int = Field(description="Mã phiên bản (dùng trong đường dẫn tải tệp)")
    record_id: uuid.UUID = Field(description="Mã học bạ")
    version: int
    student_code: str
    class_id: int
    school_year: str
    overall_result: str
    digest: str = Field(description="SHA-256 của JSON chuẩn hóa (RFC 8785)")
    issued_at: dt.datetime | None
    status: str = Field(
        description="issued: phiên bản hiện hành; superseded: đã được thay thế bởi phiên bản "
        "điều chỉnh (vẫn là bản thật, vẫn xác minh được)"
    )
    superseded_by: int | None = Field(description="Số phiên bản thay thế; null nếu hiện hành")
    superseded_reason: str | None = Field(description="Lý do điều chỉnh của phiên bản thay thế")
    superseded_at: dt.datetime | None = Field(description="Thời điểm bị thay thế")
    links: dict[str, str] = Field(description="Đường dẫn tải tệp: pdf, json, xml")


class RecordPage(Schema):
    items: list[RecordOut]
    next_cursor: str | None = Field(description="Con trỏ trang sau; null ở trang cuối")
    next: str | None = Field(description="Đường dẫn trang sau; null ở trang cuối")
