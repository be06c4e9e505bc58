"""The public address of this hocba instance (``HOCBA_PUBLIC_URL``), read in one place.

Every issued PDF prints it and its QR code opens ``<public url>/xac-minh/?q=<token>``, so a
record issued with a wrong address cannot be verified from paper. The document pipeline never
reads it: the renderer takes the verify URL as an argument. The Django settings get it from
``hocba.server.config`` (which refuses to start in production without it); the command line
(``hocba render``, ``hocba demo``) from ``--public-url`` or the environment variable.
In development it defaults to what ``hocba serve`` serves, so the demo's QR codes open the
local verification page.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from hocba.errors import HocbaError

SETTING = "HOCBA_PUBLIC_URL"
DEVELOPMENT_PUBLIC_URL = "http://127.0.0.1:8000"
"""``hocba serve``'s address."""
VERIFY_PATH = "/xac-minh/"
"""The public verification page (``hocba.server.urls``)."""
DEVELOPMENT_VERIFY_URL = DEVELOPMENT_PUBLIC_URL + VERIFY_PATH


class PublicUrlError(HocbaError):
    """``HOCBA_PUBLIC_URL`` is missing in production, or not an http(s) base URL."""

    code = "config.public_url"


def normalise(raw: str) -> str:
    """``raw`` as a base URL without a trailing slash; ``PublicUrlError`` unless it is an
    absolute http(s) URL with a host and no query or fragment."""
    value = raw.strip().rstrip("/")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 — raises ValueError on a bad port
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or any(c.isspace() for c in value)
    ):
        raise PublicUrlError(
            f"{SETTING} phải là địa chỉ gốc http(s) của hệ thống, ví dụ "
            "https://hocba.sogd.example.vn (không có ?… hoặc #…).",
            detail=f"{SETTING} is not an absolute http(s) base URL",
        )
    return value


def resolve(configured: str | None, *, production: bool) -> str:
    """The public base URL: ``configured`` normalised; when empty, the development default.
    In production a missing or local (loopback) address is a ``PublicUrlError``: records must
    not be issued pointing nowhere."""
    value = normalise(configured) if configured and configured.strip() else ""
    if production and (not value or _is_local(value)):
        raise PublicUrlError(
            f"Chưa cấu hình {SETTING} (địa chỉ công khai của hệ thống, ví dụ "
            "https://hocba.sogd.example.vn). Máy chủ chạy chế độ chính thức nên không ban "
            "hành học bạ khi chưa có địa chỉ này: mã QR và hướng dẫn xác minh in trên học bạ "
            "sẽ trỏ sai chỗ.",
            detail=f"{SETTING} is required when HOCBA_ENV=production (and not a loopback host)",
        )
    return value or DEVELOPMENT_PUBLIC_URL


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def from_environ(environ: Mapping[str, str] | None = None, *, option: str | None = None) -> str:
    """For the command line: ``option`` (``--public-url``), else ``$HOCBA_PUBLIC_URL``, else
    the development default (refused with ``HOCBA_ENV=production``)."""
    env = os.environ if environ is None else environ
    production = env.get("HOCBA_ENV", "").strip().lower() == "production"
    return resolve(option or env.get(SETTING), production=production)


def verify_url(public_url: str) -> str:
    """The verification page of the instance at ``public_url`` (what the QR code opens)."""
    return normalise(public_url) + VERIFY_PATH
