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


class SignerKey(models.Model):
    """Where one signer's key is (DOMAIN §1): the school seal, the principal, or a GVCN of one
    school. Holds no secret: ``secret_ref`` says where the worker reads it (``env:NAME``,
    ``file:/path``), or ``pin_at_batch`` has the signer type it for each batch (kept in
    memory only). A row with no ``user`` is the school's default for that role."""

    class Role(models.TextChoices):
        GVCN = "gvcn", "Giáo viên chủ nhiệm"
        PRINCIPAL = "principal", "Hiệu trưởng"
        SEAL = "seal", "Con dấu số của nhà trường"

    class Kind(models.TextChoices):
        PKCS12 = "pkcs12", "Tệp khoá PKCS#12 (.p12/.pfx)"
        PKCS11 = "pkcs11", "Token/HSM PKCS#11 (USB token)"
        CSC = "csc", "Dịch vụ ký số từ xa (CSC)"
        GATEWAY = "gateway", "Dịch vụ ký xác nhận qua điện thoại"

    school = models.ForeignKey(
        School, verbose_name="trường", on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField("người ký", max_length=16, choices=Role.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="tài khoản người ký",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Để trống: mặc định của trường cho vai trò này.",
    )
    kind = models.CharField("loại khoá", max_length=16, choices=Kind.choices)
    location = models.CharField(
        "vị trí",
        max_length=500,
        blank=True,
        help_text="PKCS#12: đường dẫn tệp .p12; PKCS#11: đường dẫn mô-đun (.so, để trống: "
        "SoftHSM2); CSC/điện thoại: địa chỉ dịch vụ (https://…).",
    )
    identifier = models.CharField(
        "mã định danh",
        max_length=200,
        blank=True,
        help_text="PKCS#11: nhãn token; CSC: mã chứng thư (credential ID); điện thoại: mã "
        "người ký tại dịch vụ.",
    )
    key_label = models.CharField("nhãn khoá (PKCS#11)", max_length=200, blank=True)
    cert_label = models.CharField("nhãn chứng thư (PKCS#11)", max_length=200, blank=True)
    secret_ref = models.CharField(
        "nơi lấy mật khẩu/PIN",
        max_length=300,
        blank=True,
        help_text="env:TEN_BIEN (biến môi trường của worker) hoặc file:/đường/dẫn (tệp chỉ "
        "tài khoản dịch vụ đọc được). Không bao giờ ghi mật khẩu/PIN vào đây.",
    )
    token_env = models.CharField(
        "biến môi trường chứa token truy cập (CSC/điện thoại)", max_length=100, blank=True
    )
    pin_at_batch = models.BooleanField(
        "người ký nhập PIN mỗi lượt ký",
        default=False,
        help_text="PIN nhập trên trang ký, chỉ giữ trong bộ nhớ khi lượt ký chạy.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người cập nhật",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("cập nhật", auto_now=True)

    class Meta:
        verbose_name = "khoá ký"
        verbose_name_plural = "khoá ký"
        ordering: ClassVar = ["school_id", "role", "user_id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["school", "role", "user"], name="signerkey_uniq_user"),
            models.UniqueConstraint(
                fields=["school", "role"],
                condition=models.Q(user__isnull=True),
                name="signerkey_uniq_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.get_kind_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from hocba.errors import HocbaError

        try:
            self.spec()
        except HocbaError as exc:
            raise ValidationError({"secret_ref": exc.message_vi}) from exc

    def spec(self):  # type: ignore[no-untyped-def]
        """The pipeline's ``SignerSpec`` (raises ``KeyLoadError`` on a malformed entry)."""
        from hocba.signing.backends_config import SignerSpec

        return SignerSpec(
            kind=self.kind,
            location=self.location.strip(),
            identifier=self.identifier.strip(),
            key_label=self.key_label.strip(),
            cert_label=self.cert_label.strip(),
            secret_ref=self.secret_ref.strip(),
            token_env=self.token_env.strip(),
            pin_at_batch=self.pin_at_batch,
        )
