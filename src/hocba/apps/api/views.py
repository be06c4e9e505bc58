"""Web pages where the principal (or a system admin) manages the school's vendor API tokens:
list, create (the token is shown once) and revoke. Authority: ``services.managed_school``
(policy, 404 outside scope)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hocba.apps.accounts.menu import Link
from hocba.apps.accounts.models import Grant, Role
from hocba.apps.api import services
from hocba.apps.directory.models import School


def menu_links(grant: Grant) -> list[Link]:
    if grant.role != Role.PRINCIPAL or grant.org_unit_id is None:
        return []
    school = School.objects.filter(org_unit_id=grant.org_unit_id).only("pk").first()
    if school is None:
        return []
    return [Link("Mã truy cập API cho phần mềm", reverse("apitokens:tokens", args=[school.pk]))]


def _page(request: HttpRequest, school: School, **extra: object) -> HttpResponse:
    context = {"school": school, "tokens": services.tokens_of(school), **extra}
    response = render(request, "api/tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def tokens(request: HttpRequest, school_id: int) -> HttpResponse:
    return _page(request, services.managed_school(request.user, school_id))


@login_required
@require_POST
@never_cache
def create(request: HttpRequest, school_id: int) -> HttpResponse:
    school = services.managed_school(request.user, school_id)
    try:
        token, raw = services.create_token(school, request.POST.get("name", ""), actor=request.user)
    except services.TokenRefused as exc:
        return _page(request, school, error=exc.message_vi)
    return _page(request, school, created=token, raw_token=raw)


@login_required
@require_POST
def revoke(request: HttpRequest, school_id: int, token_id: int) -> HttpResponse:
    school = services.managed_school(request.user, school_id)
    token = services.tokens_of(school).filter(pk=token_id).first()
    if token is None:
        raise Http404("no such token")
    if services.revoke_token(token, actor=request.user):
        messages.success(request, f"Đã thu hồi mã truy cập “{token.name}”.")
    return redirect("apitokens:tokens", school_id=school.pk)
