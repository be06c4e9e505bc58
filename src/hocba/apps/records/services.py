"""Use cases of the records app: store working evaluations, build the record, keep versions.

Each writing function is one transaction. ``build_record`` is the only place that turns the
database into a ``hocba.spec.Record``; everything downstream (rules, render, sign) uses that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from hocba.apps.directory.models import (
    AdministrativeUnit,
    Enrolment,
    Guardianship,
    Staff,
)
from hocba.apps.records.errors import RecordImmutable
from hocba.apps.records.models import (
    Commendation,
    IndividualPlan,
    RatingEvaluation,
    RecordVersion,
    SubjectEvaluation,
    YearSummary,
    exempted_codes,
)
from hocba.errors import HocbaError
from hocba.rules import tt27
from hocba.spec import (
    SCHEMA_VERSION,
    CommendationKind,
    OverallResult,
    PlannedSigner,
    Record,
    SignerRole,
    canonical_json,
    record_digest,
    validate_record,
)
from hocba.spec import Commendation as SpecCommendation
from hocba.spec.identity import record_uuid

_SPEC_LEVEL = {
    AdministrativeUnit.Level.PROVINCE: "province",
    AdministrativeUnit.Level.DISTRICT: "district",
}


def _period(level: str, score: int | None) -> dict[str, Any] | None:
    if not level and score is None:
        return None
    return {"level": level or None, "test_score": score}


@transaction.atomic
def save_evaluations(enrolment: Enrolment, record: Record) -> None:
    """Replace the enrolment's working evaluations with those of ``record`` (same student).

    ``record`` is a complete, decided document (the demo loader): its commendations other than
    the derived "Học sinh Xuất sắc" are kept as approved; that one is recomputed at build."""
    SubjectEvaluation.objects.filter(enrolment=enrolment).delete()
    RatingEvaluation.objects.filter(enrolment=enrolment).delete()
    SubjectEvaluation.objects.bulk_create(
        SubjectEvaluation(
            enrolment=enrolment,
            subject_code=s.code,
            subject_name=s.name,
            mid_term_1_level=(s.mid_term_1.level or "") if s.mid_term_1 else "",
            mid_term_1_score=s.mid_term_1.test_score if s.mid_term_1 else None,
            end_term_1_level=(s.end_term_1.level or "") if s.end_term_1 else "",
            end_term_1_score=s.end_term_1.test_score if s.end_term_1 else None,
            mid_term_2_level=(s.mid_term_2.level or "") if s.mid_term_2 else "",
            mid_term_2_score=s.mid_term_2.test_score if s.mid_term_2 else None,
            level=s.level.value,
            test_score=s.test_score,
            comment=s.comment,
            position=i,
        )
        for i, s in enumerate(record.subjects)
    )
    RatingEvaluation.objects.bulk_create(
        RatingEvaluation(
            enrolment=enrolment,
            kind=kind,
            code=r.code,
            name=r.name,
            level=r.level.value,
            comment=r.comment,
            position=i,
        )
        for kind, ratings in (
            (RatingEvaluation.Kind.QUALITY, record.qualities),
            (RatingEvaluation.Kind.COMPETENCE, record.competences),
        )
        for i, r in enumerate(ratings)
    )
    Commendation.objects.filter(enrolment=enrolment).delete()
    now = timezone.now()
    Commendation.objects.bulk_create(
        Commendation(
            enrolment=enrolment,
            kind=c.kind.value,
            title=c.title,
            reason=c.title,
            status=Commendation.Status.APPROVED,
            proposed_at=now,
            decided_at=now,
        )
        for c in record.commendations
        if c.kind is not CommendationKind.EXCELLENT
    )
    data = record.model_dump(mode="json")
    YearSummary.objects.update_or_create(
        enrolment=enrolment,
        defaults={
            "height_cm": record.health.height_cm,
            "weight_kg": (
                Decimal(str(record.health.weight_kg))
                if record.health.weight_kg is not None
                else None
            ),
            "absences_excused": record.absences.excused,
            "absences_unexcused": record.absences.unexcused,
            "overall_result": record.overall_result.value if record.overall_result else "",
            "completion": data["completion"],
            "commendations": data["commendations"],
            "supplementary": data["supplementary"],
            "promotion": data["promotion"],
            "place": record.place,
            "dated": record.dated,
        },
    )


def _admin_units(unit: AdministrativeUnit | None) -> list[dict[str, Any]]:
    chain = []
    while unit is not None:
        level = _SPEC_LEVEL.get(unit.level, "commune")  # wards, towns… sit at commune level
        chain.append({"level": level, "code": unit.code or None, "name": unit.name})
        unit = unit.parent
    return list(reversed(chain))


def _guardians(links: list[Guardianship]) -> dict[str, Any]:
    out: dict[str, Any] = {"father": None, "mother": None, "guardian": None}
    for link in links:
        g = link.guardian
        out[link.relation] = {
            "full_name": g.full_name,
            "year_of_birth": g.year_of_birth,
            "occupation": g.occupation or None,
        }
    return out


def _study_history(enrolment: Enrolment, enrolments: list[Enrolment]) -> list[dict[str, Any]]:
    """One row per school year up to this one; the entry date on the first row at a school."""
    current_year = enrolment.school_class.school_year.code
    rows = sorted(
        (e for e in enrolments if e.school_class.school_year.code <= current_year),
        key=lambda e: (e.school_class.school_year.code, e.enrolled_on),
    )
    seen_schools: set[int] = set()
    history = []
    for e in rows:
        school = e.school_class.school
        first_here = school.pk not in seen_schools
        seen_schools.add(school.pk)
        transferred = e.kind == Enrolment.Kind.TRANSFERRED_IN
        history.append(
            {
                "school_year": e.school_class.school_year.code,
                "class_name": e.school_class.name,
                "school_name": school.name,
                "register_number": e.register_number or None,
                "enrolled_on": e.enrolled_on.isoformat() if first_here or transferred else None,
                "note": "Chuyển đến" if transferred else None,
            }
        )
    return history


def _principal(school_id: int) -> Staff | None:
    return (
        Staff.objects.filter(school_id=school_id, position=Staff.Position.PRINCIPAL, active=True)
        .order_by("id")
        .first()
    )


def _signers(enrolment: Enrolment, principal: Staff | None) -> list[PlannedSigner]:
    cls = enrolment.school_class
    school = cls.school
    return [
        PlannedSigner(
            role=SignerRole.GVCN,
            full_name=cls.homeroom_teacher.full_name
            if cls.homeroom_teacher
            else "(chưa phân công)",
            title="Giáo viên chủ nhiệm",
        ),
        PlannedSigner(
            role=SignerRole.PRINCIPAL,
            full_name=principal.full_name if principal else "(chưa phân công)",
            title="Hiệu trưởng",
        ),
        PlannedSigner(role=SignerRole.SEAL, full_name=school.name, title="Con dấu số của trường"),
    ]


@dataclass
class Loaded:
    """An enrolment with everything its record is built from (see ``load_for_records``)."""

    enrolment: Enrolment
    subjects: list[SubjectEvaluation]
    ratings: list[RatingEvaluation]
    guardianships: list[Guardianship]
    history: list[Enrolment]  # every enrolment of the student
    principal: Staff | None
    commendations: list[Commendation]  # approved only
    version: int = 1  # of the student's latest record version (a correction's is N + 1)
    correction_reason: str = ""
    plan: IndividualPlan | None = None  # TT27 Art. 8; its exempted subjects are not in subjects

    def build(self) -> Record:
        """The record (raises like ``build_record``)."""
        return _build(self)


def _grouped(rows: Iterable[Any], key: str) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[getattr(row, key)].append(row)
    return out


def load_for_records(enrolments: QuerySet[Enrolment]) -> list[Loaded]:
    """``enrolments`` with everything ``build_record`` reads, in a fixed number of queries
    whatever their count (a class grid builds every student's record). Plain grouped queries:
    Django's prefetch machinery clones a queryset per object, which cost more than the rows."""
    found = list(
        enrolments.select_related(
            "student",
            "school_class__school__org_unit__parent",
            "school_class__school__org_unit__administrative_unit__parent__parent__parent",
            "school_class__school_year",
            "school_class__homeroom_teacher",
            "summary",
        )
    )
    ids = [e.pk for e in found]
    students = {e.student_id for e in found}
    subjects = _grouped(SubjectEvaluation.objects.filter(enrolment_id__in=ids), "enrolment_id")
    ratings = _grouped(RatingEvaluation.objects.filter(enrolment_id__in=ids), "enrolment_id")
    links = _grouped(
        Guardianship.objects.filter(student_id__in=students).select_related("guardian"),
        "student_id",
    )
    history = _grouped(
        Enrolment.objects.filter(student_id__in=students).select_related(
            "school_class__school_year", "school_class__school"
        ),
        "student_id",
    )
    principals = {
        school_id: _principal(school_id) for school_id in {e.school_class.school_id for e in found}
    }
    latest = {
        enrolment_id: (version, reason)
        for enrolment_id, version, reason in RecordVersion.objects.filter(enrolment_id__in=ids)
        .order_by("enrolment_id", "version")
        .values_list("enrolment_id", "version", "correction_reason")
    }
    approved = _grouped(
        Commendation.objects.filter(enrolment_id__in=ids, status=Commendation.Status.APPROVED),
        "enrolment_id",
    )
    plans = {p.enrolment_id: p for p in IndividualPlan.objects.filter(enrolment_id__in=ids)}
    return [
        Loaded(
            e,
            [s for s in subjects[e.pk] if s.subject_code not in exempted_codes(plans.get(e.pk))],
            ratings[e.pk],
            links[e.student_id],
            history[e.student_id],
            principals[e.school_class.school_id],
            approved[e.pk],
            *latest.get(e.pk, (1, "")),
            plan=plans.get(e.pk),
        )
        for e in found
    ]


def build_record(enrolment: Enrolment) -> Record:
    """The học bạ year of ``enrolment`` as the open document, from the working data."""
    (loaded,) = load_for_records(Enrolment.objects.filter(pk=enrolment.pk))
    return _build(loaded)


def _build(loaded: Loaded) -> Record:
    enrolment = loaded.enrolment
    cls, student = enrolment.school_class, enrolment.student
    school, year = cls.school, cls.school_year
    summary = getattr(enrolment, "summary", None) or YearSummary(enrolment=enrolment)
    managing = school.org_unit.parent
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "record_id": str(record_uuid(school.school_code, student.student_code, year.code)),
        "version": loaded.version,
        "correction_reason": loaded.correction_reason or None,
        "scheme": "TT27/2020",
        "school_year": year.code,
        "grade": cls.grade,
        "class_name": cls.name,
        "school": {
            "code": school.school_code,
            "name": school.name,
            "administrative_units": _admin_units(school.org_unit.administrative_unit),
            "managing_unit": managing.name if managing else None,
        },
        "student": {
            "full_name": student.full_name,
            "sex": student.sex,
            "date_of_birth": student.date_of_birth.isoformat(),
            "ethnicity": student.ethnicity,
            "nationality": student.nationality,
            "place_of_birth": student.place_of_birth,
            "home_town": student.home_town or None,
            "residence": student.residence,
            **_guardians(loaded.guardianships),
            "personal_id": student.personal_id,
            "student_code": student.student_code,
        },
        "study_history": _study_history(enrolment, loaded.history),
        "health": {
            "height_cm": summary.height_cm,
            "weight_kg": float(summary.weight_kg) if summary.weight_kg is not None else None,
        },
        "absences": {
            "excused": summary.absences_excused,
            "unexcused": summary.absences_unexcused,
        },
        "subjects": [
            {
                "code": s.subject_code,
                "name": s.subject_name,
                "mid_term_1": _period(s.mid_term_1_level, s.mid_term_1_score),
                "end_term_1": _period(s.end_term_1_level, s.end_term_1_score),
                "mid_term_2": _period(s.mid_term_2_level, s.mid_term_2_score),
                "level": s.level,
                "test_score": s.test_score,
                "comment": s.comment,
            }
            for s in loaded.subjects
        ],
        "qualities": _ratings(loaded.ratings, RatingEvaluation.Kind.QUALITY),
        "competences": _ratings(loaded.ratings, RatingEvaluation.Kind.COMPETENCE),
        "overall_result": summary.overall_result or None,
        "commendations": [{"kind": c.kind, "title": c.title} for c in loaded.commendations],
        "completion": summary.completion,
        "supplementary": summary.supplementary,
        "promotion": summary.promotion,
        "individual_plan": {"reference": loaded.plan.reference, "subjects": loaded.plan.subjects}
        if loaded.plan is not None
        else None,
        "place": summary.place or school.name,
        "dated": (summary.dated or year.end_date).isoformat(),
        "signers": [s.model_dump(mode="json") for s in _signers(enrolment, loaded.principal)],
    }
    return with_derived_commendation(validate_record(data))


def with_derived_commendation(record: Record) -> Record:
    """``record`` with "Học sinh Xuất sắc" exactly when its computed result is Hoàn thành xuất
    sắc (TT27 Art. 13.1a): derived from the result at every build, never a stored choice."""
    try:
        excellent = tt27.overall_result(record) is OverallResult.EXCELLENT
    except HocbaError:  # inputs not yet complete: the rules report that, nothing is derived
        excellent = False
    others = [c for c in record.commendations if c.kind is not CommendationKind.EXCELLENT]
    derived = SpecCommendation(kind=CommendationKind.EXCELLENT, title=tt27.EXCELLENT_TITLE)
    return record.model_copy(update={"commendations": ([derived] if excellent else []) + others})


def _ratings(ratings: list[RatingEvaluation], kind: str) -> list[dict[str, Any]]:
    return [
        {"code": r.code, "name": r.name, "level": r.level, "comment": r.comment}
        for r in ratings
        if r.kind == kind
    ]


@transaction.atomic
def store_version(enrolment: Enrolment, record: Record) -> RecordVersion:
    """Keep ``record`` as the enrolment's current draft; the same content is stored once."""
    digest = record_digest(record)
    existing = RecordVersion.objects.filter(record_id=record.record_id, version=record.version)
    current = existing.first()
    if current is not None:
        if current.digest == digest:
            return current
        if current.status != RecordVersion.Status.DRAFT:
            raise RecordImmutable(
                "Học bạ đã ban hành không thể sửa; cần lập phiên bản điều chỉnh.",
                detail=f"record version {current.pk} is {current.status}",
            )
        current.digest, current.canonical = digest, canonical_json(record)
        current.overall_result = record.overall_result.value if record.overall_result else ""
        current.save(update_fields=["digest", "canonical", "overall_result"])
        return current
    return RecordVersion.objects.create(
        enrolment=enrolment,
        record_id=record.record_id,
        version=record.version,
        digest=digest,
        canonical=canonical_json(record),
        overall_result=record.overall_result.value if record.overall_result else "",
        correction_reason=record.correction_reason or "",
    )
