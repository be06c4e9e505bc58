"""The import pages: templates per role, uploads with every problem shown or the summary,
denials as 404, non-xlsx and oversized files refused in Vietnamese."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import Student
from hocba.apps.records.models import SubjectEvaluation
from hocba.ingest.templates import HEADER_ROW

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _login(client, user) -> None:
    client.force_login(user)


def _get_xlsx(client, name: str, cls) -> bytes:
    response = client.get(reverse(f"imports:{name}", args=[cls.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    return response.content


def _upload(client, cls, data: bytes, name: str = "lop.xlsx"):
    return client.post(
        reverse("imports:upload", args=[cls.pk]),
        {"file": SimpleUploadedFile(name, data, content_type=XLSX)},
    )


def _edit(data: bytes, sheet: str, code: str, header: str, value: object) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[sheet]
    col = next(c.column for c in ws[HEADER_ROW] if c.value == header)
    row = next(c.row for c in ws["A"] if c.value == code)
    ws.cell(row, col, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_gvcn_downloads_fills_and_uploads_the_evaluation_template(client, world):
    _login(client, world.gvcn)
    page = client.get(reverse("imports:class", args=[world.cls.pk]))
    assert page.status_code == 200 and "Mẫu nhập đánh giá" in page.content.decode()
    data = _get_xlsx(client, "evaluation_template", world.cls)
    wb = load_workbook(io.BytesIO(data))
    assert "Toán" in wb.sheetnames and "Phẩm chất, năng lực" in wb.sheetnames
    codes = sorted(e.student.student_code for e in world.enrolments)
    assert sorted(c.value for c in wb["Toán"]["A"][HEADER_ROW:]) == codes

    unchanged = _upload(client, world.cls, data)
    assert unchanged.status_code == 200
    assert "Không có gì thay đổi" in unchanged.content.decode()

    e = world.enrolments[0]
    filled = _edit(data, "Toán", e.student.student_code, "Điểm KTĐK cuối năm", 4.0)
    filled = _edit(filled, "Toán", e.student.student_code, "Mức cuối năm", "chưa hoàn thành")
    response = _upload(client, world.cls, filled)
    assert response.status_code == 200, response.content.decode()
    assert "đánh giá môn học: thêm 0, cập nhật 1" in response.content.decode()
    toan = SubjectEvaluation.objects.get(enrolment=e, subject_code="TOAN")
    assert (toan.level, toan.test_score) == ("C", 4)
    event = AuditEvent.objects.filter(tag=EventTag.IMPORT_EVALUATIONS_APPLIED).get()
    assert event.actor_id == world.gvcn.pk


def test_problems_are_shown_in_a_table_and_nothing_is_written(client, world):
    _login(client, world.gvcn)
    data = _get_xlsx(client, "evaluation_template", world.cls)
    e = world.enrolments[1]
    bad = _edit(data, "Toán", e.student.student_code, "Điểm KTĐK cuối năm", 7.5)
    bad = _edit(bad, "Khoa học", e.student.student_code, "Mức cuối năm", "Giỏi")
    before = list(SubjectEvaluation.objects.order_by("pk").values_list())
    response = _upload(client, world.cls, bad)
    html = response.content.decode()
    assert response.status_code == 422
    assert "có 2 lỗi" in html and "Chưa có dữ liệu nào được ghi" in html
    assert "<code>7.5</code>" in html and "<code>Giỏi</code>" in html
    assert "Điểm KTĐK cuối năm" in html and "số nguyên từ 0 đến 10" in html
    assert list(SubjectEvaluation.objects.order_by("pk").values_list()) == before


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"Ma hoc sinh;Diem\nHS1;8\n", "diem.csv"), (b"%PDF-1.7\n", "diem.pdf"),
     (b"PK\x03\x04garbage", "hong.xlsx")],
)  # fmt: skip
def test_a_file_that_is_not_xlsx_is_refused_in_vietnamese(client, world, data, name):
    _login(client, world.gvcn)
    response = _upload(client, world.cls, data, name)
    assert response.status_code == 422
    assert ".xlsx" in response.content.decode()


def test_an_oversized_file_is_refused(client, world, settings):
    settings.HOCBA_MAX_UPLOAD_BYTES = 1000
    _login(client, world.gvcn)
    response = _upload(client, world.cls, b"PK" + b"0" * 5000)
    assert response.status_code == 422
    assert "Tệp quá lớn" in response.content.decode()


def test_no_file(client, world):
    _login(client, world.gvcn)
    response = client.post(reverse("imports:upload", args=[world.cls.pk]), {})
    assert response.status_code == 422 and "Chưa chọn tệp" in response.content.decode()


def test_a_subject_teacher_gets_and_may_import_only_their_subject(client, world):
    _login(client, world.gvcn)
    full = _get_xlsx(client, "evaluation_template", world.cls)
    _login(client, world.teacher_toan)
    data = _get_xlsx(client, "evaluation_template", world.cls)
    assert load_workbook(io.BytesIO(data)).sheetnames == ["Hướng dẫn", "Toán"]
    assert client.get(reverse("imports:roster_template", args=[world.cls.pk])).status_code == 404
    e = world.enrolments[0]
    ok = _upload(client, world.cls, _edit(data, "Toán", e.student.student_code, "Nhận xét",
                                          "Cần cẩn thận hơn."))  # fmt: skip
    assert ok.status_code == 200
    assert SubjectEvaluation.objects.get(enrolment=e, subject_code="TOAN").comment == (
        "Cần cẩn thận hơn."
    )
    refused = _upload(client, world.cls, full)
    html = refused.content.decode()
    assert refused.status_code == 422
    assert "bạn không được phân công nhập đánh giá môn này" in html
    assert "chỉ giáo viên chủ nhiệm nhập đánh giá phẩm chất, năng lực" in html


def test_principal_imports_the_roster_of_a_class(client, world):
    _login(client, world.principal)
    data = _get_xlsx(client, "roster_template", world.cls)
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Danh sách học sinh"]
    first = HEADER_ROW + 1 + len(world.enrolments)
    header = {c.value: c.column for c in ws[HEADER_ROW]}
    for key, value in {"Mã học sinh": "HS-MOI-WEB", "Họ và tên": "Ngô Thị Mơ", "Giới tính": "Nữ",
                       "Ngày sinh": "03/04/2015", "Lớp": world.cls.name}.items():  # fmt: skip
        ws.cell(first, header[key], value)
    out = io.BytesIO()
    wb.save(out)
    response = _upload(client, world.cls, out.getvalue(), "danh-sach.xlsx")
    assert response.status_code == 200, response.content.decode()
    assert Student.objects.get(student_code="HS-MOI-WEB").enrolments.get().school_class == world.cls
    # the principal may not import evaluations
    assert (
        client.get(reverse("imports:evaluation_template", args=[world.cls.pk])).status_code == 404
    )
    # the school page lists the classes
    page = client.get(reverse("imports:school", args=[world.school.pk]))
    assert page.status_code == 200 and f"Lớp {world.cls.name}" in page.content.decode()


def test_a_gvcn_roster_upload_cannot_reach_another_class(client, world):
    _login(client, world.gvcn)
    data = _get_xlsx(client, "roster_template", world.cls)
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Danh sách học sinh"]
    header = {c.value: c.column for c in ws[HEADER_ROW]}
    ws.cell(HEADER_ROW + 1, header["Lớp"], "3A")
    out = io.BytesIO()
    wb.save(out)
    response = _upload(client, world.cls, out.getvalue())
    assert response.status_code == 422
    assert f"chỉ được nhập học sinh của lớp {world.cls.name}" in response.content.decode()


def test_denials_are_404(client, world):
    for user in (world.parent, world.gvcn_other):
        _login(client, user)
        for name in ("class", "roster_template", "evaluation_template"):
            assert client.get(reverse(f"imports:{name}", args=[world.cls.pk])).status_code == 404
        assert _upload(client, world.cls, b"x").status_code == 404
        assert client.get(reverse("imports:school", args=[world.school.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("imports:class", args=[world.cls.pk]))
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_menu_links(client, world):
    _login(client, world.gvcn)
    home = client.get(reverse("accounts:home")).content.decode()
    assert reverse("imports:class", args=[world.cls.pk]) in home
    _login(client, world.principal)
    home = client.get(reverse("accounts:home")).content.decode()
    assert reverse("imports:school", args=[world.school.pk]) in home
