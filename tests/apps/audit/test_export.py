"""The log downloads as CSV and Excel: the same Vietnamese rows, the same scope and filters,
and a value that looks like a formula stays text."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from hocba.apps.accounts.models import Role
from hocba.apps.accounts.services import create_user
from hocba.apps.audit.services import record
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import OrgUnit

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
HOSTILE = ['=HYPERLINK("http://x")', "+1+2", "-3", "@SUM(A1)", "\tTab", "\rCR"]


def _get(client, fmt, **params):
    response = client.get(reverse("audit:export", args=[fmt]), params)
    assert response.status_code == 200
    return response


def _csv(client, **params) -> list[list[str]]:
    body = b"".join(_get(client, "csv", **params).streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _xlsx(client, **params) -> tuple[list[list[object]], bytes]:
    data = _get(client, "xlsx", **params).content
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    for row in sheet.iter_rows():
        assert all(c.data_type == "s" for c in row if c.value is not None)
    return [[c.value for c in row] for row in sheet.iter_rows()], data


@pytest.fixture
def principal(client, two_schools):
    assert client.login(username="ht1", password=PASSWORD)
    return client


def test_the_csv_has_the_pages_vietnamese_rows(principal):
    rows = _csv(principal)
    assert rows[0][:5] == ["Số thứ tự", "Thời điểm", "Việc đã làm", "Người thực hiện", "Đối tượng"]
    viewed = [r for r in rows if r[2] == "Xem/tải học bạ" and r[3] == "Trần Thị Lan"]
    assert viewed and viewed[0][4].startswith("Học bạ năm học 2024-2025 (phiên bản 2)")
    assert "Định dạng: XML; Kênh: cổng phụ huynh" in viewed[0][6]
    assert not any("Lê Thị Bình" in cell for r in rows for cell in r)  # other school
    assert not any("001203001789" in cell for r in rows for cell in r)


def test_the_xlsx_has_the_same_rows_as_text_cells(principal):
    rows, _ = _xlsx(principal)
    assert [[c or "" for c in r] for r in rows[1:]] == _csv(principal)[1:]
    assert any(r[3] == "Mã API «Phần mềm 1» (pre1xyz)" for r in rows)


def test_formula_like_text_stays_text_in_both_files(principal, two_schools):
    first, _ = two_schools
    for reason in HOSTILE:
        record(EventTag.CLASS_EVALUATIONS_UNLOCKED, actor=first["principal"],
               subject=first["class"], scope_path=first["school"].org_unit.path,
               data={"class": first["class"].pk, "reason": reason})  # fmt: skip
    rows, data = _xlsx(principal, su_kien="class:evaluations:unlocked")
    details = sorted(r[6] for r in rows[1:])
    assert details == sorted(f"Lý do: {h}" for h in HOSTILE)  # the class is the subject
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    csv_rows = _csv(principal, su_kien="class:evaluations:unlocked", nguoi="ht1")
    assert len(csv_rows) == 1 + len(HOSTILE)
    for row in csv_rows[1:]:
        assert not row[6].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_a_cell_starting_like_a_formula_gets_an_apostrophe_in_csv(principal, two_schools):
    first, _ = two_schools
    record(EventTag.CLASS_EVALUATIONS_UNLOCKED, actor=first["principal"], subject=first["class"],
           scope_path=first["school"].org_unit.path, data={"reason": "x"})  # fmt: skip
    first["principal"].first_name = "=cmd|' /C calc'!A0"
    first["principal"].save()
    rows = _csv(principal, su_kien="class:evaluations:unlocked")
    assert rows[1][3] == "'=cmd|' /C calc'!A0"
    xrows, _ = _xlsx(principal, su_kien="class:evaluations:unlocked")
    assert xrows[1][3] == "=cmd|' /C calc'!A0"


def test_exports_follow_the_filters_and_the_scope(client, two_schools):
    create_user("so2", PASSWORD, role=Role.DEPARTMENT_OFFICER,
                org_unit=OrgUnit.objects.get(code="S2"))  # fmt: skip
    assert client.login(username="so2", password=PASSWORD)
    rows = _csv(client)
    assert any("Lê Thị Bình" in r[4] for r in rows)
    assert not any("Nguyễn Văn An" in cell or "Trường số 1" in cell for r in rows for cell in r)
    only = _csv(client, su_kien="directory:class:created")
    assert {r[2] for r in only[1:]} == {"Tạo lớp"}


def test_an_unknown_format_is_404(principal):
    assert principal.get(reverse("audit:export", args=["pdf"])).status_code == 404
