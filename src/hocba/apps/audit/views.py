from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from hocba.apps.audit.queries import events_visible_to, may_read_audit
from hocba.apps.audit.tags import EventTag

PAGE_SIZE = 50


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    """The audit log of the user's school or subtree, newest first, filterable by tag."""
    if not may_read_audit(request.user):
        raise Http404("Không có quyền xem nhật ký.")
    events = events_visible_to(request.user)
    tag = request.GET.get("tag", "")
    if tag in EventTag._value2member_map_:
        events = events.filter(tag=tag)
    page = Paginator(events.order_by("-seq"), PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(
        request,
        "audit/event_list.html",
        {"page": page, "tags": [t.value for t in EventTag], "tag": tag},
    )
