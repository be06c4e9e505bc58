"""Progress of a subtree, read-only: per school and class, how far the year's records are, and
the distribution of overall results — of finalised classes only (a class not yet finalised may
still change its results; how many classes and students are left out is shown). A fixed
handful of aggregate queries whatever the number of schools (no N+1): classes, subject
entries, record statuses, results."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from hocba.apps.accounts import policy
from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.models import OFFICER_ROLES, SCHOOL_LEADER_ROLES, Role
from hocba.apps.accounts.permissions import Permission
from hocba.apps.directory.models import School, SchoolClass, SchoolYear
from hocba.apps.records.models import (
    ClassFinalisation,
    RecordVersion,
    SubjectEvaluation,
    YearSummary,
)
from hocba.errors import CatalogError
from hocba.spec import OverallResult
from hocba.spec.catalog import grade_catalog

S = RecordVersion.Status
GVCN_SIGNED = (S.GVCN_SIGNED, S.PRINCIPAL_SIGNED, S.ISSUED)
PRINCIPAL_SIGNED = (S.PRINCIPAL_SIGNED, S.ISSUED)
RESULTS = [r.value for r in OverallResult]
OVERSIGHT_ROLES = OFFICER_ROLES | SCHOOL_LEADER_ROLES | {Role.SYSTEM_ADMIN}


@dataclass
class Progress:
    """Counts of one class, or summed over a school or the whole subtree."""

    classes: int = 0
    students: int = 0
    entered: int = 0
    """Subject evaluations with an end-of-year level."""
    expected: int = 0
    """Students × compulsory subjects of their grade."""
    finalised: int = 0
    """Classes finalised (locked) by their GVCN."""
    gvcn_signed: int = 0
    principal_signed: int = 0
    issued: int = 0
    supplementary: int = 0
    """Students "Chưa hoàn thành" whose record waits for the supplementary assessment (TT27
    Art. 11): counted apart, they are signed later than the rest of their class."""
    unfinalised_students: int = 0
    """Students of classes not yet finalised: their results are not official yet, so they are
    left out of ``results`` (the distribution) and counted here instead."""
    results: Counter[str] = field(default_factory=Counter)
    """Overall results of finalised classes only (the official distribution)."""

    def add(self, other: Progress) -> None:
        for name in (
            "classes", "students", "entered", "expected", "finalised",
            "gvcn_signed", "principal_signed", "issued", "supplementary",
            "unfinalised_students",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.results.update(other.results)

    @property
    def entered_percent(self) -> int:
        return min(100, round(100 * self.entered / self.expected)) if self.expected else 0

    @property
    def issued_percent(self) -> int:
        return round(100 * self.issued / self.students) if self.students else 0

    @property
    def unfinalised_classes(self) -> int:
        return self.classes - self.finalised

    @property
    def counted_students(self) -> int:
        """Students whose result is in the distribution (those of finalised classes)."""
        return self.students - self.unfinalised_students

    @property
    def result_rows(self) -> list[tuple[str, int]]:
        return [(OverallResult(r).label_vi, self.results[r]) for r in RESULTS]


@dataclass
class ClassRow:
    school_class: SchoolClass
    progress: Progress


@dataclass
class SchoolRow:
    school: School
    progress: Progress = field(default_factory=Progress)
    classes: list[ClassRow] = field(default_factory=list)


@dataclass
class Overview:
    year: SchoolYear | None
    years: list[SchoolYear]
    schools: list[SchoolRow]
    total: Progress


def _expected_subjects(year_code: str, grade: int) -> int:
    try:
        return len(grade_catalog(year_code, grade).compulsory_subjects)
    except CatalogError:
        return 0


def _years(school_ids: Any) -> list[SchoolYear]:
    return list(
        SchoolYear.objects.filter(classes__school__in=school_ids).distinct().order_by("-code")
    )


def overview(user: Any, year_code: str | None = None, school: School | None = None) -> Overview:
    """Progress of every school (or of ``school``) the user may oversee, in one school year
    (default: the latest with classes)."""
    if not any(g.role in OVERSIGHT_ROLES for g in policy.grants_of(user)):
        raise NotAllowed("Không tìm thấy trang.", detail="no oversight grant")
    schools = policy.schools_visible_to(user)
    if school is not None:
        policy.require(user, Permission.SUBTREE_PROGRESS_VIEW, school)
        schools = schools.filter(pk=school.pk)
    school_ids = schools.values("pk")
    years = _years(school_ids)
    year = next((y for y in years if y.code == year_code), years[0] if years else None)
    rows = {s.pk: SchoolRow(s) for s in schools.select_related("org_unit").order_by("name")}
    total = Progress()
    if year is None:
        return Overview(None, years, list(rows.values()), total)

    classes = list(
        SchoolClass.objects.filter(school__in=school_ids, school_year=year)
        .annotate(
            n_students=Count("enrolments", distinct=True),
            is_finalised=Exists(
                ClassFinalisation.objects.filter(school_class=OuterRef("pk"), locked=True)
            ),
        )
        .order_by("grade", "name")
    )
    class_ids = [c.pk for c in classes]
    entered = dict(
        SubjectEvaluation.objects.filter(enrolment__school_class__in=class_ids)
        .exclude(level="")
        .values("enrolment__school_class")
        .annotate(n=Count("id"))
        .values_list("enrolment__school_class", "n")
    )
    statuses = {
        row["enrolment__school_class"]: row
        for row in RecordVersion.objects.filter(enrolment__school_class__in=class_ids)
        .values("enrolment__school_class")
        .annotate(
            gvcn=Count("enrolment", distinct=True, filter=Q(status__in=GVCN_SIGNED)),
            principal=Count("enrolment", distinct=True, filter=Q(status__in=PRINCIPAL_SIGNED)),
            issued=Count("enrolment", distinct=True, filter=Q(status=S.ISSUED)),
            supplementary=Count("enrolment", distinct=True, filter=Q(status=S.SUPPLEMENTARY)),
        )
    }
    results: dict[int, Counter[str]] = {}
    for class_id, result, n in (
        YearSummary.objects.filter(enrolment__school_class__in=class_ids)
        .exclude(overall_result="")
        .values("enrolment__school_class", "overall_result")
        .annotate(n=Count("id"))
        .values_list("enrolment__school_class", "overall_result", "n")
    ):
        results.setdefault(class_id, Counter())[result] += n

    for cls in classes:
        status = statuses.get(cls.pk, {})
        progress = Progress(
            classes=1,
            students=cls.n_students,
            entered=entered.get(cls.pk, 0),
            expected=cls.n_students * _expected_subjects(year.code, cls.grade),
            finalised=int(cls.is_finalised),
            gvcn_signed=status.get("gvcn", 0),
            principal_signed=status.get("principal", 0),
            issued=status.get("issued", 0),
            supplementary=status.get("supplementary", 0),
            unfinalised_students=0 if cls.is_finalised else cls.n_students,
            # the official distribution: a class's results count once its GVCN finalised it
            results=results.get(cls.pk, Counter()) if cls.is_finalised else Counter(),
        )
        row = rows[cls.school_id]
        row.classes.append(ClassRow(cls, progress))
        row.progress.add(progress)
        total.add(progress)
    return Overview(year, years, list(rows.values()), total)


def visible_school(user: Any, pk: int) -> School:
    """A school the user may oversee (``NotAllowed`` → 404 otherwise)."""
    school = School.objects.select_related("org_unit").filter(pk=pk).first()
    if school is None:
        raise NotAllowed("Không tìm thấy trường.", detail=f"no school {pk}")
    policy.require(user, Permission.SUBTREE_PROGRESS_VIEW, school)
    return school
