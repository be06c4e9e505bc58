"""The limits on untrusted files as the web app applies them (``hocba.limits.FileLimits``).

Each bound has a setting name (``HOCBA_XLSX_MAX_CELLS``…, documented in docs/settings.md): the
Django setting of that name, else the environment variable, else the default. Read at each
use, so a changed setting (or a test's ``settings`` override) applies at once.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hocba.limits import FileLimits

FILE_LIMIT_SETTINGS = tuple(FileLimits.setting_names())


def file_limits() -> FileLimits:
    values: dict[str, Any] = {}
    for name in FILE_LIMIT_SETTINGS:
        value = getattr(settings, name, None)
        if value is None:
            value = os.environ.get(name)
        if value is not None:
            values[name] = value
    try:
        return FileLimits.from_mapping(values)
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from exc
