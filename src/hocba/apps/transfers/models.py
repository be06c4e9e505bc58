"""Transfers in: the verified package as received, and each record it carried (DOMAIN §6).

Received records are kept apart from ``records.RecordVersion`` (which belong to enrolments of
this school and drive its workflow): they are issued elsewhere, immutable, and visible to
whoever may view the student's record at this school (policy on the transferred-in
enrolment).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from hocba.apps.directory.models import Enrolment, School, Student


class Transfer(models.Model):
    """One package taken in by a receiving school: the manifest and seal signature as sent."""

    school = models.ForeignKey(
        School, verbose_name="trường nhận", on_delete=models.PROTECT, related_name="transfers_in"
    )
    student = models.ForeignKey(
        Student, verbose_name="học sinh", on_delete=models.PROTECT, related_name="transfers_in"
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name="ghi danh chuyển đến", on_delete=models.PROTECT,
        related_name="transfers_in",
    )  # fmt: skip
    source_school_code = models.CharField("mã trường chuyển đi", max_length=32)
    source_school_name = models.CharField("trường chuyển đi", max_length=200)
    seal_signer = models.CharField("con dấu số ký gói", max_length=200)
    manifest = models.BinaryField("manifest.json")
    signature = models.BinaryField("chữ ký của gói (CMS)")
    manifest_sha256 = models.CharField("SHA-256 của manifest", max_length=64)
    imported_at = models.DateTimeField("nhận lúc", auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người nhận", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = "hồ sơ chuyển đến"
        verbose_name_plural = "hồ sơ chuyển đến"
        ordering: ClassVar = ["-imported_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["school", "manifest_sha256"], name="transfer_package_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Chuyển đến #{self.pk} từ {self.source_school_code}"


class ReceivedRecord(models.Model):
    """An issued học bạ of an earlier school, exactly as verified on arrival."""

    transfer = models.ForeignKey(
        Transfer, verbose_name="hồ sơ chuyển đến", on_delete=models.PROTECT,
        related_name="records",
    )  # fmt: skip
    student = models.ForeignKey(
        Student, verbose_name="học sinh", on_delete=models.PROTECT, related_name="received_records"
    )
    record_id = models.UUIDField("mã học bạ")
    version = models.PositiveSmallIntegerField("phiên bản")
    school_year = models.CharField("năm học", max_length=9)
    grade = models.PositiveSmallIntegerField("khối")
    school_code = models.CharField("mã trường cấp", max_length=32)
    school_name = models.CharField("trường cấp", max_length=200)
    status = models.CharField("trạng thái khi chuyển", max_length=16)
    digest = models.CharField("mã băm SHA-256", max_length=64)
    canonical = models.BinaryField("dữ liệu chuẩn hóa (RFC 8785)")
    pdf = models.FileField("tệp PDF", upload_to="transfers/%Y/")
    xml = models.FileField("tệp XML", upload_to="transfers/%Y/")
    xml_signed = models.BooleanField("XML có chữ ký XAdES", default=False)

    class Meta:
        verbose_name = "học bạ chuyển đến"
        verbose_name_plural = "học bạ chuyển đến"
        ordering: ClassVar = ["student_id", "school_year", "version"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["student", "record_id", "version"], name="receivedrecord_uniq"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["digest"], name="receivedrecord_digest")]

    def __str__(self) -> str:
        return f"Học bạ {self.school_year} ({self.school_name})"
