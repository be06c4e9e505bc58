"""The principal's signing page: one school year at a time (the current one unless another is
chosen), each class with what it waits for and who must act. Reads only; the permission is
checked first, as in ``services``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils import timezone

from hocba.apps.accounts import policy
from hocba.apps.accounts.permissions import Permission
from hocba.apps.directory.models import School, SchoolClass, SchoolYear
from hocba.apps.records.models import ClassFinalisation, RecordVersion
from hocba.apps.signing.models import SigningBatch
from hocba.apps.signing.services import current_versions, pin_fields, with_failures

S = RecordVersion.Status


@dataclass
class ClassSigning:
    """Where one class stands on the way to issued records."""

    school_class: SchoolClass
    students: int
    finalised: bool
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def to_seal(self) -> int:
        return self.counts[S.GVCN_SIGNED] + self.counts[S.PRINCIPAL_SIGNED]

    @property
    def waiting(self) -> list[tuple[str, str]]:
        """(css, text) of each thing the class waits for, with who must act; issued last."""
        out = []
        if not self.finalised:
            out.append(("warn", "Chờ GVCN nhập/hoàn tất và chốt lớp"))
        if self.finalised and self.counts[S.FINAL]:
            out.append(("warn", f"Chờ GVCN ký ({self.counts[S.FINAL]} học bạ)"))
        if self.to_seal:
            out.append(("warn", f"Chờ hiệu trưởng ký và đóng dấu ({self.to_seal} học bạ)"))
        if self.counts[S.SUPPLEMENTARY]:
            n = self.counts[S.SUPPLEMENTARY]
            out.append(("warn", f"Chờ GVCN đánh giá bổ sung, ký ở lượt sau ({n} học sinh)"))
        if self.counts[S.ISSUED]:
            out.append(("ok", f"Đã ban hành {self.counts[S.ISSUED]}/{self.students}"))
        return out

    @property
    def seal_blocked(self) -> str:
        """Why the principal cannot seal this class now ("" when they can)."""
        if self.to_seal:
            return ""
        if not self.students:
            return "Lớp chưa có học sinh."
        if self.counts[S.ISSUED] >= self.students:
            return "Đã ban hành toàn bộ học bạ."
        if not self.finalised:
            return "GVCN chưa chốt lớp."
        return "Chưa có học bạ nào GVCN đã ký."


def school_years(school: School) -> list[SchoolYear]:
    """The years in which the school has classes, newest first."""
    return list(
        SchoolYear.objects.filter(classes__school=school).distinct().order_by("-start_date")
    )


def current_year(years: list[SchoolYear], today: dt.date | None = None) -> SchoolYear | None:
    """The year running today; else the latest one already begun; else the newest."""
    today = today or timezone.localdate()
    running = [y for y in years if y.start_date <= today <= y.end_date]
    begun = [y for y in years if y.start_date <= today]
    return (running or begun or years or [None])[0]


def school_overview(user: Any, school: School, year_code: str = "") -> dict[str, Any]:
    """The principal's page: the classes of one year with what each waits for."""
    policy.require(user, Permission.SCHOOL_RECORD_SIGN, school)
    years = school_years(school)
    year = next((y for y in years if y.code == year_code), None) or current_year(years)
    classes = list(
        SchoolClass.objects.filter(school=school, school_year=year)
        .annotate(n_students=Count("enrolments", distinct=True))
        .order_by("grade", "name")
    )
    locked = set(
        ClassFinalisation.objects.filter(school_class__in=classes, locked=True).values_list(
            "school_class_id", flat=True
        )
    )
    rows = {c.pk: ClassSigning(c, c.n_students, c.pk in locked) for c in classes}  # type: ignore[attr-defined]
    versions = current_versions(classes=classes).values_list("enrolment__school_class_id", "status")
    for class_id, status in versions:
        rows[class_id].counts[status] += 1
    return {
        "school": school,
        "years": years,
        "year": year,
        "classes": list(rows.values()),
        "batches": with_failures(SigningBatch.objects.filter(school=school, school_class=None)[:3]),
        "pins_principal": pin_fields(user, school, SigningBatch.Stage.PRINCIPAL_SEAL),
        "can_manage_keys": policy.can(user, Permission.SCHOOL_YEAR_MANAGE, school),
    }
