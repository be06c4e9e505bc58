"""Parsing what a teacher typed into one grid cell, with Vietnamese messages.

A cell posts only its own field; ``changes(form, data)`` keeps the fields that were posted.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict

from hocba.apps.records.models import RatingLevel, SubjectLevel
from hocba.apps.records.workflow import MIN_REASON, SCORE_MESSAGE

_INTEGER = re.compile(r"^\d{1,2}$")


class ScoreField(forms.CharField):
    """A periodic test score: an integer 0–10, no decimals (TT27 Art. 7); blank clears it."""

    def clean(self, value: Any) -> int | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        if not _INTEGER.match(text) or int(text) > 10:
            raise forms.ValidationError(SCORE_MESSAGE, code="score")
        return int(text)


class WeightField(forms.DecimalField):
    """Kilograms with one decimal; a decimal comma (32,5) is read like a point."""

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        return super().to_python(value)  # type: ignore[no-any-return]


def _whole(label: str, low: int, high: int) -> forms.IntegerField:
    msg = f"{label} phải là số nguyên từ {low} đến {high}."
    return forms.IntegerField(
        required=False,
        min_value=low,
        max_value=high,
        error_messages={"invalid": msg, "min_value": msg, "max_value": msg},
    )


class SubjectCellForm(forms.Form):
    level = forms.ChoiceField(
        choices=[("", "—"), *SubjectLevel.choices],
        required=False,
        error_messages={"invalid_choice": "Mức đạt được phải là T, H hoặc C."},
    )
    test_score = ScoreField(required=False)
    comment = forms.CharField(
        required=False,
        max_length=2000,
        error_messages={"max_length": "Nhận xét dài quá 2000 ký tự."},
    )


class RatingCellForm(forms.Form):
    level = forms.ChoiceField(
        choices=[("", "—"), *RatingLevel.choices],
        required=False,
        error_messages={"invalid_choice": "Mức đạt được phải là T, Đ hoặc C."},
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        error_messages={"max_length": "Nhận xét dài quá 2000 ký tự."},
    )


class SummaryCellForm(forms.Form):
    height_cm = _whole("Chiều cao (cm)", 50, 250)
    weight_kg = WeightField(
        required=False,
        min_value=Decimal(5),
        max_value=Decimal(200),
        max_digits=4,
        decimal_places=1,
        error_messages={
            k: "Cân nặng (kg) là số từ 5 đến 200, tối đa một chữ số thập phân."
            for k in ("invalid", "min_value", "max_value", "max_digits", "max_decimal_places")
        },
    )
    absences_excused = _whole("Số buổi nghỉ có phép", 0, 366)
    absences_unexcused = _whole("Số buổi nghỉ không phép", 0, 366)

    def clean_absences_excused(self) -> int:
        return self.cleaned_data["absences_excused"] or 0

    def clean_absences_unexcused(self) -> int:
        return self.cleaned_data["absences_unexcused"] or 0


def changes(form: forms.Form, data: QueryDict) -> dict[str, Any]:
    """The cleaned values of the fields present in ``data`` (a valid form only)."""
    return {name: form.cleaned_data[name] for name in form.fields if name in data}


class UnlockForm(forms.Form):
    reason = forms.CharField(
        label="Lý do mở khóa",
        min_length=MIN_REASON,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Ghi rõ đề nghị của giáo viên và nội dung cần sửa. Lý do được lưu vào nhật ký.",
        error_messages={
            "required": "Cần ghi lý do mở khóa.",
            "min_length": f"Lý do mở khóa cần ít nhất {MIN_REASON} ký tự.",
            "max_length": "Lý do mở khóa dài quá 1000 ký tự.",
        },
    )


def _reason_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        min_length=MIN_REASON,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=help_text,
        error_messages={
            "required": f"Cần ghi {label.lower()}.",
            "min_length": f"{label} cần ít nhất {MIN_REASON} ký tự.",
            "max_length": f"{label} dài quá 1000 ký tự.",
        },
    )


class CorrectionForm(forms.Form):
    reason = _reason_field(
        "Lý do điều chỉnh",
        "Ghi rõ nội dung sai và cần sửa. Lý do được in trên học bạ phiên bản mới, hiện trên trang "
        "xác minh của phiên bản cũ và lưu vào nhật ký.",
    )


class DeclineForm(forms.Form):
    reason = _reason_field("Lý do từ chối", "Lý do được gửi lại cho GVCN và lưu vào nhật ký.")
