"""Pages of how a school year ends: the class's commendations (GVCN proposes, principal
decides; TT27 Art. 13) and the supplementary assessment with the principal's promotion
decision (Art. 11). Each view checks authority through ``policy`` (a denial is a 404), parses
input, calls one writer of ``yearend`` and renders.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hocba.apps.accounts import policy
from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.permissions import Permission as P
from hocba.apps.directory.models import SchoolClass
from hocba.apps.records import review, yearend, yearend_review
from hocba.apps.records.errors import EntryRefused, InvalidEntry
from hocba.apps.records.models import Commendation, RatingLevel, RecordVersion, SubjectLevel
from hocba.apps.records.views import _class
from hocba.apps.records.yearend_forms import (
    CommendationForm,
    DecisionForm,
    PromotionForm,
    parse_supplementary,
)
from hocba.spec import PromotionDecision

UNPROCESSABLE, CONFLICT = 422, 409


def _commendation(cls: SchoolClass, commendation_id: int) -> Commendation:
    found = (
        Commendation.objects.select_related("enrolment__school_class", "enrolment__student")
        .filter(pk=commendation_id, enrolment__school_class=cls)
        .first()
    )
    if found is None:
        raise NotAllowed("Không tìm thấy đề nghị khen thưởng.", detail="commendation not in class")
    return found


# --- commendations -------------------------------------------------------------------------------


def _commendations_page(
    request: HttpRequest, cls: SchoolClass, *, form: CommendationForm | None = None,
    form_for: int | None = None, error: str = "", status: int = 200,
) -> HttpResponse:  # fmt: skip
    return render(
        request,
        "records/commendations.html",
        {
            "cls": cls,
            "rows": yearend_review.commendation_rows(cls),
            "form": form or CommendationForm(),
            "form_for": form_for,
            "error": error,
            "kinds": Commendation.Kind.choices,
            "read_only": review.read_only(cls),
            "locked": review.is_locked(cls),
            "n_unlocked": len(review.open_unlocks(cls)),
            "pending": yearend_review.pending_commendations(cls),
            "can_propose": policy.can(request.user, P.CLASS_COMMENDATION_PROPOSE, cls),
            "can_approve": policy.can(request.user, P.SCHOOL_COMMENDATION_APPROVE, cls),
        },
        status=status,
    )


@login_required
def commendations(request: HttpRequest, class_id: int) -> HttpResponse:
    return _commendations_page(request, _class(request, class_id, P.CLASS_RECORD_REVIEW))


@login_required
@require_POST
def propose_commendation(request: HttpRequest, class_id: int, enrolment_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_COMMENDATION_PROPOSE)
    enrolment = review.enrolment_in(cls, enrolment_id)
    form = CommendationForm(request.POST)
    if not form.is_valid():
        return _commendations_page(
            request, cls, form=form, form_for=enrolment.pk, status=UNPROCESSABLE
        )
    data = form.cleaned_data
    try:
        yearend.propose_commendation(
            request.user, enrolment, data["kind"], data["reason"], data["title"]
        )
    except InvalidEntry as exc:
        form.add_error(None, exc.message_vi)
        return _commendations_page(
            request, cls, form=form, form_for=enrolment.pk, status=UNPROCESSABLE
        )
    except EntryRefused as exc:
        return _commendations_page(request, cls, error=exc.message_vi, status=CONFLICT)
    messages.success(request, f"Đã gửi đề nghị khen thưởng cho {enrolment.student.full_name}.")
    return redirect("records:commendations", cls.pk)


@login_required
@require_POST
def decide_commendation(request: HttpRequest, class_id: int, commendation_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.SCHOOL_COMMENDATION_APPROVE)
    commendation = _commendation(cls, commendation_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _commendations_page(request, cls, error="Cần chọn duyệt hoặc không duyệt.",
                                   status=UNPROCESSABLE)  # fmt: skip
    approve = form.cleaned_data["decision"] == "approve"
    try:
        yearend.decide_commendation(request.user, commendation, approve)
    except InvalidEntry as exc:
        return _commendations_page(request, cls, error=exc.message_vi, status=UNPROCESSABLE)
    except EntryRefused as exc:
        return _commendations_page(request, cls, error=exc.message_vi, status=CONFLICT)
    word = "Đã duyệt" if approve else "Đã không duyệt"
    messages.success(request, f"{word} khen thưởng của {commendation.enrolment.student.full_name}.")
    return redirect("records:commendations", cls.pk)


@login_required
@require_POST
def withdraw_commendation(
    request: HttpRequest, class_id: int, commendation_id: int
) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_COMMENDATION_PROPOSE)
    commendation = _commendation(cls, commendation_id)
    try:
        yearend.withdraw_commendation(request.user, commendation)
    except EntryRefused as exc:
        return _commendations_page(request, cls, error=exc.message_vi, status=CONFLICT)
    messages.success(request, "Đã rút đề nghị khen thưởng.")
    return redirect("records:commendations", cls.pk)


# --- supplementary assessment and promotion ------------------------------------------------------


def _supplementary_page(
    request: HttpRequest, cls: SchoolClass, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "records/supplementary.html",
        {
            "cls": cls,
            "rows": yearend_review.supplementary_rows(cls),
            "locked": review.is_locked(cls),
            "can_edit": policy.can(request.user, P.CLASS_SUPPLEMENTARY_EDIT, cls),
            "can_decide": policy.can(request.user, P.SCHOOL_PROMOTION_DECIDE, cls),
            "decisions": [(d.value, d.label_vi) for d in PromotionDecision],
            "today": timezone.localdate(),
            "error": error,
        },
        status=status,
    )


@login_required
def supplementary(request: HttpRequest, class_id: int) -> HttpResponse:
    return _supplementary_page(request, _class(request, class_id, P.CLASS_RECORD_REVIEW))


def _next_step(status: str) -> str:
    if status == RecordVersion.Status.FINAL:
        return "học bạ sẵn sàng để ký."
    if status == RecordVersion.Status.DRAFT:
        return "GVCN chốt lại học sinh ở trang xem xét lớp."
    return "chờ quyết định của hiệu trưởng."


def _row(cls: SchoolClass, enrolment_id: int) -> yearend_review.SupplementaryRow:
    enrolment = review.enrolment_in(cls, enrolment_id)
    row = next(
        (r for r in yearend_review.supplementary_rows(cls) if r.student.enrolment == enrolment),
        None,
    )
    if row is None:
        raise NotAllowed(
            "Học sinh này không có đánh giá bổ sung.", detail="enrolment not 'Chưa hoàn thành'"
        )
    return row


@login_required
def supplementary_student(request: HttpRequest, class_id: int, enrolment_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_SUPPLEMENTARY_EDIT)
    row = _row(cls, enrolment_id)
    errors: list[str] = []
    status = 200
    values: dict[str, object] = dict(row.redone)
    if request.method == "POST":
        values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        assessment, errors = parse_supplementary(row, request.POST)
        status = UNPROCESSABLE
        if assessment is not None:
            try:
                done = yearend.save_supplementary(request.user, row.student.enrolment, assessment)
            except InvalidEntry as exc:
                errors = [exc.message_vi]
            except EntryRefused as exc:
                errors, status = [exc.message_vi], CONFLICT
            else:
                name = row.student.enrolment.student.full_name
                tail = _next_step(done)
                messages.success(request, f"Đã lưu đánh giá bổ sung của {name}; {tail}")
                return redirect("records:supplementary", cls.pk)
    elif row.record.supplementary is not None:
        values["assessed_on"] = row.record.supplementary.assessed_on.isoformat()
        values["comment"] = row.record.supplementary.comment
    else:
        values["assessed_on"] = timezone.localdate().isoformat()
    return render(
        request,
        "records/supplementary_student.html",
        {
            "cls": cls,
            "row": row,
            "errors": errors,
            "values": values,
            "subject_rows": [
                (s, values.get(f"level_{s.code}"), values.get(f"score_{s.code}"))
                for s in row.subjects
            ],
            "rating_rows": [(r, values.get(f"rating_{r.code}")) for _, r in row.ratings],
            "levels": SubjectLevel.choices,
            "rating_levels": RatingLevel.choices,
        },
        status=status,
    )


@login_required
@require_POST
def decide_promotion(request: HttpRequest, class_id: int, enrolment_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.SCHOOL_PROMOTION_DECIDE)
    enrolment = review.enrolment_in(cls, enrolment_id)
    form = PromotionForm(request.POST)
    error, status = "", UNPROCESSABLE
    if form.is_valid():
        data = form.cleaned_data
        try:
            status_after = yearend.decide_promotion(
                request.user, enrolment, data["decision"], data["decided_on"]
            )
        except InvalidEntry as exc:
            error = exc.message_vi
        except EntryRefused as exc:
            error, status = exc.message_vi, CONFLICT
        else:
            done = _next_step(status_after)
            messages.success(
                request, f"Đã ghi quyết định cho {enrolment.student.full_name}; {done}"
            )
            return redirect("records:supplementary", cls.pk)
    else:
        error = " ".join(str(e) for es in form.errors.values() for e in es)
    return _supplementary_page(request, cls, error=error, status=status)
