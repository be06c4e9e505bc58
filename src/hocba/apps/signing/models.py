"""Signing batches and their per-record state, so a batch is resumable and idempotent."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from hocba.apps.directory.models import School, SchoolClass
from hocba.apps.records.models import RecordVersion


class SigningBatch(models.Model):
    """One signing action of one person over a class or a whole school."""

    class Stage(models.TextChoices):
        GVCN = "gvcn", "GVCN ký"
        PRINCIPAL_SEAL = "principal_seal", "Hiệu trưởng ký và đóng dấu"

    class Status(models.TextChoices):
        QUEUED = "queued", "Đang chờ"
        RUNNING = "running", "Đang ký"
        DONE = "done", "Hoàn tất"
        FAILED = "failed", "Có lỗi"

    school = models.ForeignKey(
        School, verbose_name="trường", on_delete=models.PROTECT, related_name="+"
    )
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name="lớp",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    stage = models.CharField("bước ký", max_length=16, choices=Stage.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người yêu cầu",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        "trạng thái", max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField("tổng số", default=0)
    done_count = models.PositiveIntegerField("đã xong", default=0)
    failed_count = models.PositiveIntegerField("lỗi", default=0)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    finished_at = models.DateTimeField("xong lúc", null=True, blank=True)

    class Meta:
        verbose_name = "lượt ký"
        verbose_name_plural = "lượt ký"
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Lượt ký #{self.pk} ({self.stage})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100
        return round(100 * (self.done_count + self.failed_count) / self.total)


class SigningItem(models.Model):
    """One record in one batch: pending until signed (or skipped: already past the stage)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Chờ ký"
        DONE = "done", "Đã ký"
        FAILED = "failed", "Lỗi"

    batch = models.ForeignKey(
        SigningBatch, verbose_name="lượt ký", on_delete=models.CASCADE, related_name="items"
    )
    record_version = models.ForeignKey(
        RecordVersion,
        verbose_name="phiên bản học bạ",
        on_delete=models.PROTECT,
        related_name="signing_items",
    )
    status = models.CharField(
        "trạng thái", max_length=16, choices=Status.choices, default=Status.PENDING
    )
    signatures = models.PositiveSmallIntegerField("số chữ ký đã thêm", default=0)
    error_code = models.CharField("mã lỗi", max_length=64, blank=True)
    error_message = models.CharField("lỗi", max_length=500, blank=True)
    verdict = models.CharField("kết quả xác minh", max_length=16, blank=True)
    updated_at = models.DateTimeField("cập nhật", auto_now=True)

    class Meta:
        verbose_name = "học bạ trong lượt ký"
        verbose_name_plural = "học bạ trong lượt ký"
        ordering: ClassVar = ["batch_id", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["batch", "record_version"], name="signingitem_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.record_version_id} trong lượt #{self.batch_id}"
