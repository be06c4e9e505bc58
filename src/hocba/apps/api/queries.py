"""What the API reads: the school's classes with their finalisation state, a class's findings,
issued records. Every list starts from the policy's ``*_visible_to`` filters and every single
object passes ``policy.require`` — a token of school A gets 404 for anything of school B.

Lists use cursor pagination: a stable order (primary key) and an opaque cursor naming the
last row of the page, so rows added meanwhile never shift a page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from hocba.apps.accounts import policy
from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.permissions import Permission
from hocba.apps.directory.models import SchoolClass
from hocba.apps.records import review
from hocba.apps.records.models import RecordVersion
from hocba.errors import HocbaError

MAX_ID = 2**63 - 1  # the largest id a database row can have (BIGINT)
CURSOR_PATTERN = r"^[0-9a-f]{1,16}$"  # every string of this form is a valid cursor


class BadCursor(HocbaError):
    code = "invalid_cursor"


def encode_cursor(pk: int) -> str:
    """The position after row ``pk``. Clients treat it as opaque."""
    return f"{pk:x}"


def decode_cursor(cursor: str) -> int:
    if re.fullmatch(CURSOR_PATTERN, cursor) is None:
        raise BadCursor(
            "Con trỏ trang không hợp lệ: hãy dùng đúng giá trị next_cursor đã nhận.",
            detail="malformed cursor",
        )
    return min(int(cursor, 16), MAX_ID)


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


def paginate(qs: QuerySet[Any], cursor: str | None, limit: int) -> Page:
    qs = qs.order_by("pk")
    if cursor:
        qs = qs.filter(pk__gt=decode_cursor(cursor))
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].pk) if more else None)


# --- classes -----------------------------------------------------------------------------------


def _classes(agent: Any, school_year: str | None) -> QuerySet[SchoolClass]:
    qs = policy.classes_visible_to(agent)
    if school_year:
        qs = qs.filter(school_year__code=school_year)
    return qs


def class_page(agent: Any, *, school_year: str | None, cursor: str | None, limit: int) -> Page:
    """Classes of the agent's school with entry progress, finalisation and record counts."""
    page = paginate(_classes(agent, school_year), cursor, limit)
    states = {
        s.school_class.pk: s
        for s in review.class_states(SchoolClass.objects.filter(pk__in=[c.pk for c in page.items]))
    }
    return Page([states[c.pk] for c in page.items], page.next_cursor)


def school_class(agent: Any, class_id: int, perm: Permission) -> SchoolClass:
    cls = (
        SchoolClass.objects.select_related("school__org_unit", "school_year")
        .filter(pk=class_id)
        .first()
    )
    if cls is None:
        raise NotAllowed("Không tìm thấy lớp.", detail=f"no class {class_id}")
    policy.require(agent, perm, cls)
    return cls


def class_state(agent: Any, class_id: int) -> review.ClassState:
    cls = school_class(agent, class_id, Permission.CLASS_RECORD_REVIEW)
    return review.class_states(SchoolClass.objects.filter(pk=cls.pk))[0]


def class_findings(
    agent: Any, class_id: int
) -> tuple[review.ClassState, list[review.StudentReview], set[int]]:
    """The class, each student's working data with the computed results and the rules'
    findings, and the enrolment ids whose data is locked."""
    cls = school_class(agent, class_id, Permission.CLASS_RECORD_REVIEW)
    state = review.class_states(SchoolClass.objects.filter(pk=cls.pk))[0]
    return state, review.review_class(cls), review.read_only(cls)


# --- issued records ------------------------------------------------------------------------------


def record_page(
    agent: Any,
    *,
    school_year: str | None,
    class_id: int | None,
    cursor: str | None,
    limit: int,
) -> Page:
    qs = RecordVersion.objects.filter(
        status__in=RecordVersion.PUBLISHED,
        enrolment__in=policy.enrolments_visible_to(agent),
    ).select_related("enrolment__student", "enrolment__school_class__school_year", "superseded_by")
    if school_year:
        qs = qs.filter(enrolment__school_class__school_year__code=school_year)
    if class_id is not None:
        qs = qs.filter(enrolment__school_class_id=class_id)
    return paginate(qs, cursor, limit)
