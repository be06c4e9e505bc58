"""URL patterns of ``/api/v1/``: ninja's operations (405 answers in our error shape) and a
last catch-all so an unknown path under the API answers 404 in our error shape too."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, re_path

from hocba.apps.api.api import api
from hocba.apps.api.errors import json_errors, not_found_view


def _wrapped(entry: URLPattern | URLResolver) -> URLPattern | URLResolver:
    if isinstance(entry, URLPattern) and entry.name == "api-root":  # ninja's root: nothing here
        return URLPattern(entry.pattern, not_found_view, entry.default_args, entry.name)
    if isinstance(entry, URLPattern):
        return URLPattern(
            entry.pattern, json_errors(entry.callback), entry.default_args, entry.name
        )
    return entry


_patterns, _app, namespace = api.urls
app_name = namespace
urlpatterns = [_wrapped(e) for e in _patterns]
urlpatterns.append(re_path(r"^.*$", not_found_view))
