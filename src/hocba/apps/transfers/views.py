"""Transfer pages: the principal's list of students with a "download transfer package" button,
and downloads of received records (authority is checked in services)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.menu import Link
from hocba.apps.accounts.models import FAMILY_ROLES, Grant, Role
from hocba.apps.directory.models import School, Student
from hocba.apps.transfers import services
from hocba.apps.transfers.models import Transfer
from hocba.errors import HocbaError


def menu_links(grant: Grant) -> list[Link]:
    if grant.role in FAMILY_ROLES and grant.student_id is not None:
        if not Transfer.objects.filter(student_id=grant.student_id).exists():
            return []
        url = reverse("transfers:history", args=[grant.student_id])
        return [Link("Học bạ ở trường cũ (chuyển đến)", url)]
    if grant.role != Role.PRINCIPAL or grant.org_unit_id is None:
        return []
    school = School.objects.filter(org_unit_id=grant.org_unit_id).first()
    if school is None:
        return []
    return [Link("Chuyển trường: gói hồ sơ học bạ", reverse("transfers:school", args=[school.pk]))]


def _school(school_id: int) -> School:
    return get_object_or_404(School.objects.select_related("org_unit"), pk=school_id)


def _download(filename: str, content_type: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def school(request: HttpRequest, school_id: int) -> HttpResponse:
    found = _school(school_id)
    return render(request, "transfers/school.html", _page(request, found))


def _page(request: HttpRequest, found: School, **extra: object) -> dict[str, object]:
    return {
        "school": found,
        "students": services.exportable_students(request.user, found),
        "transfers_in": services.transfers_in(request.user, found),
        "needs_pin": services.seal_needs_pin(found),
        **extra,
    }


@login_required
@require_POST
def export(request: HttpRequest, school_id: int, student_id: int) -> HttpResponse:
    found = _school(school_id)
    student = get_object_or_404(Student, pk=student_id)
    try:
        pin = request.POST.get("pin") or None
        package = services.export_package(request.user, student, found, pin=pin)
    except NotAllowed:
        raise
    except HocbaError as err:
        context = _page(request, found, error=err.message_vi)
        return render(request, "transfers/school.html", context, status=409)
    return _download(package.filename, "application/zip", package.data)


@login_required
@require_GET
def history(request: HttpRequest, student_id: int) -> HttpResponse:
    student, transfers = services.received_history(request.user, student_id)
    return render(request, "transfers/history.html", {"student": student, "transfers": transfers})


@login_required
@require_GET
def received(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return _download(*services.received_file(request.user, pk, fmt))
