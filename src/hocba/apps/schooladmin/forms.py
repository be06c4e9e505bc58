"""Forms of school administration: they parse and check input (Vietnamese messages); the
services do the writing."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from hocba.apps.directory.models import Enrolment, Guardianship, SchoolYear, Staff, Student
from hocba.apps.directory.validators import validate_personal_id, validate_school_year_code
from hocba.apps.schooladmin.services import NewStudent, NewTeacher

REQUIRED = {"required": "Vui lòng điền mục này."}


def _username_chars(value: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9._@+-]+", value.strip()):
        raise forms.ValidationError(
            "Tên đăng nhập chỉ gồm chữ không dấu, số và các ký tự . _ @ + -"
        )


def _username_field(required: bool = False) -> forms.CharField:
    return forms.CharField(
        label="Tên đăng nhập",
        max_length=150,
        required=required,
        error_messages=REQUIRED,
        help_text="Chữ không dấu, số và . _ - (ví dụ: gv.lan).",
        validators=[_username_chars],
    )


def _check_free(username: str) -> str:
    username = username.strip()
    if username and get_user_model().objects.filter(username__iexact=username).exists():
        raise forms.ValidationError(f"Tên đăng nhập «{username}» đã có người dùng.")
    return username


class OpenYearForm(forms.Form):
    code = forms.CharField(
        label="Năm học",
        max_length=9,
        error_messages=REQUIRED,
        help_text="Dạng NNNN-NNNN, ví dụ 2025-2026.",
        validators=[validate_school_year_code],
    )


class TeacherChoiceMixin(forms.Form):
    """Choose a staff member of the school, or add a new teacher with a login."""

    staff = forms.ModelChoiceField(
        label="Giáo viên của trường",
        queryset=Staff.objects.none(),
        required=False,
        empty_label="— Thêm giáo viên mới —",
    )
    new_name = forms.CharField(label="Họ và tên giáo viên mới", max_length=100, required=False)
    username = _username_field()

    def __init__(self, *args: Any, staff: list[Staff], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["staff"]
        field.queryset = Staff.objects.filter(pk__in=[s.pk for s in staff])  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: (  # type: ignore[attr-defined]
            f"{s.full_name} ({s.get_position_display()})"
            + ("" if s.user_id else " — chưa có tài khoản")
        )

    def clean_username(self) -> str:
        return _check_free(self.cleaned_data.get("username", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("staff") is None and "username" not in self.errors:
            if not (data.get("new_name") or "").strip():
                self.add_error("new_name", "Hãy chọn giáo viên của trường hoặc nhập họ tên.")
            if not data.get("username"):
                self.add_error("username", "Giáo viên mới cần một tên đăng nhập.")
        return data

    def new_teacher(self) -> NewTeacher | None:
        if self.cleaned_data.get("staff") is not None:
            return None
        return NewTeacher(self.cleaned_data["new_name"], self.cleaned_data["username"])


class CreateClassForm(TeacherChoiceMixin):
    school_year = forms.ModelChoiceField(
        label="Năm học",
        queryset=SchoolYear.objects.all(),
        error_messages={**REQUIRED, "invalid_choice": "Năm học không hợp lệ."},
    )
    grade = forms.IntegerField(
        label="Khối",
        error_messages={**REQUIRED, "invalid": "Khối phải là một số."},
    )
    name = forms.CharField(label="Tên lớp", max_length=20, error_messages=REQUIRED)
    field_order = ["school_year", "grade", "name", "staff", "new_name", "username"]

    def __init__(self, *args: Any, grades: range, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grades = grades
        self.fields["staff"].label = "Giáo viên chủ nhiệm"
        self.fields["grade"].help_text = f"Từ {grades[0]} đến {grades[-1]}."

    def clean_grade(self) -> int:
        grade = self.cleaned_data["grade"]
        if grade not in self.grades:
            raise forms.ValidationError(f"Khối lớp phải từ {self.grades[0]} đến {self.grades[-1]}.")
        return grade


class SubjectTeacherForm(TeacherChoiceMixin):
    subject = forms.ChoiceField(
        label="Môn học",
        error_messages={**REQUIRED, "invalid_choice": "Môn học không có trong chương trình."},
    )
    field_order = ["subject", "staff", "new_name", "username"]

    def __init__(self, *args: Any, subjects: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", "— Chọn môn —"), *subjects]


class EnrolForm(forms.Form):
    existing_code = forms.CharField(
        label="Mã học sinh đã có (nếu học sinh đã có trong hệ thống)",
        max_length=32,
        required=False,
    )
    student_code = forms.CharField(label="Mã học sinh mới", max_length=32, required=False)
    full_name = forms.CharField(label="Họ và tên", max_length=100, required=False)
    sex = forms.ChoiceField(
        label="Giới tính", choices=[("", "—"), *Student.Sex.choices], required=False
    )
    date_of_birth = forms.DateField(
        label="Ngày sinh",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": "Ngày sinh không hợp lệ (ngày/tháng/năm)."},
    )
    personal_id = forms.CharField(
        label="Số định danh cá nhân (không bắt buộc)",
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        validators=[validate_personal_id],
        error_messages={"max_length": "Số định danh cá nhân phải gồm đúng 12 chữ số."},
    )
    register_number = forms.CharField(label="Số đăng bộ", max_length=32, error_messages=REQUIRED)
    enrolled_on = forms.DateField(
        label="Ngày vào lớp",
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={**REQUIRED, "invalid": "Ngày vào lớp không hợp lệ."},
    )
    father = forms.CharField(label="Họ tên cha", max_length=100, required=False)
    mother = forms.CharField(label="Họ tên mẹ", max_length=100, required=False)
    guardian = forms.CharField(label="Họ tên người giám hộ", max_length=100, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (data.get("existing_code") or "").strip():
            return data
        for name in ("student_code", "full_name", "sex", "date_of_birth"):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, "Vui lòng điền mục này cho học sinh mới.")
        return data

    def new_student(self) -> NewStudent | None:
        data = self.cleaned_data
        if (data.get("existing_code") or "").strip():
            return None
        return NewStudent(
            student_code=data["student_code"],
            full_name=data["full_name"],
            sex=data["sex"],
            date_of_birth=data["date_of_birth"],
            personal_id=data.get("personal_id") or "",
        )

    def guardians(self) -> dict[str, str]:
        rel = Guardianship.Relation
        data = self.cleaned_data
        return {
            rel.FATHER: data["father"],
            rel.MOTHER: data["mother"],
            rel.GUARDIAN: data["guardian"],
        }


class ParentAccountForm(forms.Form):
    student = forms.ModelChoiceField(
        label="Học sinh",
        queryset=Student.objects.none(),
        error_messages={**REQUIRED, "invalid_choice": "Học sinh không học tại trường này."},
    )
    full_name = forms.CharField(
        label="Họ và tên phụ huynh", max_length=100, error_messages=REQUIRED
    )
    username = _username_field(required=True)

    def __init__(self, *args: Any, students: list[Student], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["student"]
        field.queryset = Student.objects.filter(pk__in=[s.pk for s in students])  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: f"{s.full_name} ({s.student_code})"  # type: ignore[attr-defined]

    def clean_username(self) -> str:
        return _check_free(self.cleaned_data.get("username", ""))


class LeaveForm(forms.Form):
    """A student leaves the school: which (an open enrolment of the school), when, why."""

    enrolment = forms.TypedChoiceField(
        label="Học sinh",
        coerce=int,
        # never echo the value: the same answer for another school's id as for none
        error_messages={**REQUIRED, "invalid_choice": "Chọn một học sinh đang học tại trường."},
    )
    left_on = forms.DateField(
        label="Ngày rời trường",
        error_messages={**REQUIRED, "invalid": "Ngày không hợp lệ."},
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.ChoiceField(
        label="Lý do", choices=Enrolment.LeftReason.choices, error_messages=REQUIRED
    )

    def __init__(self, *args: Any, enrolments: list[Enrolment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— chọn học sinh —")] + [
            (e.pk, f"{e.student.full_name} ({e.student.student_code}) — lớp {e.school_class.name}")
            for e in enrolments
        ]
        self.fields["enrolment"].choices = choices
