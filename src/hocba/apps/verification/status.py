"""The status of issued record versions, as ``hocba.verify.status`` reads it: the JSON of the
status endpoint (one version, found by its QR code) and the exported status list."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from hocba.apps.records.models import RecordVersion
from hocba.apps.verification.services import CodeStatus, lookup_code
from hocba.verify.status import STATUS, VersionStatus, status_list_document


def version_status(version: RecordVersion) -> VersionStatus:
    newer = version.superseded_by
    return VersionStatus(
        record_id=str(version.record_id),
        version=version.version,
        digest=version.digest,
        status=version.status,
        superseded_by=newer.version if newer else None,
        superseded_at=version.superseded_at.isoformat() if version.superseded_at else None,
        superseded_reason=(newer.correction_reason or None) if newer else None,
    )


def published(school_code: str | None = None) -> QuerySet[RecordVersion]:
    versions = RecordVersion.objects.filter(status__in=RecordVersion.PUBLISHED)
    if school_code:
        versions = versions.filter(enrolment__school_class__school__school_code=school_code)
    return versions.select_related("superseded_by").order_by("record_id", "version")


def status_list(school_code: str | None = None) -> dict[str, Any]:
    """Every issued and superseded version (of one school, or of this instance)."""
    entries = [version_status(v) for v in published(school_code).iterator(chunk_size=2000)]
    return status_list_document(entries, timezone.now().isoformat())


def status_answer(text: str) -> dict[str, Any]:
    """The endpoint's JSON for a typed code: what the public page says, as data."""
    result = lookup_code(text)
    answer: dict[str, Any] = {"format": STATUS, "status": result.status.value}
    code = result.code
    if code is not None:
        answer.update(
            record_id=str(code.record_id) if code.record_id is not None else None,
            version=result.version if result.version is not None else code.version,
            digest=code.digest,
        )
    if result.status is CodeStatus.SUPERSEDED and result.superseded is not None:
        answer.update(
            superseded_by=result.superseded.version,
            superseded_at=result.superseded.at.isoformat() if result.superseded.at else None,
            superseded_reason=result.superseded.reason or None,
        )
    return answer
