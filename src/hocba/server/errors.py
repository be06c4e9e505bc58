"""Vietnamese error pages (404, 403, 500) in every mode.

With ``DEBUG`` off Django calls the handlers below (``handler404``/``403``/``500`` in
``hocba.server.urls``). With ``DEBUG`` on it would show its English technical pages instead;
``ErrorPagesMiddleware`` renders the same Vietnamese pages then, so what a teacher sees on a
development or training server is what production shows. ``HOCBA_DEBUG_TRACEBACKS=1`` gives a
developer Django's own pages back; the traceback of a 500 is logged in every mode.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.log import log_response

from hocba.apps.accounts.errors import NotAllowed

FALLBACK_500 = (
    "<!doctype html><html lang='vi'><meta charset='utf-8'><title>Lỗi hệ thống</title>"
    "<h1>Hệ thống gặp lỗi</h1><p>Xin thử lại sau ít phút.</p><p><a href='/'>Về trang chính</a>"
    "</p></html>"
)


def _back_url(request: HttpRequest) -> str:
    """The page the user came from, when it is on this site (never an outside address)."""
    referer = request.META.get("HTTP_REFERER", "")
    allowed = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if referer and allowed else ""


def _render(
    request: HttpRequest, template: str, response_class: type[HttpResponse], **context: Any
) -> HttpResponse:
    context = {"back_url": _back_url(request), "request_path": request.path, **context}
    return response_class(loader.render_to_string(template, context, request))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: the page does not exist, or (the same page, on purpose) the user may not see it."""
    return _render(request, "404.html", HttpResponseNotFound)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "403.html", HttpResponseForbidden)


def server_error(request: HttpRequest) -> HttpResponse:
    """500. Rendered without the request's context (the session or database may be what
    failed), and as a fixed page if even the template cannot be rendered."""
    try:
        return HttpResponseServerError(loader.render_to_string("500.html", {}))
    except Exception:  # the error page must not fail in its turn
        return HttpResponseServerError(FALLBACK_500)


def _django_pages_wanted() -> bool:
    return not settings.DEBUG or bool(getattr(settings, "HOCBA_DEBUG_TRACEBACKS", False))


class ErrorPagesMiddleware:
    """With ``DEBUG`` on (and no ``HOCBA_DEBUG_TRACEBACKS``), the Vietnamese pages instead of
    Django's technical ones. Listed last so its ``process_exception`` runs first; a denial
    (``NotAllowed``) is a 404 here too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # No view matched the address: Django answered with its technical 404 page.
        unresolved = getattr(request, "resolver_match", None) is None
        if response.status_code == 404 and unresolved and not _django_pages_wanted():
            return page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if _django_pages_wanted():
            return None
        if isinstance(exception, Http404 | NotAllowed):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied | BadRequest | SuspiciousOperation):
            return None  # Django answers 403/400 through its handlers in every mode
        if isinstance(exception, MultiPartParserError):
            return None
        response = server_error(request)
        log_response(
            "Internal Server Error: %s", request.path,
            response=response, request=request, exception=exception,
        )  # fmt: skip
        return response
