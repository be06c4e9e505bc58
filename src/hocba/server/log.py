"""Logging that never writes personal data.

SQL with parameters (``django.db.backends`` at DEBUG) is never logged, and a filter on every
handler masks anything shaped like a personal ID number (12 digits) as a last line of defence.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_PERSONAL_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")
MASK = "************"


def redact(text: str) -> str:
    """Replace every run of exactly 12 digits by asterisks."""
    return _PERSONAL_ID.sub(MASK, text)


class RedactPersonalData(logging.Filter):
    """Format the message once and mask personal ID numbers in it (and in the traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def logging_config(*, debug: bool) -> dict[str, Any]:
    """The ``LOGGING`` dict: console only; SQL logging off whatever the level."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "hocba.server.log.RedactPersonalData"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["redact"],
            },
        },
        "root": {"handlers": ["console"], "level": "INFO" if debug else "WARNING"},
        "loggers": {
            # Query parameters carry names, birth dates and ID numbers: never log them.
            "django.db.backends": {"level": "WARNING", "propagate": False, "handlers": []},
            "django.request": {"level": "WARNING"},
            "hocba": {"level": "DEBUG" if debug else "INFO"},
        },
    }
