"""Rules of the education org tree: its kinds, which kind sits under which, and the
materialised ``path`` ("/1/7/42/") that makes a subtree one indexed prefix query.

``OrgUnit.save()`` calls ``check_parent`` and ``repath_subtree``; lists filter with
``OrgUnit.objects.subtree_of(node)``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models
from django.db.models.functions import Concat, Substr

from hocba.apps.directory.errors import InvalidOrgTree

if TYPE_CHECKING:
    from hocba.apps.directory.models import OrgUnit


class OrgUnitKind(models.TextChoices):
    MINISTRY = "ministry", "Bộ GDĐT"
    DEPARTMENT = "department", "Sở GDĐT"
    # Before 07/2025 the district office (Phòng GDĐT), after it the commune (DOMAIN §3).
    LOCAL_OFFICE = "local_office", "Phòng GDĐT / UBND cấp xã"
    SCHOOL = "school", "Trường"


# Which kinds may sit directly under which. Any kind may be a root: a department or a single
# school can run its own instance without the levels above it.
PARENT_KINDS: dict[str, frozenset[str]] = {
    OrgUnitKind.MINISTRY: frozenset(),
    OrgUnitKind.DEPARTMENT: frozenset({OrgUnitKind.MINISTRY}),
    OrgUnitKind.LOCAL_OFFICE: frozenset({OrgUnitKind.DEPARTMENT}),
    OrgUnitKind.SCHOOL: frozenset({OrgUnitKind.LOCAL_OFFICE, OrgUnitKind.DEPARTMENT}),
}


def check_parent(*, kind: str, path: str, parent_kind: str | None, parent_path: str | None) -> None:
    """Raise ``InvalidOrgTree`` if the parent is the wrong kind or inside the unit's subtree."""
    if parent_kind is None or parent_path is None:
        return
    allowed_kinds = PARENT_KINDS.get(kind, frozenset())
    if parent_kind not in allowed_kinds:
        allowed = ", ".join(str(OrgUnitKind(k).label) for k in sorted(allowed_kinds))
        raise InvalidOrgTree(
            f"{OrgUnitKind(kind).label} không thể trực thuộc {OrgUnitKind(parent_kind).label}"
            + (f"; chỉ trực thuộc: {allowed}." if allowed else "; đây là cấp cao nhất."),
            detail=f"a {kind} unit cannot sit under a {parent_kind} unit",
        )
    if path and parent_path.startswith(path):
        raise InvalidOrgTree(
            "Không thể chuyển một đơn vị vào bên dưới chính nó.",
            detail=f"org unit {path} cannot move under its own subtree",
        )


def child_path(parent_path: str | None, pk: int) -> str:
    return f"{parent_path or '/'}{pk}/"


def repath_subtree(units: models.QuerySet[OrgUnit], old_path: str, new_path: str) -> int:
    """Rewrite the paths of a moved unit and all its descendants in one UPDATE."""
    return units.filter(path__startswith=old_path).update(
        path=Concat(
            models.Value(new_path),
            Substr("path", len(old_path) + 1),
            output_field=models.CharField(),
        )
    )


class OrgUnitQuerySet(models.QuerySet["OrgUnit"]):
    def subtree_of(self, node: OrgUnit) -> OrgUnitQuerySet:
        """The node and every unit below it (one prefix query on the indexed ``path``)."""
        return self.filter(path__startswith=node.path)

    def valid_on(self, day: dt.date) -> OrgUnitQuerySet:
        """Units in force on ``day``."""
        return self.filter(valid_from__lte=day).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day)
        )
