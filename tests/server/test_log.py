"""Logs never carry personal ID numbers or SQL parameters."""

from __future__ import annotations

import logging

from django.conf import settings

from hocba.server.log import RedactPersonalData, redact


def test_twelve_digit_numbers_are_masked_but_other_numbers_stay() -> None:
    text = "student 001234567890 class 3A year 2024 phone 0912345678 ref 1234567890123"
    assert (
        redact(text) == "student ************ class 3A year 2024 phone 0912345678 ref 1234567890123"
    )


def test_the_filter_masks_arguments_and_tracebacks() -> None:
    try:
        raise ValueError("bad id 079123456789")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "hocba", logging.ERROR, __file__, 1, "looked up %s", ("079123456789",), exc_info
    )
    assert RedactPersonalData().filter(record)
    assert "079123456789" not in record.getMessage()
    assert "079123456789" not in (record.exc_text or "")
    assert "************" in record.exc_text


def test_sql_is_never_logged() -> None:
    sql_logger = settings.LOGGING["loggers"]["django.db.backends"]
    assert sql_logger["level"] == "WARNING"
    assert sql_logger["propagate"] is False
    assert sql_logger["handlers"] == []
