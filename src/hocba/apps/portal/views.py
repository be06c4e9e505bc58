"""Family portal: the list of own/children's issued records, and downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from hocba.apps.accounts.menu import Link
from hocba.apps.accounts.models import Grant, Role
from hocba.apps.portal import services


def menu_links(grant: Grant) -> list[Link]:
    if grant.role == Role.PARENT:
        return [Link("Học bạ của con", reverse("portal:index"))]
    if grant.role == Role.STUDENT:
        return [Link("Học bạ của em", reverse("portal:index"))]
    return []


@login_required
def index(request: HttpRequest) -> HttpResponse:
    children = services.records_by_child(request.user)
    return render(request, "portal/index.html", {"children": children})


@login_required
def download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    file = services.download(request.user, pk, fmt)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
