"""Pages of a correction of an issued record (``corrections.py``): the GVCN's request, the
principal's list of requests waiting and the decision. A denial is a 404 (``policy``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from hocba.apps.accounts import policy
from hocba.apps.accounts.permissions import Permission as P
from hocba.apps.directory.models import School, SchoolClass
from hocba.apps.records import corrections, review
from hocba.apps.records.errors import EntryRefused, InvalidEntry
from hocba.apps.records.forms import CorrectionForm, DeclineForm
from hocba.apps.records.models import CorrectionRequest

UNPROCESSABLE, CONFLICT = 422, 409


@login_required
def request_correction(request: HttpRequest, class_id: int, enrolment_id: int) -> HttpResponse:
    cls = get_object_or_404(
        SchoolClass.objects.select_related("school", "school_year"), pk=class_id
    )
    policy.require(request.user, P.CLASS_CORRECTION_REQUEST, cls)
    enrolment = review.enrolment_in(cls, enrolment_id)
    current = corrections.latest_version(enrolment)
    form = CorrectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = UNPROCESSABLE
        if form.is_valid() and current is not None:
            try:
                corrections.request_correction(request.user, current, form.cleaned_data["reason"])
            except InvalidEntry as exc:
                form.add_error("reason", exc.message_vi)
            except EntryRefused as exc:
                form.add_error(None, exc.message_vi)
                status = CONFLICT
            else:
                messages.success(
                    request,
                    f"Đã gửi đề nghị điều chỉnh học bạ của {enrolment.student.full_name} "
                    "tới hiệu trưởng.",
                )
                return redirect("records:review", cls.pk)
        elif current is None:
            form.add_error(None, "Học sinh này chưa có học bạ đã ban hành.")
            status = CONFLICT
    history = corrections.requests_of_class(cls).filter(enrolment=enrolment)
    return render(
        request,
        "records/correction_request.html",
        {"cls": cls, "enrolment": enrolment, "current": current, "form": form,
         "history": history},
        status=status,
    )  # fmt: skip


@login_required
def school_corrections(request: HttpRequest, school_id: int) -> HttpResponse:
    school = get_object_or_404(School.objects.select_related("org_unit"), pk=school_id)
    policy.require(request.user, P.SCHOOL_CORRECTION_APPROVE, school)
    return render(
        request,
        "records/correction_list.html",
        {"school": school, "pending": corrections.pending_of_school(school)},
    )


@login_required
def decide_correction(request: HttpRequest, request_id: int) -> HttpResponse:
    correction = get_object_or_404(
        CorrectionRequest.objects.select_related(
            "enrolment__student", "enrolment__school_class__school__org_unit", "version",
            "requested_by",
        ),
        pk=request_id,
    )  # fmt: skip
    policy.require(request.user, P.SCHOOL_CORRECTION_APPROVE, correction.enrolment)
    decline = DeclineForm(request.POST if request.POST.get("action") == "decline" else None)
    refused, status = "", 200
    if request.method == "POST":
        status = UNPROCESSABLE
        try:
            if request.POST.get("action") == "approve":
                corrections.approve_correction(request.user, correction)
                messages.success(
                    request,
                    f"Đã duyệt điều chỉnh: dữ liệu của {correction.enrolment.student.full_name} "
                    "được mở để GVCN sửa và chốt lại.",
                )
                return redirect("records:corrections", correction.enrolment.school_class.school_id)
            if decline.is_valid():
                corrections.decline_correction(
                    request.user, correction, decline.cleaned_data["reason"]
                )
                messages.success(request, "Đã từ chối đề nghị điều chỉnh.")
                return redirect("records:corrections", correction.enrolment.school_class.school_id)
        except InvalidEntry as exc:
            decline.add_error("reason", exc.message_vi)
        except EntryRefused as exc:
            refused, status = exc.message_vi, CONFLICT
    return render(
        request,
        "records/correction_decide.html",
        {"correction": correction, "cls": correction.enrolment.school_class, "decline": decline,
         "refused": refused},
        status=status,
    )  # fmt: skip
