"""The audit log's filters (GET parameters, Vietnamese names in the address)."""

from __future__ import annotations

from django import forms

from hocba.apps.audit.labels import TAG_LABELS
from hocba.apps.audit.queries import EventFilter


class EventFilterForm(forms.Form):
    lop = forms.CharField(
        label="Lớp",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "ví dụ 5A"}),
    )
    hoc_sinh = forms.CharField(label="Học sinh (tên hoặc mã)", required=False, max_length=100)
    nguoi = forms.CharField(label="Người thực hiện", required=False, max_length=150)
    su_kien = forms.ChoiceField(
        label="Việc đã làm",
        required=False,
        choices=[("", "Tất cả"), *sorted(TAG_LABELS.items(), key=lambda kv: kv[1])],
    )
    tu_ngay = forms.DateField(
        label="Từ ngày", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    den_ngay = forms.DateField(label="Đến ngày", required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("tu_ngay"), data.get("den_ngay")
        if start and end and start > end:
            raise forms.ValidationError("“Từ ngày” phải trước hoặc bằng “Đến ngày”.")
        return data

    def event_filter(self) -> EventFilter:
        """The filter asked for (nothing when the form is invalid: the page says why)."""
        if not self.is_valid():
            return EventFilter()
        d = self.cleaned_data
        return EventFilter(
            school_class=d["lop"].strip(),
            student=d["hoc_sinh"].strip(),
            person=d["nguoi"].strip(),
            tag=d["su_kien"],
            date_from=d["tu_ngay"],
            date_to=d["den_ngay"],
        )
