"""Read-only progress pages for officers and school leaders (GET only; nothing is edited)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from hocba.apps.accounts.menu import Link
from hocba.apps.accounts.models import OFFICER_ROLES, SCHOOL_LEADER_ROLES, Grant, Role
from hocba.apps.reports import charts, services


def menu_links(grant: Grant) -> list[Link]:
    if grant.role in OFFICER_ROLES or grant.role == Role.SYSTEM_ADMIN:
        return [Link("Tiến độ học bạ số", reverse("reports:index"))]
    if grant.role in SCHOOL_LEADER_ROLES:
        return [Link("Tiến độ học bạ của trường", reverse("reports:index"))]
    return []


def _context(data: services.Overview) -> dict[str, object]:
    return {
        "data": data,
        "results_chart": charts.bar_chart(
            "Kết quả giáo dục cuối năm (lớp đã chốt)", data.total.result_rows
        ),
        "progress_chart": charts.progress_chart(
            "Tiến độ theo trường (nhạt: đã nhập; đậm: đã ban hành)",
            [
                (row.school.name, row.progress.entered_percent, row.progress.issued_percent)
                for row in data.schools
            ],
        ),
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    data = services.overview(request.user, request.GET.get("nam"))
    return render(request, "reports/index.html", _context(data))


@login_required
@require_GET
def school(request: HttpRequest, pk: int) -> HttpResponse:
    found = services.visible_school(request.user, pk)
    data = services.overview(request.user, request.GET.get("nam"), school=found)
    context = _context(data)
    context["school"] = found
    return render(request, "reports/school.html", context)
