"""Per-school API tokens: a short public prefix to find the row and the SHA-256 of the secret.

Secrets are 32 random bytes, so a fast hash is enough (no dictionary to attack); the raw token
is shown once at creation and never stored or logged."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from hocba.apps.directory.models import School


class ApiToken(models.Model):
    school = models.ForeignKey(
        School, verbose_name="trường", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("tên (phần mềm sử dụng)", max_length=100)
    prefix = models.CharField("tiền tố công khai", max_length=16, unique=True)
    secret_sha256 = models.CharField("SHA-256 của khóa bí mật", max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người tạo",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)
    last_used_at = models.DateTimeField("dùng lần cuối", null=True, blank=True)

    class Meta:
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"
        ordering: ClassVar = ["school_id", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
