"""Working evaluations (editable until finalised) and built record versions (DOMAIN §4.4, §6)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from hocba.apps.directory.models import Enrolment


class SubjectLevel(models.TextChoices):
    GOOD = "T", "Hoàn thành tốt"
    DONE = "H", "Hoàn thành"
    NOT_DONE = "C", "Chưa hoàn thành"


class RatingLevel(models.TextChoices):
    GOOD = "T", "Tốt"
    PASS = "Đ", "Đạt"
    NEEDS_EFFORT = "C", "Cần cố gắng"


def _level(label: str) -> models.CharField:
    return models.CharField(label, max_length=1, choices=SubjectLevel.choices, blank=True)


def _score(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


class SubjectEvaluation(models.Model):
    """One student's periodic assessment in one subject or activity (TT27 Art. 7)."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name="ghi danh", on_delete=models.CASCADE, related_name="subjects"
    )
    subject_code = models.CharField("mã môn", max_length=16)
    subject_name = models.CharField("môn học", max_length=100)
    mid_term_1_level = _level("mức giữa học kỳ I")
    mid_term_1_score = _score("điểm giữa học kỳ I")
    end_term_1_level = _level("mức cuối học kỳ I")
    end_term_1_score = _score("điểm cuối học kỳ I")
    mid_term_2_level = _level("mức giữa học kỳ II")
    mid_term_2_score = _score("điểm giữa học kỳ II")
    level = _level("mức cuối năm")
    test_score = _score("điểm KTĐK cuối năm")
    comment = models.TextField("nhận xét", blank=True, max_length=2000)
    position = models.PositiveSmallIntegerField("thứ tự", default=0)
    updated_at = models.DateTimeField("cập nhật", auto_now=True)

    class Meta:
        verbose_name = "đánh giá môn học"
        verbose_name_plural = "đánh giá môn học"
        ordering: ClassVar = ["enrolment_id", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["enrolment", "subject_code"], name="subjecteval_uniq"),
            models.CheckConstraint(
                condition=models.Q(test_score__isnull=True) | models.Q(test_score__lte=10),
                name="subjecteval_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name}: {self.level or '—'}"


class RatingEvaluation(models.Model):
    """A quality (phẩm chất) or competence (năng lực) rating with its comment."""

    class Kind(models.TextChoices):
        QUALITY = "quality", "Phẩm chất"
        COMPETENCE = "competence", "Năng lực"

    enrolment = models.ForeignKey(
        Enrolment, verbose_name="ghi danh", on_delete=models.CASCADE, related_name="ratings"
    )
    kind = models.CharField("loại", max_length=16, choices=Kind.choices)
    code = models.CharField("mã", max_length=32)
    name = models.CharField("tên", max_length=100)
    level = models.CharField("mức", max_length=1, choices=RatingLevel.choices, blank=True)
    comment = models.TextField("nhận xét", blank=True, max_length=2000)
    position = models.PositiveSmallIntegerField("thứ tự", default=0)
    updated_at = models.DateTimeField("cập nhật", auto_now=True)

    class Meta:
        verbose_name = "đánh giá phẩm chất, năng lực"
        verbose_name_plural = "đánh giá phẩm chất, năng lực"
        ordering: ClassVar = ["enrolment_id", "kind", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["enrolment", "kind", "code"], name="ratingeval_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.level or '—'}"


class YearSummary(models.Model):
    """Year-level facts of one enrolment: health, absences and the stated outcomes."""

    enrolment = models.OneToOneField(
        Enrolment, verbose_name="ghi danh", on_delete=models.CASCADE, related_name="summary"
    )
    height_cm = models.PositiveSmallIntegerField("chiều cao (cm)", null=True, blank=True)
    weight_kg = models.DecimalField(
        "cân nặng (kg)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    absences_excused = models.PositiveSmallIntegerField("nghỉ có phép", default=0)
    absences_unexcused = models.PositiveSmallIntegerField("nghỉ không phép", default=0)
    overall_result = models.CharField("kết quả giáo dục", max_length=4, blank=True)
    completion = models.JSONField("hoàn thành chương trình", null=True, blank=True)
    commendations = models.JSONField("khen thưởng", default=list, blank=True)
    supplementary = models.JSONField("đánh giá bổ sung", null=True, blank=True)
    promotion = models.JSONField("quyết định lên lớp", null=True, blank=True)
    place = models.CharField("nơi lập", max_length=100, blank=True)
    dated = models.DateField("ngày lập", null=True, blank=True)
    updated_at = models.DateTimeField("cập nhật", auto_now=True)

    class Meta:
        verbose_name = "tổng hợp cuối năm"
        verbose_name_plural = "tổng hợp cuối năm"

    def __str__(self) -> str:
        return f"Tổng hợp #{self.enrolment_id}"


class RecordVersion(models.Model):
    """One built học bạ document: the canonical JSON and its digest. Never edited once issued."""

    class Status(models.TextChoices):
        """draft → [supplementary →] final (class finalised, PDF rendered) → gvcn_signed → principal_signed →
        issued (school seal applied; immutable) → superseded (by a correction)."""

        DRAFT = "draft", "Bản nháp"
        # Finalised with result "Chưa hoàn thành": not signed until the supplementary assessment
        # (and, if still not met, the principal's decision) is entered (TT27 Art. 11).
        SUPPLEMENTARY = "supplementary", "Chờ đánh giá bổ sung"
        FINAL = "final", "Đã chốt, chờ GVCN ký"
        GVCN_SIGNED = "gvcn_signed", "GVCN đã ký"
        PRINCIPAL_SIGNED = "principal_signed", "Hiệu trưởng đã ký"
        ISSUED = "issued", "Đã ban hành"
        SUPERSEDED = "superseded", "Đã được thay thế"

    # Issued, current or superseded by a correction: authentic, verifiable, downloadable.
    PUBLISHED: ClassVar = (Status.ISSUED, Status.SUPERSEDED)

    enrolment = models.ForeignKey(
        Enrolment, verbose_name="ghi danh", on_delete=models.PROTECT, related_name="records"
    )
    record_id = models.UUIDField("mã học bạ")
    version = models.PositiveSmallIntegerField("phiên bản", default=1)
    digest = models.CharField("mã băm SHA-256", max_length=64)
    canonical = models.BinaryField("dữ liệu chuẩn hóa (RFC 8785)")
    status = models.CharField(
        "trạng thái", max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    overall_result = models.CharField("kết quả giáo dục", max_length=4, blank=True)
    pdf = models.FileField("tệp PDF", upload_to="records/%Y/", blank=True)
    # The XAdES-signed XML form (enveloped, timestamped) signed by the same signers as the PDF;
    # carries the same canonical digest.
    xml = models.FileField("tệp XML", upload_to="records/%Y/", blank=True)
    issued_at = models.DateTimeField("ban hành lúc", null=True, blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    # A correction (version > 1): the reason the principal approved, also in the document.
    correction_reason = models.TextField("lý do điều chỉnh", blank=True)
    # Set when a newer version of the same record is issued (DESIGN principle 2).
    superseded_by = models.ForeignKey(
        "self",
        verbose_name="được thay thế bởi",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
    )
    superseded_at = models.DateTimeField("thay thế lúc", null=True, blank=True)

    class Meta:
        verbose_name = "phiên bản học bạ"
        verbose_name_plural = "phiên bản học bạ"
        ordering: ClassVar = ["enrolment_id", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["record_id", "version"], name="recordversion_uniq"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["digest"], name="recordversion_digest"),
            models.Index(fields=["status"], name="recordversion_status"),
        ]

    def __str__(self) -> str:
        return f"Học bạ {self.record_id} v{self.version}"


class ClassFinalisation(models.Model):
    """The GVCN's finalisation of a class: while locked, working data cannot change (DOMAIN §6)."""

    school_class = models.OneToOneField(
        "directory.SchoolClass",
        verbose_name="lớp",
        on_delete=models.CASCADE,
        related_name="finalisation",
    )
    locked = models.BooleanField("đã khóa", default=True)
    finalised_at = models.DateTimeField("chốt lúc")
    finalised_by = models.ForeignKey(
        "auth.User",
        verbose_name="người chốt",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "chốt dữ liệu lớp"
        verbose_name_plural = "chốt dữ liệu lớp"

    def __str__(self) -> str:
        return f"Chốt lớp #{self.school_class_id}"


class StudentUnlock(models.Model):
    """The principal reopens one student of a finalised class on a written request; closed
    (``relocked_at``) when the GVCN finalises that student again (DOMAIN §6)."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name="học sinh", on_delete=models.CASCADE, related_name="unlocks"
    )
    reason = models.TextField("lý do")
    unlocked_by = models.ForeignKey(
        "auth.User",
        verbose_name="người mở khóa",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unlocked_at = models.DateTimeField("mở khóa lúc")
    relocked_at = models.DateTimeField("chốt lại lúc", null=True, blank=True)

    class Meta:
        verbose_name = "mở khóa học sinh"
        verbose_name_plural = "mở khóa học sinh"
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=models.Q(relocked_at__isnull=True),
                name="studentunlock_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"Mở khóa học sinh #{self.enrolment_id}"


class CorrectionRequest(models.Model):
    """The GVCN asks to correct an issued record; the principal approves (the student's working
    data is unlocked, a new version is built and signed again) or declines (DOMAIN §6)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Chờ hiệu trưởng duyệt"
        APPROVED = "approved", "Đã duyệt, đang điều chỉnh"
        DECLINED = "declined", "Bị từ chối"
        COMPLETED = "completed", "Đã ban hành phiên bản mới"

    OPEN: ClassVar = (Status.REQUESTED, Status.APPROVED)

    enrolment = models.ForeignKey(
        Enrolment, verbose_name="học sinh", on_delete=models.PROTECT, related_name="corrections"
    )
    version = models.ForeignKey(
        RecordVersion,
        verbose_name="phiên bản cần điều chỉnh",
        on_delete=models.PROTECT,
        related_name="correction_requests",
    )
    reason = models.TextField("lý do điều chỉnh")
    status = models.CharField(
        "trạng thái", max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        "auth.User", verbose_name="người đề nghị", null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    requested_at = models.DateTimeField("đề nghị lúc")
    decided_by = models.ForeignKey(
        "auth.User", verbose_name="người duyệt", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField("duyệt lúc", null=True, blank=True)
    decline_reason = models.TextField("lý do từ chối", blank=True)
    new_version = models.ForeignKey(
        RecordVersion,
        verbose_name="phiên bản mới",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "đề nghị điều chỉnh học bạ"
        verbose_name_plural = "đề nghị điều chỉnh học bạ"
        ordering: ClassVar = ["-requested_at"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=models.Q(status__in=["requested", "approved"]),
                name="correction_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"Điều chỉnh học bạ #{self.version_id}"


OUTSTANDING_TITLE = "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện"


class Commendation(models.Model):
    """A commendation proposed for one student and decided by the principal (TT27 Art. 13).

    Only "Học sinh Tiêu biểu…" and ad-hoc commendations are stored here; "Học sinh Xuất sắc" is
    derived from the computed result when the record is built, never stored as a choice.
    Only approved rows go into the record."""

    class Kind(models.TextChoices):
        OUTSTANDING = "hoc_sinh_tieu_bieu", OUTSTANDING_TITLE
        AD_HOC = "dot_xuat", "Khen thưởng đột xuất"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Chờ hiệu trưởng duyệt"
        APPROVED = "approved", "Đã duyệt"
        DECLINED = "declined", "Không duyệt"

    enrolment = models.ForeignKey(
        Enrolment, verbose_name="học sinh", on_delete=models.CASCADE, related_name="commendations"
    )
    kind = models.CharField("loại khen thưởng", max_length=24, choices=Kind.choices)
    title = models.CharField("nội dung khen thưởng", max_length=200)
    reason = models.TextField("lý do đề nghị", max_length=1000)
    status = models.CharField(
        "trạng thái", max_length=12, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        "auth.User", verbose_name="người đề nghị", null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    proposed_at = models.DateTimeField("đề nghị lúc")
    decided_by = models.ForeignKey(
        "auth.User", verbose_name="người quyết định", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField("quyết định lúc", null=True, blank=True)

    class Meta:
        verbose_name = "khen thưởng"
        verbose_name_plural = "khen thưởng"
        ordering: ClassVar = ["enrolment_id", "id"]
        indexes: ClassVar = [models.Index(fields=["status"], name="commendation_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.enrolment_id}"


class IndividualPlan(models.Model):
    """A student with disabilities assessed by an individual education plan (TT27 Art. 8):
    the plan's reference and, per subject, ``mien`` (exempted) or ``theo_ke_hoach``
    (``hocba.spec.PlanSubjectMode``). Carried into the record as ``individual_plan``."""

    enrolment = models.OneToOneField(
        Enrolment, verbose_name="học sinh", on_delete=models.CASCADE, related_name="plan"
    )
    reference = models.CharField("kế hoạch giáo dục cá nhân", max_length=200)
    subjects = models.JSONField("môn học miễn / đánh giá theo kế hoạch", default=list)
    updated_by = models.ForeignKey(
        "auth.User", verbose_name="người ghi", null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField("cập nhật", auto_now=True)

    class Meta:
        verbose_name = "kế hoạch giáo dục cá nhân"
        verbose_name_plural = "kế hoạch giáo dục cá nhân"

    def __str__(self) -> str:
        return f"Kế hoạch giáo dục cá nhân #{self.enrolment_id}"


def exempted_codes(plan: IndividualPlan | None) -> set[str]:
    """Codes of the subjects ``plan`` exempts (TT27 Art. 8): they have no row in the record,
    whatever working data the subject grid still holds for them."""
    if plan is None:
        return set()
    return {e["code"] for e in plan.subjects if e.get("mode") == "mien"}
