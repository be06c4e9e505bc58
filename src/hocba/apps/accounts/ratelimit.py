"""Counting attempts in the cache every server process shares, and who is attempting.

One helper for every limit (login lockout, public verification): ``client_address(request)``
says which address a request comes from, ``hit(scope, *parts, window=...)`` counts one attempt
and returns how many were made in the current window. Counters live in Django's cache
(``HOCBA_CACHE_URL``: the database by default, or Redis), so several server processes, or
several servers, count together; the count is an atomic ``add`` + ``incr``.

A username is counted under the same form Django logs in with: ``AuthenticationForm`` applies
NFKC (``ｈｉｅｕ`` logs in as ``hieu``), and names are unique case-insensitively
(``schooladmin`` refuses a name that differs only in case), so the name is NFKC-normalised and
case-folded. Keys are hashed: no name or address is stored in the cache in clear.
"""

from __future__ import annotations

import hashlib
import ipaddress
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
TRUSTED_PROXIES_SETTING = "HOCBA_TRUSTED_PROXIES"


def normalize_username(username: str) -> str:
    """The one form of a username for counting: NFKC (as the login form), then case-folded."""
    return unicodedata.normalize("NFKC", username or "").strip().casefold()


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Any, proxies: Iterable[Any]) -> bool:
    return address is not None and any(address in network for network in proxies)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the connecting address is one of ``HOCBA_TRUSTED_PROXIES``."""
    proxies = getattr(settings, TRUSTED_PROXIES_SETTING, ())
    return bool(proxies) and _trusted(_address(request.META.get("REMOTE_ADDR", "")), proxies)


def client_address(request: HttpRequest) -> str:
    """The address the request comes from.

    ``REMOTE_ADDR``, unless it is one of ``HOCBA_TRUSTED_PROXIES``: then the rightmost address
    of ``X-Forwarded-For`` that is not a trusted proxy (the one the outermost trusted proxy
    saw; anything left of it was written by the client and proves nothing). Without trusted
    proxies the header is ignored: anybody can send it.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if not from_trusted_proxy(request):
        return remote
    proxies = getattr(settings, TRUSTED_PROXIES_SETTING, ())
    nearest = remote
    for hop in reversed(request.META.get(FORWARDED_FOR, "").split(",")):
        address = _address(hop)
        if address is None:  # garbage: keep the last address a trusted proxy vouched for
            return nearest
        if not _trusted(address, proxies):
            return str(address)
        nearest = str(address)
    return nearest


def _key(scope: str, parts: tuple[str, ...]) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"ratelimit:{scope}:{digest}"


def hit(scope: str, *parts: str, window: int) -> int:
    """Count one attempt for ``parts`` under ``scope``; the number made in this window
    (the window starts with the first attempt and lasts ``window`` seconds)."""
    key = _key(scope, parts)
    cache.add(key, 0, window)
    try:
        count = int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1
    if count == 1:
        # The first attempt of a window: make sure it expires (a backend's incr may have
        # recreated an entry that expired between its own existence check and the increment).
        cache.touch(key, window)
    return count


def count(scope: str, *parts: str) -> int:
    """Attempts made in the current window, without counting one."""
    return int(cache.get(_key(scope, parts), 0))


def reset(scope: str, *parts: str) -> None:
    cache.delete(_key(scope, parts))
