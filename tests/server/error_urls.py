"""Test-only URLconf: the site's routes plus views that fail in each way."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from hocba.apps.accounts.errors import NotAllowed
from hocba.server.urls import handler403, handler404, handler500
from hocba.server.urls import urlpatterns as site


def _missing(request: HttpRequest) -> HttpResponse:
    raise Http404("no such row")


def _not_allowed(request: HttpRequest) -> HttpResponse:
    raise NotAllowed("Không tìm thấy hoặc bạn không có quyền.", detail="test denial")


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("test")


def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom in a view")


urlpatterns = [
    path("loi/khong-co/", _missing),
    path("loi/khong-quyen/", _not_allowed),
    path("loi/cam/", _forbidden),
    path("loi/he-thong/", _broken),
    *site,
]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
