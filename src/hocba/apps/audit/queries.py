"""Which audit rows a user may read: their school's (principals, vice-principals) or their
subtree's (officers); a system admin reads everything. Rows without a scope (logins) are
for system admins only."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from hocba.apps.accounts.models import OFFICER_ROLES, SCHOOL_LEADER_ROLES, Role
from hocba.apps.accounts.policy import grants_of
from hocba.apps.audit.models import AuditEvent

READERS = OFFICER_ROLES | SCHOOL_LEADER_ROLES


def may_read_audit(user: Any) -> bool:
    return any(g.role in READERS or g.role == Role.SYSTEM_ADMIN for g in grants_of(user))


def events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    q: Q | None = None
    for grant in grants_of(user):
        if grant.role == Role.SYSTEM_ADMIN:
            return AuditEvent.objects.all()
        if grant.role in READERS and grant.org_unit is not None:
            part = Q(scope_path__startswith=grant.org_unit.path)
            q = part if q is None else q | part
    return AuditEvent.objects.none() if q is None else AuditEvent.objects.filter(q)
