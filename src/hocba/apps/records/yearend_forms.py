"""Parsing the end-of-year forms: a commendation proposal, the principal's decisions and one
student's supplementary assessment, with Vietnamese messages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.http import QueryDict

from hocba.apps.records.models import Commendation, RatingLevel, SubjectLevel
from hocba.apps.records.yearend import MIN_REASON
from hocba.apps.records.yearend_review import SupplementaryRow
from hocba.spec import PromotionDecision, SupplementaryAssessment

_SCORES = [("", "—")] + [(str(i), str(i)) for i in range(11)]


class CommendationForm(forms.Form):
    kind = forms.ChoiceField(
        label="Loại khen thưởng",
        choices=Commendation.Kind.choices,
        error_messages={"invalid_choice": "Loại khen thưởng không hợp lệ."},
    )
    title = forms.CharField(
        label="Nội dung khen thưởng đột xuất",
        required=False,
        max_length=200,
        error_messages={"max_length": "Nội dung khen thưởng dài quá 200 ký tự."},
    )
    reason = forms.CharField(
        label="Lý do đề nghị",
        min_length=MIN_REASON,
        max_length=1000,
        help_text="Ví dụ: tiêu biểu ở một môn học, tiến bộ rõ rệt, việc làm tốt.",
        error_messages={
            "required": "Cần ghi lý do đề nghị.",
            "min_length": f"Lý do đề nghị cần ít nhất {MIN_REASON} ký tự.",
            "max_length": "Lý do đề nghị dài quá 1000 ký tự.",
        },
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Duyệt"), ("decline", "Không duyệt")],
        error_messages={"invalid_choice": "Quyết định không hợp lệ.", "required": "Cần chọn."},
    )


class PromotionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Quyết định của hiệu trưởng",
        choices=[(d.value, d.label_vi) for d in PromotionDecision],
        error_messages={
            "invalid_choice": "Quyết định phải là 'Được lên lớp' hoặc 'Chưa được lên lớp'.",
            "required": "Cần chọn quyết định.",
        },
    )
    decided_on = forms.DateField(
        label="Ngày quyết định",
        error_messages={"required": "Cần ghi ngày quyết định.", "invalid": "Ngày không hợp lệ."},
    )


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_supplementary(
    row: SupplementaryRow, data: QueryDict
) -> tuple[SupplementaryAssessment | None, list[str]]:
    """The assessment typed for ``row`` (every listed subject and rating needs a level), or
    the Vietnamese messages of what is wrong."""
    errors: list[str] = []
    assessed_on = _date(data.get("assessed_on", ""))
    if assessed_on is None:
        errors.append("Cần ghi ngày đánh giá bổ sung.")
    subjects: list[dict[str, Any]] = []
    for s in row.subjects:
        level, score = data.get(f"level_{s.code}", ""), data.get(f"score_{s.code}", "").strip()
        if level not in SubjectLevel.values:
            errors.append(f"Cần chọn mức đạt được sau đánh giá bổ sung của môn {s.name}.")
            continue
        if score and (not score.isdigit() or int(score) > 10):
            errors.append(f"Điểm kiểm tra bổ sung môn {s.name} phải là số nguyên từ 0 đến 10.")
            continue
        subjects.append(
            {"code": s.code, "level": level, "test_score": int(score) if score else None}
        )
    ratings: dict[str, list[dict[str, Any]]] = {"quality": [], "competence": []}
    for kind, r in row.ratings:
        level = data.get(f"rating_{r.code}", "")
        if level not in RatingLevel.values:
            errors.append(f"Cần chọn mức đánh giá lại của {r.name}.")
            continue
        ratings[kind].append({"code": r.code, "name": r.name, "level": level, "comment": ""})
    comment = " ".join(data.get("comment", "").split())
    if len(comment) > 2000:
        errors.append("Nhận xét dài quá 2000 ký tự.")
    if errors:
        return None, errors
    assessment = SupplementaryAssessment.model_validate_json(
        json.dumps(
            {
                "assessed_on": assessed_on.isoformat(),
                "subjects": subjects,
                "qualities": ratings["quality"],
                "competences": ratings["competence"],
                "comment": comment,
            }
        ),
        strict=True,
    )
    return assessment, []
