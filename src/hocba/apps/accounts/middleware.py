from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from hocba.apps.accounts.errors import NotAllowed


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
