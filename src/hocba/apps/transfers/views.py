"""Transfer pages: the principal's list of students with a "download transfer package" button,
and downloads of received records (authority is checked in services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.menu import Link
from hocba.apps.accounts.models import FAMILY_ROLES, Grant, Role
from hocba.apps.directory.models import Enrolment, School, SchoolClass, Student
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
    if request.POST.get("mark_left"):  # optional: the student left by transfer, today
        _mark_transferred(request, found, student)
    return _download(package.filename, "application/zip", package.data)


def _mark_transferred(request: HttpRequest, found: School, student: Student) -> None:
    from hocba.apps.schooladmin import services as schooladmin

    today = timezone.localdate()
    for enrolment in schooladmin.open_enrolments(found):
        if enrolment.student_id == student.pk:
            end = enrolment.school_class.school_year.end_date
            left_on = max(min(today, end), enrolment.enrolled_on)  # within its school year
            schooladmin.mark_left(request.user, found, enrolment.pk, left_on=left_on,
                                  reason=Enrolment.LeftReason.TRANSFERRED)  # fmt: skip


@login_required
@require_GET
def history(request: HttpRequest, student_id: int) -> HttpResponse:
    student, transfers = services.received_history(request.user, student_id)
    return render(request, "transfers/history.html", {"student": student, "transfers": transfers})


@login_required
@require_GET
def received(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return _download(*services.received_file(request.user, pk, fmt))


# --- receiving a package on the web: upload → full report → choose the class → accept -------

PENDING = "transfer_pending"
"""Session key: ``{"school": id, "name": storage name}`` of the package waiting for "accept"."""


def _forget(request: HttpRequest) -> None:
    pending = request.session.pop(PENDING, None)
    if isinstance(pending, dict) and isinstance(pending.get("name"), str):
        services.drop_package(pending["name"])


def _refusal(request: HttpRequest, found: School, message: str, status: int) -> HttpResponse:
    context = _page(request, found, receive_error=message)
    return render(request, "transfers/school.html", context, status=status)


@login_required
@require_POST
def receive(request: HttpRequest, school_id: int) -> HttpResponse:
    """Upload a package: it is kept server-side for this session and school, verified in the
    limited child, and its full report shown before anything is taken in."""
    found = _school(school_id)
    year, classes = services.receiving_classes(request.user, found)  # NotAllowed → 404
    upload = request.FILES.get("package")
    if upload is None:
        return _refusal(request, found, "Chọn tệp gói chuyển trường (.zip) để tải lên.", 400)
    limit = services.file_limits().bundle_bytes
    if upload.size is None or upload.size > limit:
        return _refusal(request, found, f"Gói quá lớn (tối đa {limit // (1024 * 1024)} MB).", 413)
    data = upload.read(limit + 1)
    _forget(request)
    try:
        report = services.verify_package(data)
    except HocbaError as err:
        return _refusal(request, found, err.message_vi, 413)
    context = {"school": found, "report": report, "year": year, "classes": classes}
    if report.ok:
        name = services.hold_package(request.user, found, data)
        request.session[PENDING] = {"school": found.pk, "name": name}
    return render(request, "transfers/receive.html", context, status=200 if report.ok else 422)


@login_required
@require_POST
def accept(request: HttpRequest, school_id: int) -> HttpResponse:
    """Take the held package in (the CLI's service), or cancel: the held file is deleted."""
    found = _school(school_id)
    services.receiving_classes(request.user, found)  # NotAllowed → 404 before anything
    pending = request.session.get(PENDING)
    name = pending.get("name") if isinstance(pending, dict) else None
    if request.POST.get("action") == "cancel":
        _forget(request)
        messages.info(request, "Đã huỷ: gói chuyển trường không được nhận và đã được xoá.")
        return redirect("transfers:school", found.pk)
    data = None
    if isinstance(name, str) and pending.get("school") == found.pk:
        data = services.held_package(name)
    if data is None:
        message = "Không còn gói nào đang chờ nhận: hãy tải gói chuyển trường lên lại."
        return _refusal(request, found, message, 409)
    school_class = (
        SchoolClass.objects.filter(school=found, pk=request.POST.get("class_id") or 0)
        .select_related("school_year")
        .first()
    )
    year, classes = services.receiving_classes(request.user, found)
    if school_class is None or school_class not in classes or year is None:
        report = services.verify_package(data)
        context = {"school": found, "report": report, "year": year, "classes": classes,
                   "accept_error": "Chọn lớp (của năm học hiện tại) cho học sinh."}  # fmt: skip
        return render(request, "transfers/receive.html", context, status=400)
    on = min(max(timezone.localdate(), year.start_date), year.end_date)
    try:
        result = services.import_package(
            request.user, data, found, class_name=school_class.name, enrolled_on=on
        )
    except NotAllowed:
        raise
    except HocbaError as err:
        _forget(request)
        return _refusal(request, found, err.message_vi, 409)
    _forget(request)
    student = result.transfer.student
    if result.created:
        messages.success(request, f"Đã nhận học sinh {student.full_name} ({student.student_code}) "
                         f"vào lớp {school_class.name} cùng {result.records} học bạ.")  # fmt: skip
    else:
        messages.info(request, "Gói này đã được nhận trước đây; không có gì thay đổi.")
    return redirect("transfers:school", found.pk)
