"""Audit rows as people read them: who (full name, or the API token), did what (the tag's
label), to which student/class/school, with the data as Vietnamese key/values.

``describe(events)`` resolves every actor, subject and id in the data with one query per kind
of object, whatever the number of rows (no query per row). Personal ID numbers are never
read nor shown; rows hold ids, names come from the directory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from hocba.apps.api.models import ApiToken
from hocba.apps.audit.labels import (
    COUNT_LABELS,
    FIELD_LABELS,
    HIDDEN_KEYS,
    KEY_LABELS,
    VALUE_LABELS,
    tag_label,
)
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import Enrolment, School, SchoolClass, SchoolYear, Staff, Student
from hocba.apps.records.models import (
    RatingEvaluation,
    RecordVersion,
    SubjectEvaluation,
    YearSummary,
)
from hocba.apps.signing.models import SignerKey, SigningBatch
from hocba.apps.transfers.models import ReceivedRecord

API_PREFIX = "api:"
GONE = "(không còn trong hệ thống)"


@dataclass(frozen=True)
class EventRow:
    """One audit row, ready to show or export."""

    seq: int
    at: datetime
    tag: str
    action: str
    actor: str
    subject: str
    school: str
    details: tuple[tuple[str, str], ...]

    @property
    def details_text(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.details)


# --- how each kind of object reads ----------------------------------------------------------


def _class_text(cls: SchoolClass) -> str:
    return f"Lớp {cls.name}, năm học {cls.school_year.code}"


def _student_text(student: Student) -> str:
    return f"{student.full_name} ({student.student_code})"


def _enrolment_text(e: Enrolment) -> str:
    return (
        f"{_student_text(e.student)}, lớp {e.school_class.name} ({e.school_class.school_year.code})"
    )


def _user_name(user: Any) -> str:
    return user.get_full_name() or user.username


def _version_text(v: RecordVersion) -> str:
    year = v.enrolment.school_class.school_year.code
    return f"Học bạ năm học {year} (phiên bản {v.version}) — {_enrolment_text(v.enrolment)}"


def _batch_text(b: SigningBatch) -> str:
    where = f"lớp {b.school_class.name}" if b.school_class is not None else "toàn trường"
    return f"Lượt ký #{b.pk} — {b.get_stage_display()}, {where}"


def _key_text(k: SignerKey) -> str:
    owner = f" của {_user_name(k.user)}" if k.user is not None else " (mặc định của trường)"
    return f"Khoá ký: {k.get_role_display()}{owner}"


def _received_text(r: ReceivedRecord) -> str:
    return (
        f"Học bạ chuyển đến năm học {r.school_year} (phiên bản {r.version}) — "
        f"{_student_text(r.student)}, từ {r.school_name}"
    )


def _students() -> Any:
    """Students with their enrolments, latest year first (two queries for any number)."""
    latest = Enrolment.objects.select_related(
        "school_class__school_year", "school_class__school"
    ).order_by("-school_class__school_year__code", "-enrolled_on")
    return Student.objects.prefetch_related(Prefetch("enrolments", queryset=latest))


def _student_with_class(student: Student) -> str:
    enrolments = list(student.enrolments.all())
    if not enrolments:
        return _student_text(student)
    cls = enrolments[0].school_class
    return f"{_student_text(student)}, lớp {cls.name} ({cls.school_year.code})"


def _latest_school(student: Student) -> School | None:
    enrolments = list(student.enrolments.all())
    return enrolments[0].school_class.school if enrolments else None


_ENROLMENT = ("enrolment__student", "enrolment__school_class__school_year")
_ENROLMENT_SCHOOL = "enrolment__school_class__school"

# subject_type -> (queryset, how it reads, its school or None)
_Kind = tuple[Callable[[], Any], Callable[[Any], str], Callable[[Any], School | None]]
SUBJECTS: Mapping[str, _Kind] = {
    "School": (lambda: School.objects.all(), lambda s: s.name, lambda s: s),
    "SchoolYear": (
        lambda: SchoolYear.objects.all(), lambda y: f"Năm học {y.code}", lambda y: None,
    ),
    "SchoolClass": (
        lambda: SchoolClass.objects.select_related("school_year", "school"),
        _class_text, lambda c: c.school,
    ),
    "Student": (_students, _student_with_class, _latest_school),
    "Enrolment": (
        lambda: Enrolment.objects.select_related(
            "student", "school_class__school_year", "school_class__school"
        ),
        _enrolment_text, lambda e: e.school_class.school,
    ),
    "RecordVersion": (
        lambda: RecordVersion.objects.select_related(*_ENROLMENT, _ENROLMENT_SCHOOL).defer(
            "canonical"
        ),
        _version_text, lambda v: v.enrolment.school_class.school,
    ),
    "SubjectEvaluation": (
        lambda: SubjectEvaluation.objects.select_related(*_ENROLMENT, _ENROLMENT_SCHOOL),
        lambda x: f"Môn {x.subject_name} — {_enrolment_text(x.enrolment)}",
        lambda x: x.enrolment.school_class.school,
    ),
    "RatingEvaluation": (
        lambda: RatingEvaluation.objects.select_related(*_ENROLMENT, _ENROLMENT_SCHOOL),
        lambda x: f"{x.get_kind_display()} «{x.name}» — {_enrolment_text(x.enrolment)}",
        lambda x: x.enrolment.school_class.school,
    ),
    "YearSummary": (
        lambda: YearSummary.objects.select_related(*_ENROLMENT, _ENROLMENT_SCHOOL),
        lambda x: f"Tổng hợp cuối năm — {_enrolment_text(x.enrolment)}",
        lambda x: x.enrolment.school_class.school,
    ),
    "SigningBatch": (
        lambda: SigningBatch.objects.select_related("school", "school_class"),
        _batch_text, lambda b: b.school,
    ),
    "SignerKey": (
        lambda: SignerKey.objects.select_related("school", "user"), _key_text, lambda k: k.school,
    ),
    "ApiToken": (
        lambda: ApiToken.objects.select_related("school"),
        lambda t: f"Mã API «{t.name}» ({t.prefix})", lambda t: t.school,
    ),
    "User": (lambda: get_user_model().objects.all(), lambda u: f"Tài khoản {_user_name(u)}",
             lambda u: None),
    "ReceivedRecord": (
        lambda: ReceivedRecord.objects.select_related("student").defer("canonical"),
        _received_text, lambda r: None,
    ),
}  # fmt: skip

# data keys holding the id of an object: key -> subject_type
DATA_REFS: Mapping[str, str] = {
    "class": "SchoolClass",
    "class_id": "SchoolClass",
    "classes": "SchoolClass",
    "enrolment": "Enrolment",
    "school": "School",
    "staff": "Staff",
    "student": "Student",
    "user_id": "User",
}
_REF_KINDS: Mapping[str, _Kind] = {
    **SUBJECTS,
    "Staff": (lambda: Staff.objects.all(), lambda s: s.full_name, lambda s: None),
    "SchoolClass": (
        lambda: SchoolClass.objects.select_related("school_year"),
        _class_text,
        lambda c: None,
    ),
    "User": (lambda: get_user_model().objects.all(), _user_name, lambda u: None),
}


# --- bulk resolution --------------------------------------------------------------------------


def _ints(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _load(kinds: Mapping[str, _Kind], wanted: Mapping[str, set[int]]) -> dict[str, dict[int, Any]]:
    """One query per kind of object: ``{kind: {pk: object}}``."""
    return {
        kind: kinds[kind][0]().in_bulk(sorted(ids)) if ids else {}
        for kind, ids in wanted.items()
        if kind in kinds
    }


def _actors(events: Sequence[AuditEvent]) -> dict[str, str]:
    """Display names of actors, keyed ``"u<id>"`` for users and by label for API tokens."""
    user_ids = {e.actor_id for e in events if e.actor_id is not None}
    prefixes = {
        e.actor_label[len(API_PREFIX) :]
        for e in events
        if e.actor_id is None and e.actor_label.startswith(API_PREFIX)
    }
    out: dict[str, str] = {}
    if user_ids:
        for user in get_user_model().objects.filter(pk__in=user_ids):
            out[f"u{user.pk}"] = _user_name(user)
    if prefixes:
        for token in ApiToken.objects.filter(prefix__in=prefixes):
            out[f"{API_PREFIX}{token.prefix}"] = f"Mã API «{token.name}» ({token.prefix})"
    return out


def _actor(event: AuditEvent, names: Mapping[str, str]) -> str:
    if event.actor_id is not None:
        return names.get(f"u{event.actor_id}", event.actor_label or GONE)
    if event.actor_label.startswith(API_PREFIX):
        prefix = event.actor_label[len(API_PREFIX) :]
        return names.get(event.actor_label, f"Mã API {prefix}")
    if event.tag == EventTag.ACCOUNT_LOGIN_FAILED:
        return "Không rõ (tên đăng nhập không được ghi lại)"
    return event.actor_label or "Hệ thống"


def _value(key: str, value: Any, refs: Mapping[str, dict[int, Any]]) -> str:
    if key in DATA_REFS:
        kind = DATA_REFS[key]
        found = refs.get(kind, {})
        text = _REF_KINDS[kind][1]
        names = [text(found[i]) if i in found else f"#{i} {GONE}" for i in _ints(value)]
        return ", ".join(names) or "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if value is None or value == "":
        return "—"
    if key in ("before", "after") and isinstance(value, dict):
        return ", ".join(f"{FIELD_LABELS.get(f, f)}: {_plain(v)}" for f, v in value.items())
    if key == "fields" and isinstance(value, list):
        return ", ".join(FIELD_LABELS.get(f, str(f)) for f in value)
    if key in ("created", "updated", "unchanged") and isinstance(value, dict):
        return ", ".join(f"{COUNT_LABELS.get(k, k)}: {n}" for k, n in value.items()) or "0"
    if isinstance(value, list):
        return str(len(value))
    if key in ("digest", "manifest_sha256") and isinstance(value, str):
        return value[:12] + "…"
    if key in ("batch_id", "grant", "transfer", "record_version"):
        return f"#{value}"
    return VALUE_LABELS.get(key, {}).get(str(value), _plain(value))


def _plain(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    return str(value)


def _details(
    data: Mapping[str, Any], refs: Mapping[str, dict[int, Any]], subject: str
) -> tuple[tuple[str, str], ...]:
    """Key/values, without personal ID numbers and without the ids that only name the
    row's subject again (the class of "Tạo lớp", the student of an enrolment)."""
    out = []
    for key, value in data.items():
        if key in HIDDEN_KEYS:
            continue
        text = _value(key, value, refs)
        if key in DATA_REFS and text in subject:
            continue
        out.append((KEY_LABELS.get(key, key), text))
    return tuple(out)


def describe(events: Iterable[AuditEvent]) -> list[EventRow]:
    """The rows in the given order, every name resolved in bulk."""
    events = list(events)
    wanted: dict[str, set[int]] = defaultdict(set)
    for e in events:
        if e.subject_type in SUBJECTS and e.subject_id.isdigit():
            wanted[e.subject_type].add(int(e.subject_id))
    subjects = _load(SUBJECTS, wanted)
    data_wanted: dict[str, set[int]] = defaultdict(set)
    for e in events:
        for key, value in (e.data or {}).items():
            if key in DATA_REFS:
                data_wanted[DATA_REFS[key]].update(_ints(value))
    refs = _load(_REF_KINDS, data_wanted)
    names = _actors(events)
    rows = []
    for e in events:
        subject, school = _subject(e, subjects)
        rows.append(
            EventRow(
                seq=e.seq,
                at=e.at,
                tag=e.tag,
                action=tag_label(e.tag),
                actor=_actor(e, names),
                subject=subject,
                school=school,
                details=_details(e.data or {}, refs, subject),
            )
        )
    return rows


def _subject(event: AuditEvent, subjects: Mapping[str, dict[int, Any]]) -> tuple[str, str]:
    if not event.subject_type:
        return "—", ""
    kind = SUBJECTS.get(event.subject_type)
    found = subjects.get(event.subject_type, {})
    pk = int(event.subject_id) if event.subject_id.isdigit() else None
    if kind is None or pk not in found:
        return GONE, ""
    obj = found[pk]
    school = kind[2](obj)
    return kind[1](obj), school.name if school is not None else ""
