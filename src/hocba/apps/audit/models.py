"""Audit rows: each holds the hash of the previous row, so any edit, deletion or reordering
breaks the chain (``hocba audit verify``). ``hash_version`` says which formula hashed the row
(``chain.py``: v1 left ``actor_label`` out; v2 covers every column). Signed checkpoints of the
head, outside the database, catch rows cut off the end (``checkpoints.py``)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField("số thứ tự", unique=True)
    at = models.DateTimeField("thời điểm")
    tag = models.CharField("sự kiện", max_length=64)
    actor_id = models.BigIntegerField("người thực hiện (id)", null=True, blank=True)
    actor_label = models.CharField("người thực hiện", max_length=150, blank=True)
    subject_type = models.CharField("đối tượng", max_length=64, blank=True)
    subject_id = models.CharField("mã đối tượng", max_length=64, blank=True)
    scope_path = models.CharField("phạm vi (cây đơn vị)", max_length=255, blank=True, db_index=True)
    data = models.JSONField("dữ liệu", default=dict)
    prev_hash = models.CharField("mã băm dòng trước", max_length=64)
    hash = models.CharField("mã băm", max_length=64)
    # No default: every writer names the formula it hashed with (``chain.CURRENT_VERSION``).
    hash_version = models.PositiveSmallIntegerField("phiên bản công thức băm")

    class Meta:
        verbose_name = "sự kiện nhật ký"
        verbose_name_plural = "nhật ký"
        ordering: ClassVar = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.tag}"
