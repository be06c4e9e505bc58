"""Field validators of the directory, shared by the models (admin forms) and the services.

Messages never echo the value: a personal ID number must not reach a log or an error page.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

PERSONAL_ID_RE = re.compile(r"[0-9]{12}")
SCHOOL_YEAR_RE = re.compile(r"([0-9]{4})-([0-9]{4})")


def validate_personal_id(value: str) -> None:
    """Số định danh cá nhân: exactly 12 ASCII digits (DOMAIN §1)."""
    if not PERSONAL_ID_RE.fullmatch(value):
        raise ValidationError(
            "Số định danh cá nhân phải gồm đúng 12 chữ số.", code="invalid_personal_id"
        )


def validate_school_year_code(value: str) -> None:
    """``YYYY-YYYY`` with consecutive years, e.g. ``2024-2025``."""
    match = SCHOOL_YEAR_RE.fullmatch(value)
    if not match or int(match[2]) != int(match[1]) + 1:
        raise ValidationError(
            "Mã năm học phải có dạng NNNN-NNNN với hai năm liên tiếp, ví dụ 2024-2025.",
            code="invalid_school_year",
        )
