"""What a family sees: the issued records of their own children (parent) or their own
(student), and the files to download. Every download is checked by the policy and audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from hocba.apps.accounts import policy
from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.models import FAMILY_ROLES
from hocba.apps.accounts.permissions import Permission
from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import Student
from hocba.apps.records.models import RecordVersion
from hocba.spec import OverallResult

FORMATS = {
    "pdf": "application/pdf",
    "json": "application/json",
    "xml": "application/xml",
}
_RESULT_LABELS = {r.value: r.label_vi for r in OverallResult}


@dataclass
class ChildRecords:
    student: Student
    records: list[RecordVersion] = field(default_factory=list)


def _family_student_ids(user: Any) -> list[int]:
    return [
        g.student_id
        for g in policy.grants_of(user)
        if g.role in FAMILY_ROLES and g.student_id is not None
    ]


def issued_records(user: Any) -> QuerySet[RecordVersion]:
    """Issued versions of the user's own children / own, across years (newest year first,
    newest version first): the current ones and those superseded by a correction."""
    return (
        RecordVersion.objects.filter(
            status__in=RecordVersion.PUBLISHED,
            enrolment__in=policy.enrolments_visible_to(user),
            enrolment__student_id__in=_family_student_ids(user),
        )
        .select_related(
            "enrolment__student",
            "enrolment__school_class__school",
            "enrolment__school_class__school_year",
            "superseded_by",
        )
        .order_by(
            "enrolment__student__full_name",
            "-enrolment__school_class__school_year__code",
            "record_id",
            "-version",
        )
    )


def records_by_child(user: Any) -> list[ChildRecords]:
    """Each child (or the student themself) with their current issued records, each with its
    older versions (``.older``: superseded, with the reason, still downloadable); ``NotAllowed``
    (404) for a user with no family grant: the portal is not a staff page."""
    students = _family_student_ids(user)
    if not students:
        raise NotAllowed("Không tìm thấy trang.", detail="no family grant")
    children: dict[int, ChildRecords] = {}
    for student in Student.objects.filter(pk__in=students).order_by("full_name"):
        children[student.pk] = ChildRecords(student)
    current: dict[Any, RecordVersion] = {}
    for version in issued_records(user):  # newest version of each record first
        version.result_label = _RESULT_LABELS.get(version.overall_result, "")  # type: ignore[attr-defined]
        version.older = []  # type: ignore[attr-defined]
        newest = current.get(version.record_id)
        if newest is None:
            current[version.record_id] = version
            children[version.enrolment.student_id].records.append(version)
        else:
            newest.older.append(version)  # type: ignore[attr-defined]
    return list(children.values())


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    content: bytes


def _not_found(detail: str) -> NotAllowed:
    return NotAllowed("Không tìm thấy học bạ.", detail=detail)


@transaction.atomic
def download(user: Any, version_pk: int, fmt: str) -> Download:
    """One issued record as PDF, JSON or XML, if the policy lets ``user`` view it."""
    if fmt not in FORMATS:
        raise _not_found(f"unknown format {fmt!r}")
    version = (
        RecordVersion.objects.select_related(
            "enrolment__student", "enrolment__school_class__school__org_unit"
        )
        .filter(pk=version_pk, status__in=RecordVersion.PUBLISHED)
        .first()
    )
    if version is None:
        raise _not_found(f"no issued record version {version_pk}")
    policy.require(user, Permission.STUDENT_RECORD_VIEW, version.enrolment)
    if fmt == "pdf":
        if not version.pdf:
            raise _not_found(f"record version {version_pk} has no PDF")
        with version.pdf.open("rb") as f:
            content = f.read()
    elif fmt == "json":
        content = bytes(version.canonical)
    else:
        from hocba.apps.signing.services import signed_xml

        content = signed_xml(version)
    audit.record(
        EventTag.RECORD_VIEWED,
        actor=user,
        subject=version,
        scope_path=version.enrolment.school_class.school.org_unit.path,
        data={"format": fmt, "channel": "portal"},
    )
    name = f"hocba-{version.enrolment.student.student_code}-{version.record_id}-v{version.version}"
    return Download(f"{name}.{fmt}", FORMATS[fmt], content)
