from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from hocba.apps.accounts import ratelimit
from hocba.apps.accounts.errors import NotAllowed

FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO")


class ProxyHeadersMiddleware:
    """Forget ``X-Forwarded-For`` / ``X-Forwarded-Proto`` unless the request comes from one of
    ``HOCBA_TRUSTED_PROXIES``: anybody can send them, and ``SECURE_PROXY_SSL_HEADER`` alone
    would believe an HTTPS claim from any client. First in the middleware list."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not ratelimit.from_trusted_proxy(request):
            for name in FORWARDING_HEADERS:
                request.META.pop(name, None)
        return self.get_response(request)


class NotAllowedAs404Middleware:
    """A denial is a 404: nobody learns that an object outside their scope exists."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, NotAllowed):
            raise Http404(exception.message_vi) from exception
        return None


class PrivateResponseMiddleware:
    """``Cache-Control: no-store, private`` on every response that may carry personal data,
    so that no browser cache or shared proxy keeps a copy:

    - every response to a signed-in user (pages, grids, downloads) or to an API token
      (``Authorization`` header);
    - every file download (``Content-Disposition: attachment``): records, templates with
      names, transfer packages;
    - every answer to a form post (the public verification page shows what a PDF holds).

    Static files never pass through here (the static files handler or the web server in front
    serves them outside Django's middleware), so they stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _personal(request, response):
            patch_cache_control(response, no_store=True, private=True)
        return response


def _personal(request: HttpRequest, response: HttpResponse) -> bool:
    user = getattr(request, "user", None)
    return bool(
        (user is not None and user.is_authenticated)
        or "HTTP_AUTHORIZATION" in request.META
        or response.get("Content-Disposition", "").lower().startswith("attachment")
        or request.method not in ("GET", "HEAD", "OPTIONS")
    )
