"""Writers of how a school year ends (DOMAIN §4.3): commendations (TT27 Art. 13), the
supplementary assessment and the principal's promotion decision (Art. 11).

Like ``workflow``, each writer is one transaction that locks the class row, refuses what the
state does not allow and appends its audit event in the same transaction. Authority is decided
by ``accounts.policy`` in the views before the call. "Học sinh Xuất sắc" is never written here:
``services.with_derived_commendation`` derives it from the result at every build.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import Enrolment, SchoolClass
from hocba.apps.records import review
from hocba.apps.records.errors import EntryRefused, InvalidEntry
from hocba.apps.records.models import (
    OUTSTANDING_TITLE,
    Commendation,
    RecordVersion,
    YearSummary,
)
from hocba.apps.records.services import build_record
from hocba.apps.records.workflow import write_results
from hocba.rules import tt27
from hocba.spec import (
    OverallResult,
    PromotionDecision,
    SupplementaryAssessment,
    canonical_json,
    record_digest,
)

MIN_REASON = 10
MAX_COMMENDATIONS = 9  # the record holds 10, one kept for the derived "Học sinh Xuất sắc"
Status = RecordVersion.Status
Kind = Commendation.Kind


def _lock(cls: SchoolClass) -> SchoolClass:
    return (
        SchoolClass.objects.select_for_update()
        .select_related("school__org_unit", "school_year")
        .get(pk=cls.pk)
    )


def _scope(cls: SchoolClass) -> str:
    return cls.school.org_unit.path


def _result(enrolment: Enrolment) -> OverallResult | None:
    return review.review_student(enrolment).result


def _text(value: str, *, field: str, message: str, minimum: int, maximum: int) -> str:
    value = " ".join(value.split())
    if not minimum <= len(value) <= maximum:
        raise InvalidEntry(message, field=field)
    return value


# --- commendations -------------------------------------------------------------------------------


@transaction.atomic
def propose_commendation(
    actor: Any, enrolment: Enrolment, kind: str, reason: str, title: str = ""
) -> Commendation:
    """Propose "Học sinh Tiêu biểu…" (students "Hoàn thành tốt" only) or an ad-hoc
    commendation (free text), with a short reason; the principal decides."""
    cls = _lock(enrolment.school_class)
    review.require_editable(enrolment, cls, "khen thưởng")
    if kind not in Kind.values:
        raise InvalidEntry("Loại khen thưởng không hợp lệ.", field="kind")
    reason = _text(
        reason, field="reason", minimum=MIN_REASON, maximum=1000,
        message=f"Cần ghi lý do đề nghị (từ {MIN_REASON} đến 1000 ký tự).",
    )  # fmt: skip
    existing = Commendation.objects.filter(enrolment=enrolment).exclude(
        status=Commendation.Status.DECLINED
    )
    if kind == Kind.OUTSTANDING:
        title = OUTSTANDING_TITLE
        if _result(enrolment) is not OverallResult.GOOD:
            raise InvalidEntry(
                "Khen 'Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện' chỉ dành "
                "cho học sinh có kết quả Hoàn thành tốt.",
                field="kind",
            )
        if existing.filter(kind=Kind.OUTSTANDING).exists():
            raise InvalidEntry(
                "Học sinh này đã có đề nghị khen 'Học sinh Tiêu biểu'.", field="kind"
            )
    else:
        title = _text(
            title, field="title", minimum=5, maximum=200,
            message="Cần ghi nội dung khen thưởng đột xuất (từ 5 đến 200 ký tự).",
        )  # fmt: skip
    if existing.count() >= MAX_COMMENDATIONS:
        raise InvalidEntry(
            f"Mỗi học sinh có tối đa {MAX_COMMENDATIONS} khen thưởng ngoài 'Học sinh Xuất sắc'.",
            field="kind",
        )
    commendation = Commendation.objects.create(
        enrolment=enrolment, kind=kind, title=title, reason=reason,
        proposed_by=actor, proposed_at=timezone.now(),
    )  # fmt: skip
    audit.record(
        EventTag.CLASS_COMMENDATION_PROPOSED, actor=actor, subject=commendation,
        scope_path=_scope(cls), data={"enrolment": enrolment.pk, "kind": kind},
    )  # fmt: skip
    return commendation


@transaction.atomic
def decide_commendation(actor: Any, commendation: Commendation, approve: bool) -> Commendation:
    """The principal approves or declines a proposal (a decision can be changed until the
    class is finalised: e.g. declining an approved one the result no longer supports)."""
    enrolment = commendation.enrolment
    cls = _lock(enrolment.school_class)
    review.require_editable(enrolment, cls, "khen thưởng")
    commendation = Commendation.objects.select_for_update().get(pk=commendation.pk)
    status = Commendation.Status.APPROVED if approve else Commendation.Status.DECLINED
    if commendation.status == status:
        return commendation
    outstanding = approve and commendation.kind == Kind.OUTSTANDING
    if outstanding and _result(enrolment) is not OverallResult.GOOD:
        raise InvalidEntry(
            "Không thể duyệt: học sinh không còn kết quả Hoàn thành tốt.", field="decision"
        )
    commendation.status, commendation.decided_by = status, actor
    commendation.decided_at = timezone.now()
    commendation.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        EventTag.CLASS_COMMENDATION_DECIDED, actor=actor, subject=commendation,
        scope_path=_scope(cls),
        data={"enrolment": enrolment.pk, "kind": commendation.kind, "decision": status},
    )  # fmt: skip
    return commendation


@transaction.atomic
def withdraw_commendation(actor: Any, commendation: Commendation) -> None:
    """Withdraw a proposal the principal has not decided yet."""
    enrolment = commendation.enrolment
    cls = _lock(enrolment.school_class)
    review.require_editable(enrolment, cls, "khen thưởng")
    if commendation.status != Commendation.Status.PROPOSED:
        raise EntryRefused(
            "Đề nghị đã được hiệu trưởng quyết định nên không thể rút.",
            detail=f"commendation {commendation.pk} is {commendation.status}",
        )
    audit.record(
        EventTag.CLASS_COMMENDATION_WITHDRAWN, actor=actor, subject=commendation,
        scope_path=_scope(cls), data={"enrolment": enrolment.pk, "kind": commendation.kind},
    )  # fmt: skip
    commendation.delete()


# --- supplementary assessment and promotion ------------------------------------------------------


def _current(enrolment: Enrolment) -> RecordVersion | None:
    return (
        RecordVersion.objects.select_for_update()
        .filter(enrolment=enrolment)
        .order_by("-version")
        .first()
    )


def _ensure_awaiting(enrolment: Enrolment, cls: SchoolClass) -> RecordVersion | None:
    """Supplementary results and decisions are entered after finalising, while the student's
    record waits for them (status ``supplementary``) — or, to correct them, while the principal
    has unlocked the student (then ``None``: the GVCN's finalising again rebuilds the record)."""
    current = _current(enrolment)
    if review.is_locked(cls) and current is not None:
        if current.status == Status.SUPPLEMENTARY:
            return current
        if review.is_editable(enrolment, cls) and current.status == Status.DRAFT:
            return None
    raise EntryRefused(
        "Chỉ nhập đánh giá bổ sung sau khi lớp đã chốt, cho học sinh có học bạ đang chờ "
        "đánh giá bổ sung (hoặc được hiệu trưởng mở khóa để sửa).",
        detail=f"enrolment {enrolment.pk} is not awaiting a supplementary assessment",
    )


def restate(enrolment: Enrolment, current: RecordVersion) -> str:
    """State the results again and rebuild the waiting record: ``final`` (ready to sign in the
    next GVCN batch) once nothing is pending and no rule error remains, else still waiting."""
    checked = review.review_student(enrolment)
    assert checked.record is not None  # the class was finalised: the data is a record
    write_results(enrolment, checked.record)
    record = build_record(enrolment)
    findings = tt27.evaluate(record)
    waiting = any(f.is_error or f.code == "supplementary.pending" for f in findings)
    current.status = Status.SUPPLEMENTARY if waiting else Status.FINAL
    current.digest, current.canonical = record_digest(record), canonical_json(record)
    current.overall_result = record.overall_result.value if record.overall_result else ""
    current.save(update_fields=["status", "digest", "canonical", "overall_result"])
    return current.status


def _check_assessment(cls: SchoolClass, assessment: SupplementaryAssessment) -> None:
    catalog = review.catalog_of(cls)
    assert catalog is not None  # the class was finalised with this catalog
    for s in assessment.subjects:
        spec = catalog.subject(s.code)
        if spec is None:
            raise InvalidEntry("Môn học không có trong chương trình của lớp.", field=s.code)
        if s.test_score is not None and not spec.tested:
            raise InvalidEntry(
                f"Môn {spec.name} không có kiểm tra định kỳ nên không ghi điểm.", field=s.code
            )
    for ratings, specs in (
        (assessment.qualities, catalog.qualities),
        (assessment.competences, catalog.competences),
    ):
        known = {x.code for x in specs}
        for r in ratings:
            if r.code not in known:
                raise InvalidEntry("Phẩm chất/năng lực không có trong danh mục.", field=r.code)


@transaction.atomic
def save_supplementary(
    actor: Any, enrolment: Enrolment, assessment: SupplementaryAssessment
) -> str:
    """The GVCN enters the supplementary assessment (TT27 Art. 11.1b) of a student whose
    year-end result is "Chưa hoàn thành". Returns the record's new status."""
    cls = _lock(enrolment.school_class)
    current = _ensure_awaiting(enrolment, cls)
    _check_assessment(cls, assessment)
    summary, _ = YearSummary.objects.get_or_create(enrolment=enrolment)
    summary.supplementary = assessment.model_dump(mode="json")
    later = tt27.after_supplementary(build_record(enrolment).model_copy(
        update={"supplementary": assessment}
    ))  # fmt: skip
    if later is not OverallResult.NOT_DONE:
        summary.promotion = None  # completed: no decision to take
    summary.save(update_fields=["supplementary", "promotion", "updated_at"])
    status = restate(enrolment, current) if current is not None else Status.DRAFT
    audit.record(
        EventTag.EVALUATION_SUPPLEMENTARY_CHANGED, actor=actor, subject=summary,
        scope_path=_scope(cls),
        data={
            "enrolment": enrolment.pk,
            "subjects": [s.code for s in assessment.subjects],
            "ratings": [r.code for r in (*assessment.qualities, *assessment.competences)],
            "result_after": later.value if later else "",
            "status": status,
        },
    )  # fmt: skip
    return status


@transaction.atomic
def decide_promotion(actor: Any, enrolment: Enrolment, decision: str, decided_on: dt.date) -> str:
    """The principal's decision for a student still not completed after the supplementary
    assessment (TT27 Art. 11.1c; grades 1–4: grade 5 only completes the programme or not)."""
    cls = _lock(enrolment.school_class)
    current = _ensure_awaiting(enrolment, cls)
    if cls.grade == 5:
        raise InvalidEntry(
            "Lớp 5 không có quyết định lên lớp: chỉ xác nhận hoàn thành hoặc chưa hoàn thành "
            "chương trình tiểu học.",
            field="decision",
        )
    if decision not in {d.value for d in PromotionDecision}:
        raise InvalidEntry(
            "Quyết định phải là 'Được lên lớp' hoặc 'Chưa được lên lớp'.", field="decision"
        )
    record = build_record(enrolment)
    if record.supplementary is None:
        raise InvalidEntry(
            "Cần có kết quả đánh giá bổ sung trước khi quyết định.", field="decision"
        )
    if tt27.after_supplementary(record) is not OverallResult.NOT_DONE:
        raise InvalidEntry(
            "Học sinh đã hoàn thành sau đánh giá bổ sung nên không cần quyết định lên lớp.",
            field="decision",
        )
    summary = YearSummary.objects.get(enrolment=enrolment)
    summary.promotion = {"decision": decision, "decided_on": decided_on.isoformat()}
    summary.save(update_fields=["promotion", "updated_at"])
    status = restate(enrolment, current) if current is not None else Status.DRAFT
    audit.record(
        EventTag.EVALUATION_PROMOTION_DECIDED, actor=actor, subject=summary,
        scope_path=_scope(cls),
        data={"enrolment": enrolment.pk, "decision": decision,
              "decided_on": decided_on.isoformat(), "status": status},
    )  # fmt: skip
    return status
