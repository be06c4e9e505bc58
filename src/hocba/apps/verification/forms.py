from __future__ import annotations

from typing import Any

from django import forms

from hocba.apps.limits import file_limits


class UploadForm(forms.Form):
    pdf = forms.FileField(label="Tệp học bạ (PDF hoặc XML)", required=True)

    def clean_pdf(self) -> Any:
        pdf = self.cleaned_data["pdf"]
        limit = file_limits().pdf_bytes
        if pdf.size > limit:
            raise forms.ValidationError(f"Tệp quá lớn (tối đa {limit // (1024 * 1024)} MB).")
        return pdf


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Mã xác minh (in dưới mã QR)",
        max_length=400,
        widget=forms.TextInput(attrs={"placeholder": "HOCBA:1:…", "autocomplete": "off"}),
    )
