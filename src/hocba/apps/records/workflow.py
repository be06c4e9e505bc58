"""The evaluation workflow: cell-by-cell entry, finalising a class, unlocking it (DOMAIN §4, §6).

Every writer here is one transaction: it locks the class row, refuses when the class is
finalised or the student's record already signed, writes, and appends its audit event in the
same transaction. Authority is decided by ``accounts.policy`` in the views before the call.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory import tenancy
from hocba.apps.directory.models import Enrolment, SchoolClass
from hocba.apps.records import review
from hocba.apps.records.errors import (
    CommendationsPending,
    EntryRefused,
    FinaliseBlocked,
    InvalidEntry,
)
from hocba.apps.records.models import (
    ClassFinalisation,
    Commendation,
    RatingEvaluation,
    RecordVersion,
    StudentUnlock,
    SubjectEvaluation,
    SubjectLevel,
    YearSummary,
)
from hocba.apps.records.services import build_record, store_version
from hocba.spec import Record, grade_catalog

SUBJECT_FIELDS = ("level", "test_score", "comment")
RATING_FIELDS = ("level", "comment")
SUMMARY_FIELDS = ("height_cm", "weight_kg", "absences_excused", "absences_unexcused")
SCORE_MESSAGE = "Điểm kiểm tra định kỳ phải là số nguyên từ 0 đến 10 (không có phần thập phân)."
MIN_REASON = 10
Status = RecordVersion.Status


def _lock(cls: SchoolClass) -> SchoolClass:
    """The class row, locked until the transaction ends (entry and finalising serialise)."""
    return (
        SchoolClass.objects.select_for_update()
        .select_related("school__org_unit", "school_year")
        .get(pk=cls.pk)
    )


def _scope(cls: SchoolClass) -> str:
    return cls.school.org_unit.path


def _ensure_editable(enrolment: Enrolment, cls: SchoolClass) -> None:
    if tenancy.owning_school_id(enrolment.student_id) != cls.school_id:
        # the school a student left keeps reading its past records, never writing them
        raise EntryRefused(
            "Học sinh đã chuyển khỏi trường: dữ liệu cũ chỉ còn để xem.",
            detail=f"student of enrolment {enrolment.pk} belongs to another school now",
        )
    if not review.is_editable(enrolment, cls):
        raise EntryRefused(
            "Lớp đã chốt dữ liệu: không thể sửa. Cần hiệu trưởng mở khóa lớp trước.",
            detail=f"class {cls.pk} is finalised",
        )
    if _current_status(enrolment) in review.SIGNED:  # an approved correction opens version N+1
        raise EntryRefused(
            "Học bạ của học sinh này đã ký: việc sửa cần lập phiên bản điều chỉnh.",
            detail=f"enrolment {enrolment.pk} has a signed record",
        )


def _changed(obj: Any, changes: dict[str, Any], allowed: tuple[str, ...]) -> list[str]:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    return [f for f in allowed if f in changes and getattr(obj, f) != changes[f]]


def _apply(
    actor: Any,
    obj: Any,
    changes: dict[str, Any],
    allowed: tuple[str, ...],
    *,
    tag: EventTag,
    cls: SchoolClass,
    data: dict[str, Any],
    log_values: bool,
) -> None:
    """Save the fields of ``changes`` that differ and audit them. With ``log_values`` the log
    keeps before/after of every changed field except the free-text comment."""
    changed = _changed(obj, changes, allowed)
    if not changed:
        return
    before = {f: getattr(obj, f) for f in changed if log_values and f != "comment"}
    for field in changed:
        setattr(obj, field, changes[field])
    obj.save(update_fields=[*changed, "updated_at"])
    values = {"before": before, "after": {f: changes[f] for f in before}} if log_values else {}
    audit.record(
        tag,
        actor=actor,
        subject=obj,
        scope_path=_scope(cls),
        data={**data, "fields": changed, **values},
    )


@transaction.atomic
def save_subject_entry(
    actor: Any, enrolment: Enrolment, subject_code: str, changes: dict[str, Any]
) -> SubjectEvaluation:
    """Set some of level / test_score / comment of one subject (TT27 Art. 7)."""
    cls = _lock(enrolment.school_class)
    _ensure_editable(enrolment, cls)
    catalog = grade_catalog(cls.school_year.code, cls.grade)
    spec = catalog.subject(subject_code)
    if spec is None:
        raise InvalidEntry("Môn học không có trong chương trình của lớp.", field="subject")
    if "level" in changes and changes["level"] not in ("", *SubjectLevel.values):
        raise InvalidEntry("Mức đạt được phải là T, H hoặc C.", field="level")
    score = changes.get("test_score")
    if score is not None:
        if type(score) is not int or not 0 <= score <= 10:
            raise InvalidEntry(SCORE_MESSAGE, field="test_score")
        if not spec.tested:
            msg = f"Môn {spec.name} lớp {cls.grade} không có kiểm tra định kỳ nên không ghi điểm."
            raise InvalidEntry(msg, field="test_score")
    evaluation, _ = SubjectEvaluation.objects.get_or_create(
        enrolment=enrolment,
        subject_code=subject_code,
        defaults={"subject_name": spec.name, "position": catalog.subjects.index(spec)},
    )
    _apply(
        actor, evaluation, changes, SUBJECT_FIELDS,
        tag=EventTag.EVALUATION_SUBJECT_CHANGED, cls=cls,
        data={"enrolment": enrolment.pk, "subject": subject_code}, log_values=True,
    )  # fmt: skip
    return evaluation


@transaction.atomic
def save_rating_entry(
    actor: Any, enrolment: Enrolment, kind: str, code: str, changes: dict[str, Any]
) -> RatingEvaluation:
    """Set the level and/or comment of one quality or competence (TT27 Art. 7)."""
    cls = _lock(enrolment.school_class)
    _ensure_editable(enrolment, cls)
    specs = review.rating_specs(cls, kind)
    spec = next((s for s in specs if s.code == code), None)
    if spec is None:
        raise InvalidEntry("Phẩm chất/năng lực không có trong danh mục.", field="code")
    if "level" in changes and changes["level"] not in ("", "T", "Đ", "C"):
        raise InvalidEntry("Mức đạt được phải là T, Đ hoặc C.", field="level")
    rating, _ = RatingEvaluation.objects.get_or_create(
        enrolment=enrolment,
        kind=kind,
        code=code,
        defaults={"name": spec.name, "position": specs.index(spec)},
    )
    _apply(
        actor, rating, changes, RATING_FIELDS,
        tag=EventTag.EVALUATION_RATING_CHANGED, cls=cls,
        data={"enrolment": enrolment.pk, "kind": kind, "code": code}, log_values=True,
    )  # fmt: skip
    return rating


@transaction.atomic
def save_summary_entry(actor: Any, enrolment: Enrolment, changes: dict[str, Any]) -> YearSummary:
    """Set height, weight or absences of the year (health data: field names only in the log)."""
    cls = _lock(enrolment.school_class)
    _ensure_editable(enrolment, cls)
    summary, _ = YearSummary.objects.get_or_create(enrolment=enrolment)
    _apply(
        actor, summary, changes, SUMMARY_FIELDS,
        tag=EventTag.EVALUATION_SUMMARY_CHANGED, cls=cls,
        data={"enrolment": enrolment.pk}, log_values=False,
    )  # fmt: skip
    return summary


def write_results(enrolment: Enrolment, record: Record) -> None:
    """State the computed results (``tt27.with_computed_results``) in the year summary."""
    summary, _ = YearSummary.objects.get_or_create(enrolment=enrolment)
    summary.overall_result = record.overall_result.value if record.overall_result else ""
    summary.completion = (
        record.completion.model_dump(mode="json") if record.completion is not None else None
    )
    summary.commendations = [c.model_dump(mode="json") for c in record.commendations]
    summary.save(update_fields=["overall_result", "completion", "commendations", "updated_at"])


@transaction.atomic
def finalise_class(actor: Any, cls: SchoolClass) -> ClassFinalisation:
    """GVCN finalises: refuse on any error finding; else state the computed results, build every
    record (status final) and lock the working data (DOMAIN §6). Signed records stay as they are."""
    cls = _lock(cls)
    if review.is_locked(cls):
        raise EntryRefused("Lớp đã được chốt.", detail=f"class {cls.pk} already finalised")
    _ensure_decided(cls, Commendation.objects.filter(enrolment__school_class=cls))
    reviews = review.review_class(cls)
    problems = [(r.enrolment, f) for r in reviews if not r.signed for f in r.errors]
    if problems:
        raise FinaliseBlocked(problems)
    versions = []
    for r in reviews:
        if r.signed or r.record is None:
            continue
        write_results(r.enrolment, r.record)
        version = store_version(r.enrolment, build_record(r.enrolment))
        RecordVersion.objects.filter(pk=version.pk).update(status=_final_status(r))
        versions.append(version.pk)
    finalisation, _ = ClassFinalisation.objects.update_or_create(
        school_class=cls,
        defaults={"locked": True, "finalised_at": timezone.now(), "finalised_by": actor},
    )
    StudentUnlock.objects.filter(enrolment__school_class=cls, relocked_at__isnull=True).update(
        relocked_at=finalisation.finalised_at
    )
    audit.record(
        EventTag.CLASS_EVALUATIONS_FINALISED,
        actor=actor,
        subject=cls,
        scope_path=_scope(cls),
        data={"class": cls.pk, "record_versions": versions},
    )
    return finalisation


def _ensure_decided(cls: SchoolClass, commendations: Any) -> None:
    """Refuse while the principal has commendation proposals to decide (the view links to the
    page where they are decided)."""
    pending = commendations.filter(status=Commendation.Status.PROPOSED).count()
    if pending:
        raise CommendationsPending(cls.pk, pending)


def _final_status(checked: review.StudentReview) -> str:
    """A student "Chưa hoàn thành" without a supplementary assessment waits for it (TT27
    Art. 11): their record is not signed with the class but later, once it is entered."""
    if any(f.code == "supplementary.pending" for f in checked.findings):
        return Status.SUPPLEMENTARY
    return Status.FINAL


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON:
        raise InvalidEntry(
            f"Cần ghi rõ lý do mở khóa (ít nhất {MIN_REASON} ký tự).", field="reason"
        )
    return reason


@transaction.atomic
def unlock_class(actor: Any, cls: SchoolClass, reason: str) -> ClassFinalisation:
    """The principal reopens a finalised class on a written reason. Records not yet signed go
    back to draft; signed or issued ones never change (a correction is a new version)."""
    reason = _reason(reason)
    cls = _lock(cls)
    finalisation = ClassFinalisation.objects.filter(school_class=cls, locked=True).first()
    if finalisation is None:
        raise EntryRefused("Lớp chưa chốt nên không cần mở khóa.", detail=f"class {cls.pk} open")
    finalisation.locked = False
    finalisation.save(update_fields=["locked"])
    finals = RecordVersion.objects.filter(
        enrolment__school_class=cls, status__in=(Status.FINAL, Status.SUPPLEMENTARY)
    )
    reopened = sorted(finals.values_list("pk", flat=True))
    RecordVersion.objects.filter(pk__in=reopened).update(status=Status.DRAFT)
    audit.record(
        EventTag.CLASS_EVALUATIONS_UNLOCKED,
        actor=actor,
        subject=cls,
        scope_path=_scope(cls),
        data={"class": cls.pk, "reason": reason, "reopened_versions": reopened},
    )
    return finalisation


def _current_status(enrolment: Enrolment) -> str:
    current = RecordVersion.objects.filter(enrolment=enrolment).order_by("-version").first()
    return current.status if current is not None else ""


@transaction.atomic
def unlock_student(actor: Any, enrolment: Enrolment, reason: str) -> StudentUnlock:
    """The principal reopens ONE student of a finalised class on a written request: that
    student's final record goes back to draft and only their cells become editable. A signed or
    issued record never changes (a correction is a new version)."""
    reason = _reason(reason)
    cls = _lock(enrolment.school_class)
    if not review.is_locked(cls):
        raise EntryRefused(
            "Lớp chưa chốt nên không cần mở khóa từng học sinh.", detail=f"class {cls.pk} open"
        )
    if StudentUnlock.objects.filter(enrolment=enrolment, relocked_at__isnull=True).exists():
        raise EntryRefused(
            "Học sinh này đang được mở khóa.", detail=f"enrolment {enrolment.pk} already unlocked"
        )
    status = _current_status(enrolment)
    if status in review.SIGNED:
        raise EntryRefused(
            "Học bạ của học sinh này đã ký nên không thể mở khóa; "
            "việc sửa cần lập phiên bản điều chỉnh.",
            detail=f"enrolment {enrolment.pk} has a signed record",
        )
    if status not in (Status.FINAL, Status.SUPPLEMENTARY):
        raise EntryRefused(
            "Học sinh này chưa có học bạ đã chốt nên không thể mở khóa.",
            detail=f"enrolment {enrolment.pk} has no final record",
        )
    finals = RecordVersion.objects.filter(
        enrolment=enrolment, status__in=(Status.FINAL, Status.SUPPLEMENTARY)
    )
    reopened = sorted(finals.values_list("pk", flat=True))
    RecordVersion.objects.filter(pk__in=reopened).update(status=Status.DRAFT)
    unlock = StudentUnlock.objects.create(
        enrolment=enrolment, reason=reason, unlocked_by=actor, unlocked_at=timezone.now()
    )
    audit.record(
        EventTag.CLASS_EVALUATIONS_UNLOCKED,
        actor=actor,
        subject=cls,
        scope_path=_scope(cls),
        data={
            "class": cls.pk,
            "enrolment": enrolment.pk,
            "reason": reason,
            "reopened_versions": reopened,
        },
    )
    return unlock


@transaction.atomic
def finalise_student(actor: Any, enrolment: Enrolment) -> StudentUnlock:
    """The GVCN finalises again a student the principal unlocked: refused on any error finding
    for that student; else states the results, rebuilds the record (final) and relocks."""
    cls = _lock(enrolment.school_class)
    unlock = (
        StudentUnlock.objects.select_for_update()
        .filter(enrolment=enrolment, relocked_at__isnull=True)
        .first()
    )
    if unlock is None or not review.is_locked(cls):
        raise EntryRefused(
            "Học sinh này không được mở khóa nên không cần chốt lại.",
            detail=f"enrolment {enrolment.pk} is not unlocked",
        )
    _ensure_decided(cls, Commendation.objects.filter(enrolment=enrolment))
    checked = review.review_student(enrolment)
    if checked.errors:
        raise FinaliseBlocked([(enrolment, f) for f in checked.errors])
    assert checked.record is not None  # no error finding: the data is a record
    write_results(enrolment, checked.record)
    version = store_version(enrolment, build_record(enrolment))
    RecordVersion.objects.filter(pk=version.pk).update(status=_final_status(checked))
    unlock.relocked_at = timezone.now()
    unlock.save(update_fields=["relocked_at"])
    audit.record(
        EventTag.CLASS_EVALUATIONS_FINALISED,
        actor=actor,
        subject=cls,
        scope_path=_scope(cls),
        data={"class": cls.pk, "enrolment": enrolment.pk, "record_versions": [version.pk]},
    )
    return unlock
