"""School administration pages: parse the form, call one service, render. Authority is
checked by ``services.managed_school``/``managed_class`` (policy → 404 outside scope)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hocba.apps.accounts.menu import Link
from hocba.apps.accounts.models import SCHOOL_LEADER_ROLES, Grant
from hocba.apps.directory.models import SchoolClass
from hocba.apps.schooladmin import forms, services
from hocba.errors import HocbaError

GET_POST = require_http_methods(["GET", "POST"])


def menu_links(grant: Grant) -> list[Link]:
    if grant.role not in SCHOOL_LEADER_ROLES or grant.org_unit_id is None:
        return []
    school_id = services.school_id_of(grant.org_unit_id)
    if school_id is None:
        return []
    return [Link("Quản lý năm học, lớp, học sinh", reverse("schooladmin:school", args=[school_id]))]


def _form_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, f"schooladmin/{template}", context, status=status)


def _result(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The result of a write; it may show a new password once, so it is never cached."""
    response = render(request, "schooladmin/result.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def school(request: HttpRequest, school_id: int) -> HttpResponse:
    found = services.managed_school(request.user, school_id)
    data = services.overview(found, request.GET.get("nam"))
    return render(request, "schooladmin/school.html", {"school": found, "data": data})


@login_required
@GET_POST
def open_year(request: HttpRequest, school_id: int) -> HttpResponse:
    found = services.managed_school(request.user, school_id)
    form = forms.OpenYearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.open_year(request.user, found, form.cleaned_data["code"])
        except HocbaError as err:
            form.add_error(None, err.message_vi)
        else:
            code = result.year.code
            message = (
                f"Đã mở năm học {code}."
                if result.created
                else f"Năm học {code} đã được mở từ trước."
            )
            return _result(request, {"school": found, "title": message, "year": result.year})
    return _form_page(request, "open_year.html", {"school": found, "form": form})


@login_required
@GET_POST
@never_cache
def create_class(request: HttpRequest, school_id: int) -> HttpResponse:
    found = services.managed_school(request.user, school_id)
    form = forms.CreateClassForm(
        request.POST or None,
        staff=services.staff_of(found),
        grades=found.grades,
        initial={"school_year": request.GET.get("nam_id")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.create_class(
                request.user,
                found,
                school_year=data["school_year"],
                grade=data["grade"],
                name=data["name"],
                homeroom=data["staff"],
                new_teacher=form.new_teacher(),
            )
        except HocbaError as err:
            form.add_error(None, err.message_vi)
        else:
            cls = result.school_class
            return _result(
                request,
                {
                    "school": found,
                    "title": f"Đã tạo lớp {cls.name} (năm học {cls.school_year.code}).",
                    "school_class": cls,
                    "account": result.account,
                    "year": cls.school_year,
                },
            )
    return _form_page(request, "create_class.html", {"school": found, "form": form})


@login_required
@GET_POST
@never_cache
def subject_teacher(request: HttpRequest, school_id: int, class_id: int) -> HttpResponse:
    found = services.managed_school(request.user, school_id)
    cls = services.managed_class(request.user, found, class_id)
    form = forms.SubjectTeacherForm(
        request.POST or None,
        staff=services.staff_of(found),
        subjects=services.subjects_for(cls),
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.assign_subject_teacher(
                request.user,
                cls,
                subject_code=form.cleaned_data["subject"],
                staff=form.cleaned_data["staff"],
                new_teacher=form.new_teacher(),
            )
        except HocbaError as err:
            form.add_error(None, err.message_vi)
        else:
            title = (
                f"Đã phân công {result.staff.full_name} dạy môn "
                f"{dict(services.subjects_for(cls))[result.subject_code]} lớp {cls.name}."
            )
            return _result(
                request,
                {
                    "school": found,
                    "title": title,
                    "school_class": cls,
                    "account": result.account,
                    "year": cls.school_year,
                },
            )
    return _form_page(
        request, "subject_teacher.html", {"school": found, "school_class": cls, "form": form}
    )


def _enrol_initial(cls: SchoolClass) -> dict[str, Any]:
    year = cls.school_year
    return {"enrolled_on": min(max(timezone.localdate(), year.start_date), year.end_date)}


@login_required
@GET_POST
@never_cache
def enrol(request: HttpRequest, school_id: int, class_id: int) -> HttpResponse:
    found = services.managed_school(request.user, school_id)
    cls = services.managed_class(request.user, found, class_id)
    form = forms.EnrolForm(request.POST or None, initial=_enrol_initial(cls))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = services.enrol(
                request.user,
                cls,
                register_number=data["register_number"],
                enrolled_on=data["enrolled_on"],
                new_student=form.new_student(),
                existing_code=data["existing_code"],
                guardians=form.guardians(),
            )
        except HocbaError as err:
            form.add_error(None, err.message_vi)
        else:
            student = enrolment.student
            return _result(
                request,
                {
                    "school": found,
                    "title": f"Đã ghi danh {student.full_name} vào lớp {cls.name}.",
                    "school_class": cls,
                    "student": student,
                    "year": cls.school_year,
                },
            )
    return _form_page(request, "enrol.html", {"school": found, "school_class": cls, "form": form})


@login_required
@GET_POST
@never_cache
def parent_account(request: HttpRequest, school_id: int) -> HttpResponse:
    found = services.managed_school(request.user, school_id)
    form = forms.ParentAccountForm(request.POST or None, students=services.students_of(found))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.create_parent_account(
                request.user,
                found,
                student=data["student"],
                username=data["username"],
                full_name=data["full_name"],
            )
        except HocbaError as err:
            form.add_error(None, err.message_vi)
        else:
            return _result(
                request,
                {
                    "school": found,
                    "title": f"Đã tạo tài khoản phụ huynh của {data['student'].full_name}.",
                    "account": account,
                },
            )
    return _form_page(request, "parent_account.html", {"school": found, "form": form})


@login_required
@never_cache
@GET_POST
def leave(request: HttpRequest, school_id: int) -> HttpResponse:
    """Mark a student as left (transfer, dropped out, other) and list those who left."""
    found = services.managed_school(request.user, school_id)
    enrolments = services.open_enrolments(found)
    form = forms.LeaveForm(request.POST or None, enrolments=enrolments)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                done = services.mark_left(
                    request.user, found, form.cleaned_data["enrolment"],
                    left_on=form.cleaned_data["left_on"], reason=form.cleaned_data["reason"],
                )  # fmt: skip
            except HocbaError as err:
                form.add_error(None, err.message_vi)
            else:
                title = (f"Đã ghi nhận học sinh {done.student.full_name} rời trường ngày "
                         f"{done.left_on:%d/%m/%Y} ({done.get_left_reason_display()}).")  # fmt: skip
                return _result(request, {"school": found, "title": title})
    context = {"school": found, "form": form, "leavers": services.leavers(found)}
    return _form_page(request, "leave.html", context, status=status)
