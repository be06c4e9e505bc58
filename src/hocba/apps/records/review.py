"""Read models of the evaluation pages: grids, the class review with rule findings, class
states for the principal and the result chart. Nothing here writes; authority is the caller's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.directory import tenancy
from hocba.apps.directory.models import Enrolment, SchoolClass
from hocba.apps.records.errors import EntryRefused
from hocba.apps.records.models import (
    ClassFinalisation,
    Commendation,
    CorrectionRequest,
    IndividualPlan,
    RatingEvaluation,
    RecordVersion,
    StudentUnlock,
    SubjectEvaluation,
    YearSummary,
    exempted_codes,
)
from hocba.apps.records.services import build_record, load_for_records
from hocba.errors import HocbaError
from hocba.rules import tt27
from hocba.rules.findings import Finding, Severity
from hocba.spec import GradeCatalog, OverallResult, RatingSpec, Record, grade_catalog
from hocba.spec.io import RecordProblems

Status = RecordVersion.Status
SIGNED = (Status.GVCN_SIGNED, Status.PRINCIPAL_SIGNED, Status.ISSUED, Status.SUPERSEDED)
KINDS = {
    RatingEvaluation.Kind.QUALITY: "qualities",
    RatingEvaluation.Kind.COMPETENCE: "competences",
}


def latest_only(versions: QuerySet[RecordVersion]) -> QuerySet[RecordVersion]:
    """Each enrolment's newest version only: a record being corrected counts once, as its new
    version; a superseded one never counts."""
    newer = RecordVersion.objects.filter(
        enrolment_id=OuterRef("enrolment_id"), version__gt=OuterRef("version")
    )
    return versions.exclude(Exists(newer))


def is_locked(cls: SchoolClass) -> bool:
    return ClassFinalisation.objects.filter(school_class=cls, locked=True).exists()


def open_unlocks(cls: SchoolClass) -> dict[int, StudentUnlock]:
    """The students of ``cls`` the principal has unlocked and the GVCN not yet finalised again."""
    return {
        u.enrolment_id: u
        for u in StudentUnlock.objects.filter(
            enrolment__school_class=cls, relocked_at__isnull=True
        ).select_related("unlocked_by")
    }


def open_corrections(cls: SchoolClass) -> dict[int, CorrectionRequest]:
    """The students of ``cls`` with a correction requested or in progress (one at most each)."""
    return {
        c.enrolment_id: c
        for c in CorrectionRequest.objects.filter(
            enrolment__school_class=cls, status__in=CorrectionRequest.OPEN
        ).select_related("version")
    }


def read_only(cls: SchoolClass, enrolment: Enrolment | None = None) -> set[int]:
    """THE lock decision of the working data: the enrolment ids whose cells cannot change.
    Everyone in a finalised class, except students the principal unlocked one by one; nobody
    in an open class; and, always, students who belong to another school now (the school they
    left reads their past, ``directory.tenancy``). With ``enrolment``, only that one."""
    enrolments = enrolments_of(cls)
    if enrolment is not None:
        enrolments = enrolments.filter(pk=enrolment.pk)
    pairs = list(enrolments.values_list("pk", "student_id"))
    owner = tenancy.owners(student for _, student in pairs)
    out = {pk for pk, student in pairs if owner.get(student) != cls.school_id}
    if is_locked(cls):
        out |= {pk for pk, _ in pairs} - set(open_unlocks(cls))
    return out


def is_editable(enrolment: Enrolment, cls: SchoolClass) -> bool:
    return enrolment.pk not in read_only(cls, enrolment)


def require_editable(enrolment: Enrolment, cls: SchoolClass, what: str) -> None:
    """Raise ``EntryRefused`` when ``what`` (e.g. "khen thưởng") of this student can no longer
    change: the class is finalised (and the student not unlocked) or the record is signed."""
    if not is_editable(enrolment, cls):
        raise EntryRefused(
            f"Lớp đã chốt dữ liệu: {what} không thể thay đổi. "
            "Cần hiệu trưởng mở khóa lớp hoặc học sinh trước.",
            detail=f"class {cls.pk} is finalised",
        )
    if RecordVersion.objects.filter(enrolment=enrolment, status__in=SIGNED).exists():
        raise EntryRefused(
            "Học bạ của học sinh này đã ký: việc sửa cần lập phiên bản điều chỉnh.",
            detail=f"enrolment {enrolment.pk} has a signed record",
        )


def catalog_of(cls: SchoolClass) -> GradeCatalog | None:
    try:
        return grade_catalog(cls.school_year.code, cls.grade)
    except HocbaError:
        return None


def subject_spec(cls: SchoolClass, code: str) -> Any:
    """The catalog entry of ``code`` for the class's grade; 404 when it has no such subject."""
    catalog = catalog_of(cls)
    spec = catalog.subject(code) if catalog else None
    if spec is None:
        raise NotAllowed(
            "Môn học không có trong chương trình của lớp.", detail=f"no subject {code}"
        )
    return spec


def rating_specs(cls: SchoolClass, kind: str) -> list[RatingSpec]:
    catalog = catalog_of(cls)
    if catalog is None or kind not in KINDS:
        return []
    return list(catalog.qualities if kind == RatingEvaluation.Kind.QUALITY else catalog.competences)


def enrolments_of(cls: SchoolClass) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(school_class=cls).select_related("student")


def enrolment_in(cls: SchoolClass, enrolment_id: int) -> Enrolment:
    """One enrolment of ``cls`` (already authorised); 404 for any other id."""
    enrolment = enrolments_of(cls).select_related("school_class").filter(pk=enrolment_id).first()
    if enrolment is None:
        raise NotAllowed("Không tìm thấy học sinh trong lớp.", detail="enrolment not in class")
    return enrolment


# --- findings ----------------------------------------------------------------------------------


def _as_findings(exc: HocbaError) -> list[Finding]:
    if isinstance(exc, RecordProblems):
        return [Finding(p.code, Severity.ERROR, p.message_vi, p.path, "") for p in exc.problems]
    return [Finding(exc.code, Severity.ERROR, exc.message_vi, "$", "")]


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def _evaluate(build: Callable[[], Record]) -> list[Finding]:
    try:
        return tt27.evaluate(build())
    except HocbaError as exc:
        return _as_findings(exc)


def entry_findings(enrolment: Enrolment, prefix: str) -> list[Finding]:
    """What the rules say about one part of the student's record (e.g. ``$.subjects[3]``)."""
    findings = _evaluate(lambda: build_record(enrolment))
    return [f for f in findings if _under(f.path, prefix)]


def _subject_prefix(codes: list[str], code: str) -> str | None:
    return f"$.subjects[{codes.index(code)}]" if code in codes else None


def subject_findings(enrolment: Enrolment, code: str) -> list[Finding]:
    skip = exempted_codes(IndividualPlan.objects.filter(enrolment=enrolment).first())
    codes = [c for c in enrolment.subjects.values_list("subject_code", flat=True) if c not in skip]
    prefix = _subject_prefix(codes, code)
    return entry_findings(enrolment, prefix) if prefix else []


def rating_findings(enrolment: Enrolment, kind: str, code: str) -> list[Finding]:
    codes = list(enrolment.ratings.filter(kind=kind).values_list("code", flat=True))
    if code not in codes:
        return []
    return entry_findings(enrolment, f"$.{KINDS[kind]}[{codes.index(code)}]")  # type: ignore[index]


# --- grids -------------------------------------------------------------------------------------


@dataclass
class SubjectRow:
    enrolment: Enrolment
    evaluation: SubjectEvaluation | None
    findings: list[Finding] = field(default_factory=list)


def subject_grid(cls: SchoolClass, code: str) -> list[SubjectRow]:
    """One row per student: the evaluation of subject ``code`` and the rules' findings on it,
    in a fixed number of queries whatever the class size."""
    rows = []
    for loaded in load_for_records(enrolments_of(cls)):
        prefix = _subject_prefix([e.subject_code for e in loaded.subjects], code)
        findings = [f for f in _evaluate(loaded.build) if _under(f.path, prefix)] if prefix else []
        evaluation = next((e for e in loaded.subjects if e.subject_code == code), None)
        rows.append(SubjectRow(loaded.enrolment, evaluation, findings))
    return rows


@dataclass
class RatingCell:
    kind: str
    spec: RatingSpec
    evaluation: RatingEvaluation | None
    index: int  # column pair in the grid: level at 2i, comment at 2i + 1

    @property
    def level_col(self) -> int:
        return 2 * self.index

    @property
    def comment_col(self) -> int:
        return 2 * self.index + 1


@dataclass
class RatingRow:
    enrolment: Enrolment
    cells: list[RatingCell]


def rating_grid(cls: SchoolClass) -> tuple[list[RatingSpec], list[RatingRow]]:
    enrolments = list(enrolments_of(cls))
    found = {
        (r.enrolment_id, r.kind, r.code): r
        for r in RatingEvaluation.objects.filter(enrolment__in=enrolments)
    }
    specs = [(k, s) for k in KINDS for s in rating_specs(cls, k)]
    rows = [
        RatingRow(
            e, [RatingCell(k, s, found.get((e.pk, k, s.code)), i) for i, (k, s) in enumerate(specs)]
        )
        for e in enrolments
    ]
    return [s for _, s in specs], rows


def summary_grid(cls: SchoolClass) -> list[tuple[Enrolment, YearSummary | None]]:
    enrolments = list(enrolments_of(cls))
    summaries = {s.enrolment_id: s for s in YearSummary.objects.filter(enrolment__in=enrolments)}
    return [(e, summaries.get(e.pk)) for e in enrolments]


# --- class review ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentReview:
    enrolment: Enrolment
    record: Record | None  # with the computed results; None when the data is not yet a record
    findings: tuple[Finding, ...]
    status: str  # of the current record version, "" when none

    @property
    def signed(self) -> bool:
        return self.status in SIGNED

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    @property
    def result(self) -> OverallResult | None:
        return self.record.overall_result if self.record is not None else None


def _review(
    enrolment: Enrolment, status: str, build: Callable[[], Record] | None = None
) -> StudentReview:
    try:
        record = tt27.with_computed_results(build() if build else build_record(enrolment))
    except HocbaError as exc:
        return StudentReview(enrolment, None, tuple(_as_findings(exc)), status)
    return StudentReview(enrolment, record, tuple(tt27.evaluate(record)), status)


def review_student(enrolment: Enrolment) -> StudentReview:
    current = RecordVersion.objects.filter(enrolment=enrolment).order_by("-version").first()
    return _review(enrolment, current.status if current is not None else "")


def review_class(cls: SchoolClass) -> list[StudentReview]:
    """Every student with the computed result and what the rules say (TT27 Art. 9, 11, 13)."""
    statuses = dict(
        RecordVersion.objects.filter(enrolment__school_class=cls)
        .order_by("enrolment_id", "version")
        .values_list("enrolment_id", "status")
    )
    return [
        _review(x.enrolment, statuses.get(x.enrolment.pk, ""), x.build)
        for x in load_for_records(enrolments_of(cls))
    ]


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: int
    y: int
    css: str


CHART_WIDTH = 300
_BAR_CSS = {"HTXS": "ok", "HTT": "ok", "HT": "mid", "CHT": "bad", "": "none"}


def result_chart(reviews: list[StudentReview]) -> list[Bar]:
    """Bars of the class's computed results (the class summary of DOMAIN §4.4)."""
    counts = Counter(r.result.value if r.result else "" for r in reviews)
    rows = [(r.label_vi, r.value) for r in OverallResult] + [("Chưa tính được", "")]
    top = max(counts.values(), default=0) or 1
    return [
        Bar(label, counts[value], round(CHART_WIDTH * counts[value] / top), 8 + i * 30, css)
        for i, (label, value) in enumerate(rows)
        if value or counts[value]
        for css in [_BAR_CSS[value]]
    ]


# --- the principal's list ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClassState:
    school_class: SchoolClass
    students: int
    entered_percent: int | None
    finalisation: ClassFinalisation | None
    statuses: dict[str, int]
    proposals: int = 0  # commendation proposals waiting for the principal

    @property
    def supplementary(self) -> int:
        return self.statuses.get(Status.SUPPLEMENTARY, 0)

    @property
    def locked(self) -> bool:
        return self.finalisation is not None and self.finalisation.locked

    @property
    def gvcn_signed(self) -> int:
        return sum(self.statuses.get(s, 0) for s in SIGNED)


def class_states(classes: QuerySet[SchoolClass]) -> list[ClassState]:
    """Entry progress, finalisation and signing counts of each class."""
    classes = classes.select_related("school_year", "school", "homeroom_teacher").annotate(
        n_students=Count("enrolments", distinct=True),
        n_entered=Count(
            "enrolments__subjects",
            filter=~Q(enrolments__subjects__level=""),
            distinct=True,
        ),
    )
    finals = {
        f.school_class_id: f for f in ClassFinalisation.objects.filter(school_class__in=classes)
    }
    statuses: dict[int, dict[str, int]] = {}
    for class_id, status, n in (
        latest_only(RecordVersion.objects.filter(enrolment__school_class__in=classes))
        .order_by()
        .values_list("enrolment__school_class_id", "status")
        .annotate(n=Count("id"))
    ):
        statuses.setdefault(class_id, {})[status] = n
    proposals = dict(
        Commendation.objects.filter(
            enrolment__school_class__in=classes, status=Commendation.Status.PROPOSED
        )
        .order_by()
        .values_list("enrolment__school_class_id")
        .annotate(n=Count("id"))
    )
    out = []
    for cls in classes.order_by("-school_year__code", "grade", "name"):
        catalog = catalog_of(cls)
        expected = cls.n_students * len(catalog.compulsory_subjects) if catalog else 0
        percent = min(100, round(100 * cls.n_entered / expected)) if expected else None
        out.append(
            ClassState(
                cls,
                cls.n_students,
                percent,
                finals.get(cls.pk),
                statuses.get(cls.pk, {}),
                proposals.get(cls.pk, 0),
            )
        )
    return out
