"""The page where the GVCN records a student's individual education plan (TT27 Art. 8),
reached from the class review page. Authority through ``policy`` (``class:rating:edit``; a
denial is a 404), input parsed here, one writer of ``plans`` called.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from pydantic import ValidationError

from hocba.apps.accounts.permissions import Permission as P
from hocba.apps.directory.models import SchoolClass
from hocba.apps.records import plans, review
from hocba.apps.records.errors import EntryRefused, InvalidEntry
from hocba.apps.records.models import IndividualPlan as StoredPlan
from hocba.apps.records.views import _class
from hocba.spec import IndividualPlan, PlanSubject, PlanSubjectMode

UNPROCESSABLE, CONFLICT = 422, 409
MODES = [("", "Đánh giá như học sinh khác")] + [(m.value, m.label_vi) for m in PlanSubjectMode]


def parse_plan(cls: SchoolClass, post: QueryDict) -> tuple[IndividualPlan | None, str]:
    """(plan or None for "no plan", error message or "")."""
    if post.get("has_plan") != "1":
        return None, ""
    catalog = review.catalog_of(cls)
    codes = [s.code for s in catalog.subjects] if catalog else []
    entries = []
    for code in codes:
        mode = post.get(f"mode_{code}", "")
        if mode and mode not in {m.value for m in PlanSubjectMode}:
            return None, "Cách đánh giá môn học không hợp lệ."
        if mode:
            entries.append(PlanSubject(code=code, mode=PlanSubjectMode(mode)))
    try:
        plan = IndividualPlan(
            reference=" ".join(post.get("reference", "").split()), subjects=entries
        )
    except ValidationError:
        return (
            None,
            "Cần ghi số, ngày hoặc mô tả ngắn của kế hoạch giáo dục cá nhân (tối đa 200 ký tự).",
        )
    return plan, ""


@login_required
def individual_plan(request: HttpRequest, class_id: int, enrolment_id: int) -> HttpResponse:
    cls = _class(request, class_id, P.CLASS_RATING_EDIT)
    enrolment = review.enrolment_in(cls, enrolment_id)
    stored = StoredPlan.objects.filter(enrolment=enrolment).first()
    error, status = "", 200
    values = {
        "has_plan": stored is not None,
        "reference": stored.reference if stored else "",
        "modes": {e["code"]: e["mode"] for e in stored.subjects} if stored else {},
    }
    if request.method == "POST":
        plan, error = parse_plan(cls, request.POST)
        status = UNPROCESSABLE
        if not error:
            try:
                plans.save_plan(request.user, enrolment, plan)
            except InvalidEntry as exc:
                error = exc.message_vi
            except EntryRefused as exc:
                error, status = exc.message_vi, CONFLICT
            else:
                name = enrolment.student.full_name
                messages.success(request, f"Đã lưu kế hoạch giáo dục cá nhân của {name}.")
                return redirect("records:review", cls.pk)
        values = {
            "has_plan": request.POST.get("has_plan") == "1",
            "reference": request.POST.get("reference", ""),
            "modes": {k[5:]: v for k, v in request.POST.items() if k.startswith("mode_")},
        }
    catalog = review.catalog_of(cls)
    rows = [(s, values["modes"].get(s.code, "")) for s in (catalog.subjects if catalog else ())]
    return render(
        request,
        "records/individual_plan.html",
        {
            "cls": cls, "enrolment": enrolment, "values": values, "rows": rows, "modes": MODES,
            "error": error, "editable": review.is_editable(enrolment, cls),
        },
        status=status,
    )  # fmt: skip
