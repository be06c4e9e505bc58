"""Pages of the evaluation workflow: entry grids (autosave per cell), class review, finalise,
the principal's class list and unlock. Each view checks authority through ``policy`` (a denial
is a 404), parses input, calls one service and renders.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hocba.apps.accounts import policy
from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.permissions import Permission as P
from hocba.apps.directory.models import SchoolClass
from hocba.apps.records import cells, review, workflow
from hocba.apps.records.errors import (
    CommendationsPending,
    EntryRefused,
    FinaliseBlocked,
    InvalidEntry,
)
from hocba.apps.records.forms import (
    RatingCellForm,
    SubjectCellForm,
    SummaryCellForm,
    UnlockForm,
    changes,
)
from hocba.apps.records.models import RecordVersion

UNPROCESSABLE, CONFLICT = 422, 409
CONFIRM = "xac_nhan"  # the checkbox of the finalise form


def _class(request: HttpRequest, class_id: int, perm: P, subject: str | None = None) -> SchoolClass:
    cls = get_object_or_404(
        SchoolClass.objects.select_related("school__org_unit", "school_year", "homeroom_teacher"),
        pk=class_id,
    )
    policy.require(request.user, perm, cls, subject=subject)
    return cls


def _cell(
    request: HttpRequest, *, error: str = "", status: int = 200, **context: object
) -> HttpResponse:
    return render(request, "records/_cell_result.html", {"error": error, **context}, status=status)


def _refused(
    request: HttpRequest, error: str, status: int, stored: dict[str, cells.Control]
) -> HttpResponse:
    """The error for the box that was changed, and that box drawn again (out of band) with the
    value the server kept: a refused entry never stays on screen as if it were saved."""
    restore = [stored[name] for name in stored if name in request.POST]
    return _cell(request, error=error, status=status, restore=restore)


def _form_error(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _lock_context(cls: SchoolClass) -> dict[str, object]:
    """What the grids need to disable cells: the one lock decision of ``review.read_only``."""
    return {
        "locked": review.is_locked(cls),
        "read_only": review.read_only(cls),
        "n_unlocked": len(review.open_unlocks(cls)),
    }


# --- class hub -----------------------------------------------------------------------------------


@login_required
def class_home(request: HttpRequest, class_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_EVALUATION_EDIT)
    catalog = review.catalog_of(cls)
    subjects = [
        s
        for s in (catalog.subjects if catalog else ())
        if policy.can(request.user, P.CLASS_EVALUATION_EDIT, cls, subject=s.code)
    ]
    return render(
        request,
        "records/class_home.html",
        {
            "cls": cls,
            "subjects": subjects,
            "locked": review.is_locked(cls),
            "can_rate": policy.can(request.user, P.CLASS_RATING_EDIT, cls),
            "can_review": policy.can(request.user, P.CLASS_RECORD_REVIEW, cls),
        },
    )


# --- subject grid --------------------------------------------------------------------------------


@login_required
def subject_grid(request: HttpRequest, class_id: int, subject: str) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_EVALUATION_EDIT, subject)
    spec = review.subject_spec(cls, subject)
    lock = _lock_context(cls)
    rows = [
        {
            "enrolment": row.enrolment,
            "findings": row.findings,
            "controls": cells.subject_controls(
                cls, row.enrolment, spec, row.evaluation, row.enrolment.pk in lock["read_only"]
            ).values(),
        }
        for row in review.subject_grid(cls, subject)
    ]
    return render(
        request, "records/subject_grid.html", {"cls": cls, "spec": spec, "rows": rows, **lock}
    )


@login_required
@require_POST
def subject_cell(
    request: HttpRequest, class_id: int, subject: str, enrolment_id: int
) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_EVALUATION_EDIT, subject)
    spec = review.subject_spec(cls, subject)
    enrolment = review.enrolment_in(cls, enrolment_id)
    form = SubjectCellForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidEntry(_form_error(form), field=",".join(form.errors))
        workflow.save_subject_entry(request.user, enrolment, subject, changes(form, request.POST))
    except (InvalidEntry, EntryRefused) as exc:
        status = CONFLICT if isinstance(exc, EntryRefused) else UNPROCESSABLE
        return _refused(request, exc.message_vi, status, cells.stored_subject(cls, enrolment, spec))
    return _cell(
        request,
        oob_id=f"f-{enrolment.pk}",
        findings=review.subject_findings(enrolment, subject),
    )


# --- GVCN: qualities and competences, year summary -----------------------------------------------


@login_required
def rating_grid(request: HttpRequest, class_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_RATING_EDIT)
    specs, grid = review.rating_grid(cls)
    lock = _lock_context(cls)
    rows = [
        {
            "enrolment": row.enrolment,
            "cells": [
                {
                    "kind": cell.kind,
                    "spec": cell.spec,
                    "controls": cells.rating_controls(
                        cls,
                        row.enrolment,
                        cell.kind,
                        cell.spec,
                        cell.index,
                        cell.evaluation,
                        row.enrolment.pk in lock["read_only"],
                    ),
                }
                for cell in row.cells
            ],
        }
        for row in grid
    ]
    return render(
        request, "records/rating_grid.html", {"cls": cls, "specs": specs, "rows": rows, **lock}
    )


@login_required
@require_POST
def rating_cell(
    request: HttpRequest, class_id: int, enrolment_id: int, kind: str, code: str
) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_RATING_EDIT)
    enrolment = review.enrolment_in(cls, enrolment_id)
    form = RatingCellForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidEntry(_form_error(form), field=",".join(form.errors))
        workflow.save_rating_entry(request.user, enrolment, kind, code, changes(form, request.POST))
    except (InvalidEntry, EntryRefused) as exc:
        status = CONFLICT if isinstance(exc, EntryRefused) else UNPROCESSABLE
        stored = cells.stored_rating(cls, enrolment, kind, code)
        return _refused(request, exc.message_vi, status, stored)
    return _cell(
        request,
        oob_id=f"f-{enrolment.pk}-{kind}-{code}",
        findings=review.rating_findings(enrolment, kind, code),
    )


@login_required
def summary_grid(request: HttpRequest, class_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_RATING_EDIT)
    lock = _lock_context(cls)
    rows = [
        (e, cells.summary_controls(cls, e, s, e.pk in lock["read_only"]).values())
        for e, s in review.summary_grid(cls)
    ]
    return render(
        request,
        "records/summary_grid.html",
        {"cls": cls, "rows": rows, **lock},
    )


@login_required
@require_POST
def summary_cell(request: HttpRequest, class_id: int, enrolment_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_RATING_EDIT)
    enrolment = review.enrolment_in(cls, enrolment_id)
    form = SummaryCellForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidEntry(_form_error(form), field=",".join(form.errors))
        workflow.save_summary_entry(request.user, enrolment, changes(form, request.POST))
    except (InvalidEntry, EntryRefused) as exc:
        status = CONFLICT if isinstance(exc, EntryRefused) else UNPROCESSABLE
        return _refused(request, exc.message_vi, status, cells.stored_summary(cls, enrolment))
    return _cell(request)


# --- review and finalise -------------------------------------------------------------------------


def _review_page(
    request: HttpRequest, cls: SchoolClass, *, blocked: FinaliseBlocked | None = None,
    refused: str = "", unconfirmed: bool = False, pending: CommendationsPending | None = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    reviews = review.review_class(cls)
    bars = review.result_chart(reviews)
    unlocks = review.open_unlocks(cls)
    open_corrections = review.open_corrections(cls)
    return render(
        request,
        "records/review.html",
        {
            "cls": cls,
            "rows": [
                (r, unlocks.get(r.enrolment.pk), open_corrections.get(r.enrolment.pk))
                for r in reviews
            ],
            "statuses": RecordVersion.Status.choices,
            "bars": bars,
            "chart_height": 12 + 30 * len(bars),
            "locked": review.is_locked(cls),
            "blocked": blocked,
            "refused": refused,
            "unconfirmed": unconfirmed,
            "pending": pending,
            "n_supplementary": sum(
                1 for r in reviews if r.status == RecordVersion.Status.SUPPLEMENTARY
            ),
            "n_errors": sum(len(r.errors) for r in reviews if not r.signed),
            "can_finalise": policy.can(request.user, P.CLASS_RECORD_FINALISE, cls),
            "can_plan": policy.can(request.user, P.CLASS_RATING_EDIT, cls),
            "can_unlock": policy.can(request.user, P.SCHOOL_CLASS_UNLOCK, cls),
            "can_sign": policy.can(request.user, P.CLASS_RECORD_SIGN, cls),
            "can_request": policy.can(request.user, P.CLASS_CORRECTION_REQUEST, cls),
            "can_approve": policy.can(request.user, P.SCHOOL_CORRECTION_APPROVE, cls),
        },
        status=status,
    )


@login_required
def class_review(request: HttpRequest, class_id: int) -> HttpResponse:
    return _review_page(request, _class(request, class_id, P.CLASS_RECORD_REVIEW))


@login_required
@require_POST
def finalise(request: HttpRequest, class_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_RECORD_FINALISE)
    if request.POST.get(CONFIRM) != "1":  # locking a class is never one stray click
        return _review_page(request, cls, unconfirmed=True, status=UNPROCESSABLE)
    try:
        workflow.finalise_class(request.user, cls)
    except CommendationsPending as exc:
        return _review_page(request, cls, pending=exc, status=CONFLICT)
    except FinaliseBlocked as exc:
        return _review_page(request, cls, blocked=exc, status=CONFLICT)
    except EntryRefused as exc:
        return _review_page(request, cls, refused=exc.message_vi, status=CONFLICT)
    messages.success(
        request, f"Đã chốt dữ liệu lớp {cls.name}; học bạ sẵn sàng để GVCN ký (nút bên dưới)."
    )
    return redirect("records:review", cls.pk)


@login_required
@require_POST
def finalise_student(request: HttpRequest, class_id: int, enrolment_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_RECORD_FINALISE)
    enrolment = review.enrolment_in(cls, enrolment_id)
    try:
        workflow.finalise_student(request.user, enrolment)
    except CommendationsPending as exc:
        return _review_page(request, cls, pending=exc, status=CONFLICT)
    except FinaliseBlocked as exc:
        return _review_page(request, cls, blocked=exc, status=CONFLICT)
    except EntryRefused as exc:
        return _review_page(request, cls, refused=exc.message_vi, status=CONFLICT)
    messages.success(
        request, f"Đã chốt lại dữ liệu của {enrolment.student.full_name}; học bạ sẵn sàng để ký."
    )
    return redirect("records:review", cls.pk)


# --- principal -----------------------------------------------------------------------------------


@login_required
def class_list(request: HttpRequest) -> HttpResponse:
    visible = policy.classes_visible_to(request.user)
    reviewable = [
        cls
        for cls in visible.select_related("school__org_unit", "school_year")
        if policy.can(request.user, P.CLASS_RECORD_REVIEW, cls)
    ]
    if not reviewable:
        raise NotAllowed("Không tìm thấy hoặc bạn không có quyền.", detail="no reviewable class")
    years = sorted({cls.school_year.code for cls in reviewable}, reverse=True)
    year = request.GET.get("nam", "")
    year = year if year in years else years[0]
    shown = visible.filter(pk__in=[c.pk for c in reviewable if c.school_year.code == year])
    states = [
        (state, policy.can(request.user, P.SCHOOL_CLASS_UNLOCK, state.school_class))
        for state in review.class_states(shown)
    ]
    return render(
        request, "records/class_list.html", {"states": states, "years": years, "year": year}
    )


@login_required
def unlock(request: HttpRequest, class_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.SCHOOL_CLASS_UNLOCK)
    form = UnlockForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = UNPROCESSABLE
        if form.is_valid():
            try:
                workflow.unlock_class(request.user, cls, form.cleaned_data["reason"])
            except InvalidEntry as exc:
                form.add_error("reason", exc.message_vi)
            except EntryRefused as exc:
                form.add_error(None, exc.message_vi)
                status = CONFLICT
            else:
                messages.success(request, f"Đã mở khóa lớp {cls.name}.")
                return redirect("records:classes")
    return render(
        request,
        "records/unlock.html",
        {"cls": cls, "form": form, "locked": review.is_locked(cls)},
        status=status,
    )


@login_required
def unlock_student(request: HttpRequest, class_id: int, enrolment_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.SCHOOL_CLASS_UNLOCK)
    enrolment = review.enrolment_in(cls, enrolment_id)
    form = UnlockForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = UNPROCESSABLE
        if form.is_valid():
            try:
                workflow.unlock_student(request.user, enrolment, form.cleaned_data["reason"])
            except InvalidEntry as exc:
                form.add_error("reason", exc.message_vi)
            except EntryRefused as exc:
                form.add_error(None, exc.message_vi)
                status = CONFLICT
            else:
                messages.success(request, f"Đã mở khóa học sinh {enrolment.student.full_name}.")
                return redirect("records:review", cls.pk)
    return render(
        request,
        "records/unlock_student.html",
        {"cls": cls, "enrolment": enrolment, "form": form},
        status=status,
    )
