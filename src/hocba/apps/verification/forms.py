from __future__ import annotations

from typing import Any

from django import forms

from hocba.apps.verification.services import MAX_PDF_BYTES


class UploadForm(forms.Form):
    pdf = forms.FileField(label="Tệp học bạ (PDF hoặc XML)", required=True)

    def clean_pdf(self) -> Any:
        pdf = self.cleaned_data["pdf"]
        if pdf.size > MAX_PDF_BYTES:
            raise forms.ValidationError(
                f"Tệp quá lớn (tối đa {MAX_PDF_BYTES // (1024 * 1024)} MB)."
            )
        return pdf


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Mã xác minh (in dưới mã QR)",
        max_length=400,
        widget=forms.TextInput(attrs={"placeholder": "HOCBA:1:…", "autocomplete": "off"}),
    )
