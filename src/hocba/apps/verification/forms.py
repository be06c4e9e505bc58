from __future__ import annotations

from typing import Any

from django import forms

from hocba.apps.limits import file_limits
from hocba.spec.token import MAX_TYPED


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
        label="Mã SHA-256 in dưới mã QR (giữ nguyên dấu cách, xuống dòng; có thể kèm mã học bạ)",
        max_length=MAX_TYPED,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": "SHA-256 …",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
