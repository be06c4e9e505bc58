"""API use cases that write: token lifecycle (create, revoke, authenticate) and audited record
downloads. Upserts of roster and evaluations go through ``hocba.apps.api.upsert``.

A token reads ``hocba_<prefix>_<secret>``: the prefix (12 hex digits) finds the row, the
secret (32 random bytes, URL-safe base64) is compared by its SHA-256 in constant time. The
raw token exists only in the return value of ``create_token``; never log it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from hocba.apps.accounts import policy
from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.permissions import Permission
from hocba.apps.accounts.policy import SchoolAgent
from hocba.apps.api.models import ApiToken
from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import School
from hocba.apps.records.models import RecordVersion
from hocba.errors import HocbaError
from hocba.spec import load_record

SCHEME = "hocba"
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is refreshed at most this often
FORMATS = {"pdf": "application/pdf", "json": "application/json", "xml": "application/xml"}


class TokenRefused(HocbaError):
    code = "api.token_refused"


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def managed_school(user: Any, school_id: int) -> School:
    """The school whose tokens ``user`` manages (principal, system admin); 404 otherwise."""
    school = School.objects.select_related("org_unit").filter(pk=school_id).first()
    if school is None:
        raise NotAllowed("Không tìm thấy trường.", detail=f"no school {school_id}")
    policy.require(user, Permission.SCHOOL_API_TOKEN_MANAGE, school)
    return school


def tokens_of(school: School) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(school=school).select_related("created_by")


@transaction.atomic
def create_token(school: School, name: str, *, actor: Any = None) -> tuple[ApiToken, str]:
    """A new token for ``school``; returns the row and the raw token (shown once)."""
    name = " ".join(name.split())
    if not name:
        raise TokenRefused("Hãy đặt tên cho mã truy cập (ví dụ tên phần mềm).", detail="no name")
    if len(name) > 100:
        raise TokenRefused("Tên mã truy cập dài quá 100 ký tự.", detail="name too long")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        school=school,
        name=name,
        prefix=prefix,
        secret_sha256=_sha256(secret),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        EventTag.API_TOKEN_CREATED,
        actor=actor,
        subject=token,
        scope_path=school.org_unit.path,
        data={"prefix": prefix, "name": name},
    )
    return token, f"{SCHEME}_{prefix}_{secret}"


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: Any = None) -> bool:
    """Revoke ``token``; False (and nothing written) when it was already revoked."""
    locked = (
        ApiToken.objects.select_for_update().select_related("school__org_unit").get(pk=token.pk)
    )
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    token.revoked_at = locked.revoked_at
    audit.record(
        EventTag.API_TOKEN_REVOKED,
        actor=actor,
        subject=locked,
        scope_path=locked.school.org_unit.path,
        data={"prefix": locked.prefix},
    )
    return True


def authenticate(raw: str) -> SchoolAgent | None:
    """The agent of a valid, unrevoked token; None for anything else (same answer for an
    unknown prefix, a wrong secret and a revoked token)."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != SCHEME or not parts[1] or not parts[2]:
        return None
    token = (
        ApiToken.objects.select_related("school__org_unit")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    digest = _sha256(parts[2])
    if token is None:
        hmac.compare_digest(digest, digest)  # same work whether or not the prefix exists
        return None
    if not hmac.compare_digest(digest, token.secret_sha256):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return SchoolAgent(school=token.school, label=f"api:{token.prefix}")


def _not_found(detail: str) -> NotAllowed:
    return NotAllowed("Không tìm thấy học bạ.", detail=detail)


def issued_version(agent: SchoolAgent, version_id: int) -> RecordVersion:
    """One issued record version (current or superseded) the agent may view; 404
    (``NotAllowed``) otherwise."""
    version = (
        RecordVersion.objects.select_related(
            "enrolment__student", "enrolment__school_class__school__org_unit", "superseded_by"
        )
        .filter(pk=version_id, status__in=RecordVersion.PUBLISHED)
        .first()
    )
    if version is None:
        raise _not_found(f"no issued record version {version_id}")
    policy.require(agent, Permission.STUDENT_RECORD_VIEW, version.enrolment)
    return version


def _signed_xml(version: RecordVersion) -> bytes | None:
    if not version.xml:
        return None
    with version.xml.open("rb") as f:
        return bytes(f.read())


@transaction.atomic
def record_file(agent: SchoolAgent, version_id: int, fmt: str) -> tuple[str, str, bytes]:
    """An issued record as PDF (the signed file), JSON (canonical) or XML (the signed XML when
    stored, else the XML form of the canonical record): (file name, content type, bytes).
    Every download is audited (``record:version:viewed``, channel ``api``)."""
    if fmt not in FORMATS:
        raise _not_found(f"unknown format {fmt!r}")
    version = issued_version(agent, version_id)
    if fmt == "pdf":
        if not version.pdf:
            raise _not_found(f"record version {version_id} has no PDF")
        with version.pdf.open("rb") as f:
            data = bytes(f.read())
    elif fmt == "json":
        data = bytes(version.canonical)
    else:
        signed = _signed_xml(version)
        if signed is None:
            from hocba.spec.xml import to_xml

            signed = to_xml(load_record(bytes(version.canonical)))
        data = signed
    audit.record(
        EventTag.RECORD_VIEWED,
        actor=agent,
        subject=version,
        scope_path=version.enrolment.school_class.school.org_unit.path,
        data={"format": fmt, "version": version.version, "channel": "api"},
    )
    name = f"hoc-ba-{version.enrolment.student.student_code}-{version.version}.{fmt}"
    return name, FORMATS[fmt], data
