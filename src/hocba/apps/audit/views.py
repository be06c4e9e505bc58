from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from hocba.apps.accounts.models import SCHOOL_LEADER_ROLES
from hocba.apps.accounts.policy import grants_of
from hocba.apps.audit import export
from hocba.apps.audit.display import describe
from hocba.apps.audit.forms import EventFilterForm
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.queries import events_visible_to, filter_events, may_read_audit

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _events(request: HttpRequest) -> tuple[EventFilterForm, QuerySet[AuditEvent]]:
    """The user's events narrowed by the filters in the address (404 for non-readers)."""
    if not may_read_audit(request.user):
        raise Http404("Không có quyền xem nhật ký.")
    form = EventFilterForm(request.GET or None)
    events = filter_events(request.user, events_visible_to(request.user), form.event_filter())
    return form, events


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    """The audit log of the user's school or subtree, newest first: who did what to whom."""
    form, events = _events(request)
    page = Paginator(events.order_by("-seq"), PAGE_SIZE).get_page(request.GET.get("trang"))
    query = request.GET.copy()
    query.pop("trang", None)
    one_school = all(g.role in SCHOOL_LEADER_ROLES for g in grants_of(request.user))
    return render(
        request,
        "audit/event_list.html",
        {"page": page, "rows": describe(page.object_list), "form": form,
         "query": query.urlencode(), "show_school": not one_school},
    )  # fmt: skip


@login_required
def event_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The filtered log as CSV or Excel (the same rows as the page, every page)."""
    _form, events = _events(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            export.to_csv(export.rows(events)), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "xlsx":
        response = HttpResponse(export.to_xlsx(export.rows(events)), content_type=XLSX)
    else:
        raise Http404("Không có định dạng này.")
    response["Content-Disposition"] = f'attachment; filename="nhat-ky-{stamp}.{fmt}"'
    return response
