"""Read models of the end-of-year pages: the class's commendations and the students waiting
for a supplementary assessment. Nothing here writes; authority is the caller's."""

from __future__ import annotations

from dataclasses import dataclass, field

from hocba.apps.directory.models import SchoolClass
from hocba.apps.records import review
from hocba.apps.records.models import Commendation, RecordVersion
from hocba.rules import tt27
from hocba.spec import OverallResult, Rating, Record, SubjectResult

Status = RecordVersion.Status


@dataclass
class CommendationRow:
    student: review.StudentReview
    commendations: list[Commendation]

    @property
    def excellent(self) -> bool:
        """ "Học sinh Xuất sắc", derived from the computed result (never proposed)."""
        return self.student.result is OverallResult.EXCELLENT

    @property
    def may_be_outstanding(self) -> bool:
        return self.student.result is OverallResult.GOOD and not any(
            c.kind == Commendation.Kind.OUTSTANDING and c.status != Commendation.Status.DECLINED
            for c in self.commendations
        )


def commendation_rows(cls: SchoolClass) -> list[CommendationRow]:
    found: dict[int, list[Commendation]] = {}
    for c in Commendation.objects.filter(enrolment__school_class=cls).select_related(
        "proposed_by", "decided_by"
    ):
        found.setdefault(c.enrolment_id, []).append(c)
    return [CommendationRow(r, found.get(r.enrolment.pk, [])) for r in review.review_class(cls)]


def pending_commendations(cls: SchoolClass) -> int:
    return Commendation.objects.filter(
        enrolment__school_class=cls, status=Commendation.Status.PROPOSED
    ).count()


@dataclass
class SupplementaryRow:
    """A student whose year-end result is "Chưa hoàn thành" (TT27 Art. 11)."""

    student: review.StudentReview
    status: str
    subjects: list[SubjectResult] = field(default_factory=list)  # to re-assess
    ratings: list[tuple[str, Rating]] = field(default_factory=list)  # (kind, rating)
    unlocked: bool = False  # the principal reopened the student: corrections allowed

    @property
    def open(self) -> bool:
        """The supplementary assessment and decision can be entered now."""
        return self.waiting or (self.unlocked and self.status == Status.DRAFT)

    @property
    def record(self) -> Record:
        assert self.student.record is not None
        return self.student.record

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label) if self.status else ""

    @property
    def waiting(self) -> bool:
        return self.status == Status.SUPPLEMENTARY

    @property
    def after(self) -> OverallResult | None:
        return tt27.after_supplementary(self.record)

    @property
    def needs_decision(self) -> bool:
        return (
            self.record.grade < 5
            and self.after is OverallResult.NOT_DONE
            and self.record.promotion is None
        )

    @property
    def redone(self) -> dict[str, object]:
        """Previously entered supplementary values, keyed like the form's fields."""
        sup = self.record.supplementary
        if sup is None:
            return {}
        out: dict[str, object] = {}
        for s in sup.subjects:
            out[f"level_{s.code}"], out[f"score_{s.code}"] = s.level.value, s.test_score
        for r in (*sup.qualities, *sup.competences):
            out[f"rating_{r.code}"] = r.level.value
        return out


def supplementary_rows(cls: SchoolClass) -> list[SupplementaryRow]:
    """Every student of ``cls`` with the year-end result "Chưa hoàn thành", what they have to
    be re-assessed in (subjects at level C or tested below 5; qualities and competences
    "Cần cố gắng") and where their record stands."""
    rows = []
    unlocked = review.open_unlocks(cls)
    for r in review.review_class(cls):
        if r.record is None or r.result is not OverallResult.NOT_DONE:
            continue
        record = r.record
        subjects = [
            s
            for s in record.subjects
            if s.level.value == "C" or (s.test_score is not None and s.test_score < 5)
        ]
        ratings = [
            (kind, x)
            for kind, xs in (("quality", record.qualities), ("competence", record.competences))
            for x in xs
            if x.level.value == "C"
        ]
        rows.append(SupplementaryRow(r, r.status, subjects, ratings, r.enrolment.pk in unlocked))
    return rows
