"""The open học bạ record: one student, one school year, one school (DOMAIN §4.4).

Every field carries its Vietnamese label as the JSON Schema ``title``; ``docs/schema.md`` is
generated from these models. Identifiers are English; catalog values and labels Vietnamese.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hocba.spec.roles import SignerRole

SCHEMA_VERSION = "hocba.record.tt27/1.0"
"""Identifies the version of this schema; present in every record as ``schema_version``."""

Text = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=2000)]
SchoolYearCode = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{4}$")]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{1,32}$")]
Score = Annotated[int, Field(ge=0, le=10)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, use_enum_values=False, validate_default=True
    )


class Sex(StrEnum):
    MALE = "nam"
    FEMALE = "nữ"


class SubjectLevel(StrEnum):
    """Periodic level of a subject or activity (TT27 Art. 7)."""

    GOOD = "T"  # Hoàn thành tốt
    DONE = "H"  # Hoàn thành
    NOT_DONE = "C"  # Chưa hoàn thành

    @property
    def label_vi(self) -> str:
        return {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}[self.value]


class RatingLevel(StrEnum):
    """Periodic level of a quality or competence (TT27 Art. 7)."""

    GOOD = "T"  # Tốt
    PASS = "Đ"  # Đạt
    NEEDS_EFFORT = "C"  # Cần cố gắng

    @property
    def label_vi(self) -> str:
        return {"T": "Tốt", "Đ": "Đạt", "C": "Cần cố gắng"}[self.value]


class OverallResult(StrEnum):
    """End-of-year result of educational assessment (TT27 Art. 9)."""

    EXCELLENT = "HTXS"
    GOOD = "HTT"
    DONE = "HT"
    NOT_DONE = "CHT"

    @property
    def label_vi(self) -> str:
        return _RESULT_LABELS[self.value]

    @property
    def rank(self) -> int:
        """Higher is better; for comparisons."""
        return ["CHT", "HT", "HTT", "HTXS"].index(self.value)


_RESULT_LABELS = {
    "HTXS": "Hoàn thành xuất sắc",
    "HTT": "Hoàn thành tốt",
    "HT": "Hoàn thành",
    "CHT": "Chưa hoàn thành",
}


class CommendationKind(StrEnum):
    """Commendations decided by the principal (TT27 Art. 13)."""

    EXCELLENT = "hoc_sinh_xuat_sac"  # Học sinh Xuất sắc
    OUTSTANDING = "hoc_sinh_tieu_bieu"  # Học sinh tiêu biểu hoàn thành tốt ...
    AD_HOC = "dot_xuat"  # khen thưởng đột xuất


class PromotionDecision(StrEnum):
    """The principal's decision after a supplementary assessment that still fails.

    TT27 Art. 11.1c, grades 1–4 only: grade 5 completes the primary programme or not
    (Art. 11.2); the rules refuse a decision there (``promotion.not_for_grade_5``).
    """

    PROMOTED = "duoc_len_lop"  # Được lên lớp
    RETAINED = "chua_duoc_len_lop"  # Chưa được lên lớp

    @property
    def label_vi(self) -> str:
        return {"duoc_len_lop": "Được lên lớp", "chua_duoc_len_lop": "Chưa được lên lớp"}[
            self.value
        ]


class PlanSubjectMode(StrEnum):
    """How a subject is assessed for a student with an individual education plan (TT27 Art. 8)."""

    EXEMPTED = "mien"  # Miễn: not studied or not assessed; no level, no score
    BY_PLAN = "theo_ke_hoach"  # assessed by the plan's own requirements

    @property
    def label_vi(self) -> str:
        return {"mien": "Miễn", "theo_ke_hoach": "Đánh giá theo kế hoạch giáo dục cá nhân"}[
            self.value
        ]


class AdministrativeUnit(_Model):
    level: Literal["province", "district", "commune"] = Field(title="Cấp hành chính")
    code: Code | None = Field(default=None, title="Mã đơn vị hành chính")
    name: Text = Field(title="Tên đơn vị hành chính")


class School(_Model):
    code: Code = Field(title="Mã trường")
    name: Text = Field(title="Tên trường")
    administrative_units: list[AdministrativeUnit] = Field(
        title="Đơn vị hành chính (từ cấp tỉnh xuống), tên tại thời điểm cấp học bạ",
        max_length=5,
    )
    managing_unit: Text | None = Field(default=None, title="Cơ quan quản lý trực tiếp")


class Guardian(_Model):
    full_name: Text = Field(title="Họ và tên")
    year_of_birth: int | None = Field(default=None, ge=1900, le=2100, title="Năm sinh")
    occupation: Text | None = Field(default=None, title="Nghề nghiệp")


class Student(_Model):
    full_name: Text = Field(title="Họ và tên học sinh")
    sex: Sex = Field(title="Giới tính")
    date_of_birth: dt.date = Field(title="Ngày sinh")
    ethnicity: Text = Field(title="Dân tộc")
    nationality: Text = Field(title="Quốc tịch")
    place_of_birth: Text = Field(title="Nơi sinh")
    home_town: Text | None = Field(default=None, title="Quê quán")
    residence: Text = Field(title="Nơi ở hiện nay")
    father: Guardian | None = Field(default=None, title="Họ và tên cha")
    mother: Guardian | None = Field(default=None, title="Họ và tên mẹ")
    guardian: Guardian | None = Field(default=None, title="Người giám hộ")
    personal_id: Annotated[str, StringConstraints(pattern=r"^\d{12}$")] | None = Field(
        default=None, title="Số định danh cá nhân"
    )
    student_code: Code = Field(title="Mã học sinh")


class StudyHistoryRow(_Model):
    """One row of 'quá trình học tập' (DOMAIN §4.4)."""

    school_year: SchoolYearCode = Field(title="Năm học")
    class_name: Text = Field(title="Lớp")
    school_name: Text = Field(title="Tên trường")
    register_number: Text | None = Field(default=None, title="Số đăng bộ")
    enrolled_on: dt.date | None = Field(default=None, title="Ngày nhập học / chuyển đến")
    note: Text | None = Field(default=None, title="Ghi chú")


class Health(_Model):
    height_cm: int | None = Field(default=None, ge=50, le=250, title="Chiều cao (cm)")
    weight_kg: float | None = Field(default=None, ge=5, le=200, title="Cân nặng (kg)")


class Absences(_Model):
    excused: int = Field(default=0, ge=0, le=366, title="Nghỉ có phép (buổi)")
    unexcused: int = Field(default=0, ge=0, le=366, title="Nghỉ không phép (buổi)")


class PeriodResult(_Model):
    """A subject's level and periodic-test score at mid-term or end of term I."""

    level: SubjectLevel | None = Field(default=None, title="Mức đạt được")
    test_score: Score | None = Field(default=None, title="Điểm kiểm tra định kỳ")


class SubjectResult(_Model):
    code: Code = Field(title="Mã môn học / hoạt động giáo dục")
    name: Text = Field(title="Môn học và hoạt động giáo dục")
    mid_term_1: PeriodResult | None = Field(default=None, title="Giữa học kỳ I")
    end_term_1: PeriodResult | None = Field(default=None, title="Cuối học kỳ I")
    mid_term_2: PeriodResult | None = Field(default=None, title="Giữa học kỳ II")
    level: SubjectLevel = Field(title="Mức đạt được cuối năm học")
    test_score: Score | None = Field(default=None, title="Điểm kiểm tra định kỳ cuối năm")
    comment: LongText = Field(default="", title="Nhận xét")


class Rating(_Model):
    """A quality (phẩm chất) or competence (năng lực) with its level and comment."""

    code: Code = Field(title="Mã phẩm chất / năng lực")
    name: Text = Field(title="Phẩm chất / năng lực")
    level: RatingLevel = Field(title="Mức đạt được")
    comment: LongText = Field(default="", title="Nhận xét")


class Commendation(_Model):
    kind: CommendationKind = Field(title="Loại khen thưởng")
    title: Text = Field(title="Nội dung khen thưởng")


class Completion(_Model):
    completed: bool = Field(title="Hoàn thành chương trình lớp học")
    statement: Text | None = Field(default=None, title="Xác nhận hoàn thành chương trình")


class SupplementarySubject(_Model):
    code: Code = Field(title="Mã môn học / hoạt động giáo dục")
    level: SubjectLevel = Field(title="Mức đạt được sau đánh giá bổ sung")
    test_score: Score | None = Field(default=None, title="Điểm kiểm tra bổ sung")


class SupplementaryAssessment(_Model):
    """Assessment after support, usually in summer (TT27 Art. 11.1b)."""

    assessed_on: dt.date = Field(title="Ngày đánh giá bổ sung")
    subjects: list[SupplementarySubject] = Field(
        default_factory=list, max_length=20, title="Môn học được đánh giá bổ sung"
    )
    qualities: list[Rating] = Field(
        default_factory=list, max_length=5, title="Phẩm chất được đánh giá lại"
    )
    competences: list[Rating] = Field(
        default_factory=list, max_length=10, title="Năng lực được đánh giá lại"
    )
    comment: LongText = Field(default="", title="Nhận xét")


class Promotion(_Model):
    decision: PromotionDecision = Field(title="Quyết định của hiệu trưởng")
    decided_on: dt.date = Field(title="Ngày quyết định")


class PlanSubject(_Model):
    """One subject of the individual education plan: exempted, or assessed by the plan.

    A subject assessed by the plan keeps its row in ``subjects`` (level, the score only where
    the plan sets a periodic test, comment); an exempted subject has no row there.
    """

    code: Code = Field(title="Mã môn học / hoạt động giáo dục")
    mode: PlanSubjectMode = Field(title="Miễn / đánh giá theo kế hoạch")
    comment: LongText = Field(default="", title="Yêu cầu của kế hoạch đối với môn học")


class IndividualPlan(_Model):
    """A student with disabilities assessed by an individual education plan (TT27 Art. 8).

    Present only for such a student: its presence states that the student has a plan
    (kế hoạch giáo dục cá nhân); records without it are assessed as before.
    """

    reference: Text = Field(title="Kế hoạch giáo dục cá nhân (số, ngày hoặc mô tả ngắn)")
    subjects: list[PlanSubject] = Field(
        default_factory=list, max_length=30, title="Môn học miễn / đánh giá theo kế hoạch"
    )


class PlannedSigner(_Model):
    role: SignerRole = Field(title="Vai trò ký")
    full_name: Text = Field(title="Họ và tên người ký (với con dấu số: tên trường)")
    title: Text = Field(title="Chức danh")


class Record(_Model):
    """One học bạ year: the canonical document that is rendered, signed and verified."""

    schema_version: Literal["hocba.record.tt27/1.0"] = Field(title="Phiên bản lược đồ")
    record_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f\-]{36}$")] = Field(
        title="Mã định danh học bạ (UUID)"
    )
    version: int = Field(default=1, ge=1, le=1000, title="Phiên bản học bạ")
    supersedes: Annotated[str, StringConstraints(pattern=r"^[0-9a-f\-]{36}$")] | None = Field(
        default=None, title="Thay thế học bạ"
    )
    correction_reason: LongText | None = Field(default=None, title="Lý do điều chỉnh")
    scheme: Literal["TT27/2020"] = Field(title="Văn bản quy định đánh giá")
    school_year: SchoolYearCode = Field(title="Năm học")
    grade: int = Field(ge=1, le=5, title="Khối lớp")
    class_name: Text = Field(title="Lớp")
    school: School = Field(title="Trường")
    student: Student = Field(title="Học sinh")
    study_history: list[StudyHistoryRow] = Field(
        default_factory=list, max_length=20, title="Quá trình học tập"
    )
    health: Health = Field(default_factory=Health, title="Sức khỏe")
    absences: Absences = Field(default_factory=Absences, title="Số buổi nghỉ học")
    subjects: list[SubjectResult] = Field(max_length=30, title="Các môn học và hoạt động giáo dục")
    qualities: list[Rating] = Field(max_length=10, title="Những phẩm chất chủ yếu")
    competences: list[Rating] = Field(max_length=20, title="Những năng lực cốt lõi")
    overall_result: OverallResult | None = Field(default=None, title="Kết quả giáo dục cuối năm")
    commendations: list[Commendation] = Field(
        default_factory=list, max_length=10, title="Khen thưởng"
    )
    completion: Completion | None = Field(default=None, title="Hoàn thành chương trình lớp học")
    supplementary: SupplementaryAssessment | None = Field(default=None, title="Đánh giá bổ sung")
    promotion: Promotion | None = Field(default=None, title="Lên lớp / chưa lên lớp")
    individual_plan: IndividualPlan | None = Field(
        default=None, title="Học sinh khuyết tật: kế hoạch giáo dục cá nhân"
    )
    place: Text = Field(title="Nơi lập (địa danh)")
    dated: dt.date = Field(title="Ngày lập")
    signers: list[PlannedSigner] = Field(max_length=3, title="Người ký theo kế hoạch")
