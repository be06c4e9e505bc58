"""What the audit log's codes mean, in Vietnamese: one label per tag (a test fails when a tag
has none), and the names and values of the ``data`` keys services write."""

from __future__ import annotations

from collections.abc import Mapping

from hocba.apps.audit.tags import EventTag as T

TAG_LABELS: Mapping[str, str] = {
    T.ACCOUNT_GRANT_ADDED: "Cấp quyền cho tài khoản",
    T.ACCOUNT_GRANT_REVOKED: "Thu hồi quyền của tài khoản",
    T.ACCOUNT_LOGIN_FAILED: "Đăng nhập không thành công",
    T.ACCOUNT_LOGIN_SUCCEEDED: "Đăng nhập",
    T.ACCOUNT_USER_CREATED: "Tạo tài khoản",
    T.API_TOKEN_CREATED: "Tạo mã API",
    T.API_TOKEN_REVOKED: "Thu hồi mã API",
    T.CLASS_EVALUATIONS_FINALISED: "Chốt đánh giá, lập học bạ",
    T.CLASS_EVALUATIONS_UNLOCKED: "Mở khoá để sửa đánh giá",
    T.DIRECTORY_CLASS_CREATED: "Tạo lớp",
    T.DIRECTORY_ENROLMENT_CREATED: "Ghi danh học sinh vào lớp",
    T.DIRECTORY_ENROLMENT_LEFT: "Học sinh rời trường (chuyển đi, thôi học)",
    T.DIRECTORY_YEAR_OPENED: "Mở năm học",
    T.EVALUATION_PLAN_CHANGED: "Ghi kế hoạch giáo dục cá nhân (học sinh khuyết tật)",
    T.EVALUATION_RATING_CHANGED: "Sửa đánh giá phẩm chất, năng lực",
    T.EVALUATION_SUBJECT_CHANGED: "Sửa đánh giá môn học",
    T.EVALUATION_SUMMARY_CHANGED: "Sửa tổng hợp cuối năm (chiều cao, cân nặng, ngày nghỉ)",
    T.IMPORT_EVALUATIONS_APPLIED: "Nhập đánh giá từ tệp/API",
    T.IMPORT_ROSTER_APPLIED: "Nhập danh sách học sinh từ tệp/API",
    T.RECORD_ISSUED: "Ban hành học bạ",
    T.RECORD_SIGNATURE_ADDED: "Ký số học bạ",
    T.RECORD_VIEWED: "Xem/tải học bạ",
    T.SIGNING_BATCH_FINISHED: "Kết thúc lượt ký",
    T.SIGNING_BATCH_STARTED: "Bắt đầu lượt ký",
    T.TRANSFER_PACKAGE_EXPORTED: "Xuất hồ sơ chuyển trường",
    T.TRANSFER_PACKAGE_IMPORTED: "Nhận hồ sơ chuyển trường",
    T.SIGNING_KEY_CHANGED: "Thay đổi khoá ký số của trường",
    T.CLASS_COMMENDATION_DECIDED: "Duyệt đề nghị khen thưởng",
    T.CLASS_COMMENDATION_PROPOSED: "Đề nghị khen thưởng",
    T.CLASS_COMMENDATION_WITHDRAWN: "Rút đề nghị khen thưởng",
    T.EVALUATION_PROMOTION_DECIDED: "Quyết định lên lớp",
    T.EVALUATION_SUPPLEMENTARY_CHANGED: "Ghi đánh giá bổ sung",
    T.RECORD_CORRECTION_APPROVED: "Duyệt đề nghị điều chỉnh học bạ",
    T.RECORD_CORRECTION_DECLINED: "Từ chối đề nghị điều chỉnh học bạ",
    T.RECORD_CORRECTION_REQUESTED: "Đề nghị điều chỉnh học bạ",
    T.RECORD_SUPERSEDED: "Học bạ được thay thế bằng phiên bản mới",
}


def tag_label(tag: str) -> str:
    return TAG_LABELS.get(tag, tag)


KEY_LABELS: Mapping[str, str] = {
    "action": "Thao tác",
    "after": "Sau",
    "batch_id": "Lượt ký",
    "before": "Trước",
    "by_plan": "Môn đánh giá theo kế hoạch",
    "changes": "Số dòng thay đổi",
    "channel": "Kênh",
    "class": "Lớp",
    "class_id": "Lớp",
    "classes": "Các lớp",
    "code": "Mã",
    "created": "Thêm mới",
    "decided_on": "Ngày quyết định",
    "decision": "Quyết định",
    "demo": "Dữ liệu mẫu",
    "digest": "Mã băm",
    "done": "Đã xong",
    "enrolment": "Học sinh",
    "enrolments_created": "Số ghi danh mới",
    "exempted": "Môn được miễn",
    "failed": "Lỗi",
    "fields": "Nội dung sửa",
    "format": "Định dạng",
    "grant": "Mã phân quyền",
    "has_plan": "Có kế hoạch giáo dục cá nhân",
    "kind": "Loại",
    "left_on": "Ngày rời trường",
    "manifest_sha256": "Mã băm danh mục",
    "name": "Tên",
    "new_version": "Phiên bản mới",
    "pin_typed": "Nhập mã PIN khi ký",
    "prefix": "Tiền tố",
    "ratings": "Phẩm chất, năng lực",
    "reason": "Lý do",
    "received": "Học bạ chuyển đến",
    "record_version": "Phiên bản học bạ",
    "record_versions": "Số học bạ",
    "records": "Số học bạ",
    "reopened_versions": "Số học bạ mở lại",
    "request": "Đề nghị",
    "result_after": "Kết quả sau đánh giá bổ sung",
    "role": "Vai trò",
    "school": "Trường",
    "school_year": "Năm học",
    "secret": "Nguồn bí mật",
    "source_school": "Trường chuyển đi",
    "staff": "Giáo viên",
    "stage": "Bước ký",
    "status": "Trạng thái",
    "student": "Học sinh",
    "subject": "Môn",
    "subjects": "Môn học",
    "superseded_by": "Thay thế bởi",
    "total": "Số học bạ",
    "transfer": "Hồ sơ chuyển đến",
    "unchanged": "Giữ nguyên",
    "updated": "Cập nhật",
    "user_id": "Tài khoản",
    "verdict": "Kết quả xác minh",
    "version": "Phiên bản",
    "via": "Nguồn",
    "xml": "Có bản XML",
    "year": "Năm học",
}

# Values written as codes, by key. Roles of grants and of signers share ``role``.
VALUE_LABELS: Mapping[str, Mapping[str, str]] = {
    "action": {"created": "tạo mới", "updated": "cập nhật", "deleted": "xoá"},
    "channel": {"portal": "cổng phụ huynh", "api": "API phần mềm quản lý trường"},
    "decision": {
        "approved": "duyệt",
        "declined": "không duyệt",
        "duoc_len_lop": "được lên lớp",
        "chua_duoc_len_lop": "chưa được lên lớp",
    },
    "format": {"pdf": "PDF", "xml": "XML"},
    # a student leaving (free-text reasons elsewhere are shown as written)
    "reason": {"transferred": "chuyển trường", "dropped_out": "thôi học", "other": "lý do khác"},
    "kind": {
        "quality": "phẩm chất",
        "competence": "năng lực",
        "pkcs12": "tệp khoá PKCS#12",
        "pkcs11": "token/HSM PKCS#11",
        "csc": "ký số từ xa (CSC)",
        "gateway": "ký xác nhận qua điện thoại",
    },
    "role": {
        "system_admin": "Quản trị hệ thống",
        "ministry_officer": "Cán bộ Bộ GDĐT",
        "department_officer": "Cán bộ Sở GDĐT",
        "local_officer": "Cán bộ quản lý cấp xã/phòng",
        "principal": "Hiệu trưởng",
        "vice_principal": "Phó Hiệu trưởng",
        "homeroom_teacher": "Giáo viên chủ nhiệm",
        "subject_teacher": "Giáo viên bộ môn",
        "parent": "Cha mẹ / người giám hộ",
        "student": "Học sinh",
        "gvcn": "Giáo viên chủ nhiệm",
        "seal": "Con dấu số của nhà trường",
    },
    "secret": {
        "typed per batch": "nhập khi ký",
        "env": "biến môi trường",
        "file": "tệp",
        "none": "không có",
    },
    "stage": {"gvcn": "GVCN ký", "principal_seal": "Hiệu trưởng ký và đóng dấu"},
    "status": {
        "queued": "đang chờ",
        "running": "đang ký",
        "done": "hoàn tất",
        "failed": "có lỗi",
    },
    "verdict": {
        "VALID": "hợp lệ",
        "INVALID": "không hợp lệ",
        "INDETERMINATE": "chưa xác định",
        "UNREADABLE": "không đọc được",
    },
    "via": {"xlsx": "tệp Excel", "api": "API"},
}

# Names of evaluation fields (``fields``, ``before``, ``after``).
FIELD_LABELS: Mapping[str, str] = {
    "absences_excused": "nghỉ có phép",
    "absences_unexcused": "nghỉ không phép",
    "comment": "nhận xét",
    "height_cm": "chiều cao",
    "level": "mức đạt được",
    "test_score": "điểm kiểm tra định kỳ",
    "weight_kg": "cân nặng",
}

# Kinds of rows counted by imports (``created``, ``updated``, ``unchanged``).
COUNT_LABELS: Mapping[str, str] = {
    "students": "học sinh",
    "enrolments": "ghi danh",
    "guardians": "phụ huynh",
    "subjects": "đánh giá môn học",
    "ratings": "đánh giá phẩm chất, năng lực",
}

# Never shown, whatever a row holds (DESIGN "Security model": personal ID numbers).
HIDDEN_KEYS = frozenset({"personal_id", "cccd", "password", "secret_sha256", "token"})
