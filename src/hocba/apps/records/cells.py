"""The input boxes of the entry grids, described once: the grid pages draw them and a cell's
answer draws them again (out of band) with the stored value when an entry is refused, so a
box always shows what is stored. Nothing here writes; authority is the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.formats import localize

from hocba.apps.directory.models import Enrolment, SchoolClass
from hocba.apps.records import review
from hocba.apps.records.models import (
    RatingEvaluation,
    RatingLevel,
    SubjectEvaluation,
    SubjectLevel,
    YearSummary,
)
from hocba.spec import RatingSpec


@dataclass(frozen=True)
class Control:
    """One box of a grid: a select (``choices``) or a text input."""

    cid: str  # the element id, stable between the page and a cell's answer
    name: str
    label: str  # the accessible name: column and student
    col: int  # column for keyboard moves (rows are found in the DOM)
    post_url: str
    value: str
    disabled: bool
    choices: tuple[tuple[str, str], ...] = ()
    css: str = ""
    inputmode: str = ""
    placeholder: str = ""
    maxlength: int = 0


def _text(value: Any) -> str:
    return "" if value is None else str(localize(value))


def subject_controls(
    cls: SchoolClass,
    enrolment: Enrolment,
    spec: Any,
    evaluation: SubjectEvaluation | None,
    disabled: bool,
) -> dict[str, Control]:
    """The boxes of one student's row of the subject grid, by field name."""
    url = reverse("records:subject_cell", args=[cls.pk, spec.code, enrolment.pk])
    name = enrolment.student.full_name
    ev = evaluation
    out = {
        "level": Control(
            f"c-{enrolment.pk}-level",
            "level",
            f"Mức cuối năm: {name}",
            0,
            url,
            _text(ev.level if ev else ""),
            disabled,
            tuple(SubjectLevel.choices),
        ),
    }
    if spec.tested:
        out["test_score"] = Control(
            f"c-{enrolment.pk}-test_score",
            "test_score",
            f"Điểm kiểm tra: {name}",
            1,
            url,
            _text(ev.test_score if ev else None),
            disabled,
            css="num",
            inputmode="numeric",
        )
    out["comment"] = Control(
        f"c-{enrolment.pk}-comment",
        "comment",
        f"Nhận xét: {name}",
        len(out),
        url,
        _text(ev.comment if ev else ""),
        disabled,
        css="comment",
        maxlength=2000,
    )
    return out


def rating_controls(
    cls: SchoolClass,
    enrolment: Enrolment,
    kind: str,
    spec: RatingSpec,
    index: int,
    evaluation: RatingEvaluation | None,
    disabled: bool,
) -> dict[str, Control]:
    """The two boxes (level, comment) of one quality or competence of one student."""
    url = reverse("records:rating_cell", args=[cls.pk, enrolment.pk, kind, spec.code])
    name = enrolment.student.full_name
    base = f"c-{enrolment.pk}-{kind}-{spec.code}"
    ev = evaluation
    return {
        "level": Control(
            f"{base}-level",
            "level",
            f"{spec.name}: {name}",
            2 * index,
            url,
            _text(ev.level if ev else ""),
            disabled,
            tuple(RatingLevel.choices),
        ),
        "comment": Control(
            f"{base}-comment",
            "comment",
            f"Nhận xét {spec.name}: {name}",
            2 * index + 1,
            url,
            _text(ev.comment if ev else ""),
            disabled,
            css="comment",
            placeholder="Nhận xét",
            maxlength=2000,
        ),
    }


_SUMMARY = (
    ("height_cm", "Chiều cao", "numeric"),
    ("weight_kg", "Cân nặng", "decimal"),
    ("absences_excused", "Nghỉ có phép", "numeric"),
    ("absences_unexcused", "Nghỉ không phép", "numeric"),
)


def summary_controls(
    cls: SchoolClass, enrolment: Enrolment, summary: YearSummary | None, disabled: bool
) -> dict[str, Control]:
    """The four boxes of one student's year summary (absences show 0 when none recorded)."""
    url = reverse("records:summary_cell", args=[cls.pk, enrolment.pk])
    name = enrolment.student.full_name
    out = {}
    for col, (field, label, mode) in enumerate(_SUMMARY):
        value = getattr(summary, field, None) if summary else None
        if value is None and field.startswith("absences"):
            value = 0
        out[field] = Control(
            f"c-{enrolment.pk}-{field}",
            field,
            f"{label}: {name}",
            col,
            url,
            _text(value),
            disabled,
            css="num",
            inputmode=mode,
        )
    return out


# --- one student's boxes as stored now (the answer to a refused entry) ------------------------


def _disabled(cls: SchoolClass, enrolment: Enrolment) -> bool:
    return not review.is_editable(enrolment, cls)


def stored_subject(cls: SchoolClass, enrolment: Enrolment, spec: Any) -> dict[str, Control]:
    evaluation = SubjectEvaluation.objects.filter(
        enrolment=enrolment, subject_code=spec.code
    ).first()
    return subject_controls(cls, enrolment, spec, evaluation, _disabled(cls, enrolment))


def stored_rating(
    cls: SchoolClass, enrolment: Enrolment, kind: str, code: str
) -> dict[str, Control]:
    """Empty for a quality or competence the grade does not have."""
    specs = [(k, s) for k in review.KINDS for s in review.rating_specs(cls, k)]
    for index, (k, spec) in enumerate(specs):
        if (k, spec.code) == (kind, code):
            evaluation = RatingEvaluation.objects.filter(
                enrolment=enrolment, kind=kind, code=code
            ).first()
            disabled = _disabled(cls, enrolment)
            return rating_controls(cls, enrolment, kind, spec, index, evaluation, disabled)
    return {}


def stored_summary(cls: SchoolClass, enrolment: Enrolment) -> dict[str, Control]:
    summary = YearSummary.objects.filter(enrolment=enrolment).first()
    return summary_controls(cls, enrolment, summary, _disabled(cls, enrolment))
