"""Each kind of audit subject reads as people name it; codes become words."""

from __future__ import annotations

import pytest

from hocba.apps.audit.display import GONE, describe
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.services import record
from hocba.apps.audit.tags import EventTag
from hocba.apps.records.models import RatingEvaluation, SubjectEvaluation, YearSummary
from hocba.apps.signing.models import SignerKey, SigningBatch

pytestmark = pytest.mark.django_db


def _row(tag, **kwargs):
    event = record(tag, **kwargs)
    return describe([AuditEvent.objects.get(pk=event.pk)])[0]


def test_an_evaluation_change_names_the_subject_student_and_fields_in_vietnamese(two_schools):
    first, _ = two_schools
    evaluation = SubjectEvaluation.objects.create(
        enrolment=first["enrolment"], subject_code="TOAN", subject_name="Toán"
    )
    row = _row(EventTag.EVALUATION_SUBJECT_CHANGED, actor=first["gvcn"], subject=evaluation,
               data={"enrolment": first["enrolment"].pk, "subject": "TOAN",
                     "fields": ["level", "test_score"], "before": {"level": "H", "test_score": 6},
                     "after": {"level": "T", "test_score": 9}})  # fmt: skip
    assert row.action == "Sửa đánh giá môn học" and row.actor == "Trần Thị Lan"
    assert row.subject == "Môn Toán — Nguyễn Văn An (HS100), lớp 1A (2024-2025)"
    assert dict(row.details) == {
        "Môn": "TOAN", "Nội dung sửa": "mức đạt được, điểm kiểm tra định kỳ",
        "Trước": "mức đạt được: H, điểm kiểm tra định kỳ: 6",
        "Sau": "mức đạt được: T, điểm kiểm tra định kỳ: 9",
    }  # fmt: skip


def test_ratings_and_summaries_name_the_student(two_schools):
    first, _ = two_schools
    rating = RatingEvaluation.objects.create(enrolment=first["enrolment"], kind="quality",
                                             code="CHAM", name="Chăm chỉ")  # fmt: skip
    summary = YearSummary.objects.create(enrolment=first["enrolment"])
    rows = [
        _row(EventTag.EVALUATION_RATING_CHANGED, subject=rating, data={"kind": "quality"}),
        _row(EventTag.EVALUATION_SUMMARY_CHANGED, subject=summary,
             data={"fields": ["height_cm", "absences_excused"]}),
    ]  # fmt: skip
    assert rows[0].subject.startswith("Phẩm chất «Chăm chỉ» — Nguyễn Văn An")
    assert rows[0].details == (("Loại", "phẩm chất"),)
    assert rows[1].subject.startswith("Tổng hợp cuối năm — Nguyễn Văn An")
    assert rows[1].details == (("Nội dung sửa", "chiều cao, nghỉ có phép"),)


def test_signing_rows_read_as_batches_and_keys(two_schools):
    first, _ = two_schools
    batch = SigningBatch.objects.create(school=first["school"], school_class=first["class"],
                                        stage="gvcn", requested_by=first["gvcn"])  # fmt: skip
    key = SignerKey.objects.create(school=first["school"], role="seal", kind="pkcs11")
    started = _row(EventTag.SIGNING_BATCH_STARTED, actor=first["gvcn"], subject=batch,
                   data={"stage": "gvcn", "class_id": first["class"].pk, "total": 3,
                         "pin_typed": True})  # fmt: skip
    assert started.subject == f"Lượt ký #{batch.pk} — GVCN ký, lớp 1A"
    assert dict(started.details) == {"Bước ký": "GVCN ký", "Lớp": "Lớp 1A, năm học 2024-2025",
                                     "Số học bạ": "3", "Nhập mã PIN khi ký": "có"}  # fmt: skip
    changed = _row(EventTag.SIGNING_KEY_CHANGED, subject=key,
                   data={"action": "created", "role": "seal", "kind": "pkcs11",
                         "user_id": None, "secret": "env"})  # fmt: skip
    assert changed.subject == "Khoá ký: Con dấu số của nhà trường (mặc định của trường)"
    assert dict(changed.details) == {"Thao tác": "tạo mới", "Vai trò": "Con dấu số của nhà trường",
                                     "Loại": "token/HSM PKCS#11", "Tài khoản": "—",
                                     "Nguồn bí mật": "biến môi trường"}  # fmt: skip


def test_a_deleted_subject_a_year_and_a_personal_id_in_data(two_schools):
    first, _ = two_schools
    year = first["class"].school_year
    assert _row(EventTag.DIRECTORY_YEAR_OPENED, subject=year).subject == "Năm học 2024-2025"
    batch = SigningBatch.objects.create(school=first["school"], stage="gvcn")
    event = record(EventTag.SIGNING_BATCH_FINISHED, subject=batch,
                   data={"status": "done", "personal_id": "001203001789"})  # fmt: skip
    batch.delete()
    row = describe([event])[0]
    assert row.subject == GONE and row.details == (("Trạng thái", "hoàn tất"),)


def test_a_student_subject_names_their_latest_class(two_schools):
    first, _ = two_schools
    row = _row(EventTag.TRANSFER_PACKAGE_EXPORTED, actor=first["principal"],
               subject=first["student"], data={"records": 1, "manifest_sha256": "f" * 64})  # fmt: skip
    assert row.subject == "Nguyễn Văn An (HS100), lớp 1A (2024-2025)"
    assert row.school == "Trường số 1"
    assert dict(row.details) == {"Số học bạ": "1", "Mã băm danh mục": "ffffffffffff…"}
