"""Officers and school leaders see read-only progress of their subtree; one step outside is 404."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from hocba.apps.accounts.models import Role
from hocba.apps.accounts.services import create_user
from hocba.apps.directory import services as directory
from hocba.apps.directory.models import OrgUnit, School, SchoolClass, SchoolYear
from hocba.apps.records.demo import DEPARTMENT_CODE, LOCAL_CODE, MINISTRY_CODE
from hocba.apps.records.models import ClassFinalisation, RecordVersion, YearSummary
from hocba.apps.reports import services
from tests.apps.portal.conftest import issue

pytestmark = pytest.mark.django_db
Kind = OrgUnit.Kind


def _other_department_school(code: str = "02") -> School:
    """A school under another department: one step outside a department officer's scope."""
    ministry = OrgUnit.objects.get(code=MINISTRY_CODE)
    department = directory.create_org_unit(
        kind=Kind.DEPARTMENT, code=f"SGD{code}", name=f"Sở GDĐT {code}", parent=ministry
    )
    local = directory.create_org_unit(
        kind=Kind.LOCAL_OFFICE, code=f"UBND{code}", name=f"UBND {code}", parent=department
    )
    return directory.create_school(parent=local, school_code=f"S{code}", name=f"Trường {code}")


def _school_in_same_commune() -> School:
    return directory.create_school(
        parent=OrgUnit.objects.get(code=LOCAL_CODE), school_code="S-NEAR", name="Trường bên cạnh"
    )


def _login(client, role, unit_code=None, school=None):
    unit = school.org_unit if school else OrgUnit.objects.get(code=unit_code)
    user = create_user(f"u-{role}", "pw-12345", role=role, org_unit=unit)
    client.force_login(user)
    return user


def test_a_department_officer_sees_their_schools_and_not_another_department_s(client, stored):
    demo = stored[0][0].school_class.school
    outside = _other_department_school()
    _login(client, Role.DEPARTMENT_OFFICER, DEPARTMENT_CODE)
    page = client.get(reverse("reports:index")).content.decode()
    assert demo.name in page and outside.name not in page
    assert client.get(reverse("reports:school", args=[demo.pk])).status_code == 200
    assert client.get(reverse("reports:school", args=[outside.pk])).status_code == 404
    assert client.get(reverse("reports:school", args=[999999])).status_code == 404


def test_the_ministry_sees_every_department(client, stored):
    outside = _other_department_school()
    _login(client, Role.MINISTRY_OFFICER, MINISTRY_CODE)
    assert client.get(reverse("reports:school", args=[outside.pk])).status_code == 200


def test_a_principal_sees_their_school_only(client, stored):
    demo = stored[0][0].school_class.school
    near = _school_in_same_commune()
    _login(client, Role.PRINCIPAL, school=demo)
    page = client.get(reverse("reports:index")).content.decode()
    assert demo.name in page and near.name not in page
    assert client.get(reverse("reports:school", args=[demo.pk])).status_code == 200
    assert client.get(reverse("reports:school", args=[near.pk])).status_code == 404


def test_teachers_and_families_have_no_progress_pages(client, class_3a):
    enrolment, _ = class_3a[0]
    user = create_user("ph", "pw-12345", role=Role.PARENT, student=enrolment.student)
    client.force_login(user)
    assert client.get(reverse("reports:index")).status_code == 404
    school = enrolment.school_class.school
    assert client.get(reverse("reports:school", args=[school.pk])).status_code == 404


def test_the_pages_are_read_only(client, stored):
    _login(client, Role.LOCAL_OFFICER, LOCAL_CODE)
    assert client.post(reverse("reports:index")).status_code == 405


def test_progress_counts_statuses_finalisation_and_results(client, class_3a):
    (first, v1), (_second, v2), _ = class_3a
    school = first.school_class.school
    issue(v1)
    RecordVersion.objects.filter(pk=v2.pk).update(status=RecordVersion.Status.GVCN_SIGNED)
    _finalise(first.school_class)
    user = create_user("lo", "pw-12345", role=Role.LOCAL_OFFICER, org_unit=school.org_unit.parent)
    data = services.overview(user)
    assert data.year.code == "2024-2025"
    (row,) = data.schools
    by_name = {c.school_class.name: c.progress for c in row.classes}
    p3a = by_name["3A"]
    assert (p3a.students, p3a.finalised, p3a.issued) == (3, 1, 1)
    assert (p3a.gvcn_signed, p3a.principal_signed) == (2, 1)
    assert p3a.expected > 0 and p3a.entered >= p3a.expected
    assert row.progress.students == 15 and row.progress.classes == 5
    expected = dict(
        YearSummary.objects.filter(enrolment__school_class=first.school_class)
        .values_list("overall_result")
        .annotate(n=Count("id"))
    )
    assert dict(row.progress.results) == expected  # 3A is the one finalised class
    assert sum(row.progress.results.values()) == 3


def _finalise(school_class, locked=True):
    return ClassFinalisation.objects.create(
        school_class=school_class, finalised_at=timezone.now(), locked=locked
    )


def test_the_distribution_counts_finalised_classes_only_and_says_how_many_are_not(client, class_3a):
    first, _ = class_3a[0]
    school = first.school_class.school
    _finalise(first.school_class)
    grade_4 = SchoolClass.objects.get(school=school, name="4A", school_year__code="2024-2025")
    _finalise(grade_4, locked=False)  # unlocked again to correct: not final any more
    officer = _login(client, Role.DEPARTMENT_OFFICER, DEPARTMENT_CODE)
    data = services.overview(officer)
    total = data.total
    assert (total.classes, total.finalised, total.unfinalised_classes) == (5, 1, 4)
    assert (total.counted_students, total.unfinalised_students) == (3, 12)
    in_3a = Counter(
        YearSummary.objects.filter(enrolment__school_class=first.school_class).values_list(
            "overall_result", flat=True
        )
    )
    assert total.results == in_3a and sum(total.results.values()) == 3
    for url in (reverse("reports:index"), reverse("reports:school", args=[school.pk])):
        page = " ".join(client.get(url).content.decode().split())
        assert "Phân bố kết quả giáo dục (lớp đã chốt)" in page
        assert "1</strong>/5 lớp đã chốt, <strong>3</strong> học sinh" in page
        assert "Chưa tính <strong>4</strong> lớp chưa chốt (<strong>12</strong> học sinh)" in page
        chart = page[page.index('id="results-distribution"') :]
        shown = sum(int(n) for n in re.findall(r'<text x="\d+" y="\d+">(\d+) \(', chart))
        assert shown == 3


def test_with_no_class_finalised_there_is_no_distribution_only_the_count_left_out(client, stored):
    _login(client, Role.DEPARTMENT_OFFICER, DEPARTMENT_CODE)
    page = " ".join(client.get(reverse("reports:index")).content.decode().split())
    assert "Chưa có lớp nào chốt kết quả." in page
    assert "Chưa tính <strong>5</strong> lớp chưa chốt (<strong>15</strong> học sinh)" in page
    assert page.count("<svg") == 1  # the progress chart only


def test_the_charts_are_server_side_svg_without_scripts(client, class_3a):
    _finalise(class_3a[0][0].school_class)
    _login(client, Role.DEPARTMENT_OFFICER, DEPARTMENT_CODE)
    page = client.get(reverse("reports:index")).content.decode()
    assert page.count("<svg") == 2
    assert "Hoàn thành xuất sắc" in page
    for static in ("htmx.min.js", "hocba.js"):
        page = page.replace(f'<script src="/static/hocba/{static}" defer>', "")
    assert "<script" not in page


def test_svg_labels_are_escaped():
    from hocba.apps.reports.charts import bar_chart

    svg = str(bar_chart("t", [("<script>alert(1)</script>", 3)]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_a_department_with_many_schools_costs_a_handful_of_queries(
    client, django_assert_max_num_queries
):
    year = SchoolYear.objects.filter(code="2024-2025").first() or directory.open_school_year(
        "2024-2025"
    )
    ministry = directory.create_org_unit(kind=Kind.MINISTRY, code="BGD", name="Bộ")
    department = directory.create_org_unit(
        kind=Kind.DEPARTMENT, code="SGD", name="Sở", parent=ministry
    )
    for i in range(100):
        school = directory.create_school(parent=department, school_code=f"T{i}", name=f"T {i}")
        cls = directory.create_class(school=school, school_year=year, grade=3, name="3A")
        student = directory.register_student(
            student_code=f"HS{i}",
            full_name="Học Sinh",
            sex="nam",
            date_of_birth=dt.date(2016, 1, 1),
        )
        directory.enrol_student(
            student=student,
            school_class=cls,
            register_number=str(i),
            enrolled_on=dt.date(2024, 9, 5),
        )
    user = create_user("so", "pw-12345", role=Role.DEPARTMENT_OFFICER, org_unit=department)
    client.force_login(user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:index"))
    assert response.status_code == 200
    assert response.content.decode().count("T 99") == 2  # table and chart


def test_chart_text_is_at_least_12_px_on_a_390_px_phone_and_not_blown_up_on_a_desktop():
    from hocba.apps.reports.charts import PHONE_COLUMN, bar_chart, progress_chart

    rows = [("Trường Tiểu học Nguyễn Thị Minh Khai (demo) số 2", 100, 40), ("B", 5, 0)]
    for svg in (
        str(bar_chart("t", [("Hoàn thành xuất sắc", 12345), ("Chưa hoàn thành", 7)])),
        str(progress_chart("t", rows)),
    ):
        width, height = map(int, re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
        assert f'width="{width}" height="{height}"' in svg  # drawn 1:1, never scaled up
        sizes = [int(s) for s in re.findall(r'font-size="(\d+)"', svg)]
        assert sizes and min(sizes) * min(1, PHONE_COLUMN / width) >= 12
        # nothing is drawn outside the drawing: the longest label and value stay inside
        for x, text in re.findall(r'<text x="(\d+)"[^>]*>([^<]*)</text>', svg):
            assert int(x) + 0.5 * min(sizes) * len(text) <= width, text
