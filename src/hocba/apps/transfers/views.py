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
from hocba.apps.accounts.models import Grant, Role
from hocba.apps.directory.models import School, Student
from hocba.apps.transfers import services
from hocba.errors import HocbaError


def menu_links(grant: Grant) -> list[Link]:
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
    students = services.exportable_students(request.user, found)
    return render(request, "transfers/school.html", {"school": found, "students": students})


@login_required
@require_POST
def export(request: HttpRequest, school_id: int, student_id: int) -> HttpResponse:
    found = _school(school_id)
    student = get_object_or_404(Student, pk=student_id)
    try:
        package = services.export_package(request.user, student, found)
    except NotAllowed:
        raise
    except HocbaError as err:
        students = services.exportable_students(request.user, found)
        context = {"school": found, "students": students, "error": err.message_vi}
        return render(request, "transfers/school.html", context, status=409)
    return _download(package.filename, "application/zip", package.data)


@login_required
@require_GET
def received(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return _download(*services.received_file(request.user, pk, fmt))
