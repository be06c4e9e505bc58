"""The cross-tenant matrix: school B's people against school A's objects (issue #11).

One instance serves a whole province, so the wall between schools is the security model. The
world: two demo schools, A and B, in two wards (communes) of one department. The actors of B
(principal, vice-principal, GVCN, subject teacher, parent, student; the officer of B's ward;
B's API token for ``/api/v1``) try every URL and every API operation that takes an id or a
code with school A's objects (school, class, enrolment, student, student code, record
version, signing batch, signer key, API token, transfer, received record), reading AND
writing, and again with an id or code that does not exist. Both answers must be EXACTLY the
same (status, redirect target, form and flash messages, the API's error body), and nothing
may be written: every table's content and the audit log are compared before and after.
The officers above A (ministry, department, A's ward) see A but are read-only: they join every
write row. Pages without an id (lists, home, B's own pages) must not show anything of A.

A URL or an API operation without a row fails ``test_every_url_has_a_row`` /
``test_every_api_operation_has_a_row``: a new page is in the matrix from its first commit.

One exception to "the same answer as nothing", by necessity: in a roster (the xlsx import and
``PUT /api/v1/classes/<id>/roster``) a code nobody has CREATES a student, and student codes are
unique in the instance, so a code that is taken cannot get that answer. Those rows compare A's
code with the code of a student of a third school C instead (``World.elsewhere``): the answer
says only that the code is taken — never whose, never a name — and writes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from hocba.apps.accounts.models import Role
from hocba.apps.accounts.services import create_user
from hocba.apps.directory.models import Enrolment, School, SchoolClass, Staff, Student
from hocba.apps.records.demo import load_demo_province
from hocba.apps.records.models import RecordVersion
from hocba.demo.generate import demo_school, demo_second_school

MISSING_ID = 987654
MISSING_CODE = "KHONGCO99999"
MISSING_LEFT_CODE = "KHONGCO88888"
B_ACTORS = ("principal_b", "vice_b", "gvcn_b", "teacher_b", "parent_b", "student_b", "local_b")
OFFICERS_OF_A = ("ministry", "department", "local_a")  # see A, never write
NOT_COMPARED = {"sessions.Session"}  # logins of the actors, not data


@dataclass(frozen=True)
class Target:
    """The ids and codes a row aims at: school A's objects, or ones that do not exist."""

    school: int
    cls: int
    enrolment: int
    student: int
    student_code: str
    version: int
    batch: int
    key: int
    token: int
    received: int
    staff: int
    left_code: str
    commendation: int = MISSING_ID  # a commendation proposed for A's student
    correction: int = MISSING_ID  # a correction requested for A's issued record
    """A student of A who left during the year (no open enrolment) with an issued record."""


@dataclass
class World:
    a: Target
    missing: Target
    elsewhere: Target
    """Codes of a student of a third school C (a roster naming a code nobody has creates a
    student, so a taken code cannot get that answer: it must get the same answer whichever
    school owns it — A or C — and never say whose it is)."""
    b_school: int
    b_class: int
    b_enrolment: int
    b_student_code: str
    a_markers: list[str]
    clients: dict[str, Client]
    b_token: str
    a_scope: str
    year: int


# --- the world: built once per module, rolled back at its end --------------------------------


def _issue(cls: SchoolClass) -> RecordVersion:
    versions = list(RecordVersion.objects.filter(enrolment__school_class=cls).order_by("pk"))
    for version in versions:
        version.status, version.issued_at = RecordVersion.Status.ISSUED, timezone.now()
        version.pdf.save(f"{version.record_id}.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n"), save=False)
        version.save()
    return versions[0]


def _class(school: School, name: str) -> SchoolClass:
    return SchoolClass.objects.get(school=school, name=name, school_year__code="2024-2025")


def _first_enrolment(cls: SchoolClass) -> Enrolment:
    return Enrolment.objects.filter(school_class=cls).select_related("student").order_by("pk")[0]


def _objects_of(school: School) -> dict[str, Any]:
    """A's (or B's) things of every kind the URLs take."""
    from hocba.apps.api.services import create_token
    from hocba.apps.signing.models import SignerKey, SigningBatch
    from hocba.apps.transfers.models import ReceivedRecord, Transfer

    open_cls = _class(school, "3A")
    enrolment = _first_enrolment(open_cls)
    version = _issue(_class(school, "1A"))
    left = Enrolment.objects.filter(school_class=version.enrolment.school_class).order_by("-pk")[0]
    Enrolment.objects.filter(pk=left.pk).update(left_on="2025-03-02")
    batch = SigningBatch.objects.create(school=school, school_class=open_cls, stage="gvcn")
    key = SignerKey.objects.create(
        school=school, role="seal", kind="pkcs12", location=f"/etc/hocba/{school.pk}.p12",
        secret_ref="env:SEAL_PASSWORD",
    )  # fmt: skip
    token, raw = create_token(school, f"Phần mềm {school.school_code}")
    transfer = Transfer.objects.create(
        school=school, student=enrolment.student, enrolment=enrolment,
        source_school_code="T01", source_school_name="Trường cũ", seal_signer="Trường cũ",
        manifest=b"{}", signature=b"", manifest_sha256="0" * 64,
    )  # fmt: skip
    received = ReceivedRecord(
        transfer=transfer, student=enrolment.student,
        record_id=f"00000000-0000-0000-0000-{school.pk:012d}", version=1,
        school_year="2023-2024", grade=2, school_code="T01", school_name="Trường cũ",
        status="issued", digest="0" * 64, canonical=b"{}",
    )  # fmt: skip
    received.pdf.save("r.pdf", ContentFile(b"%PDF-1.7"), save=False)
    received.xml.save("r.xml", ContentFile(b"<record/>"), save=False)
    received.save()
    commendation, correction = _year_end_of(enrolment, version)
    return {
        "target": Target(
            school=school.pk, cls=open_cls.pk, enrolment=enrolment.pk,
            student=enrolment.student_id, student_code=enrolment.student.student_code,
            version=version.pk, batch=batch.pk, key=key.pk, token=token.pk,
            received=received.pk,
            staff=open_cls.homeroom_teacher_id, left_code=left.student.student_code,
            commendation=commendation, correction=correction,
        ),
        "raw_token": raw,
        "class": open_cls,
        "enrolment": enrolment,
    }  # fmt: skip


def _third_school_student(ward: Any) -> str:
    """A student of a third school C (in B's ward): the code a roster may name besides A's."""
    import datetime as dt

    from hocba.apps.directory import services as directory

    school = directory.create_school(parent=ward, school_code="T-C", name="Trường C")
    year = SchoolClass.objects.filter(school_year__code="2024-2025").first().school_year
    cls = directory.create_class(school=school, school_year=year, grade=3, name="3C")
    student = directory.register_student(
        student_code="C-0001", full_name="Học Sinh Trường C", sex="nữ",
        date_of_birth=dt.date(2016, 5, 6),
    )  # fmt: skip
    directory.enrol_student(
        student=student, school_class=cls, register_number="1", enrolled_on=dt.date(2024, 9, 5)
    )
    return student.student_code


def _year_end_of(enrolment: Enrolment, version: RecordVersion) -> tuple[int, int]:
    """A commendation proposed for ``enrolment`` and a correction requested for ``version``."""
    from hocba.apps.records.models import Commendation, CorrectionRequest

    commendation = Commendation.objects.create(
        enrolment=enrolment, kind="dot_xuat", title="Vẽ tranh", reason="Tiến bộ rõ rệt.",
        proposed_at=timezone.now(),
    )  # fmt: skip
    correction = CorrectionRequest.objects.create(
        enrolment=version.enrolment, version=version, reason="Nhập nhầm điểm môn Toán.",
        requested_at=timezone.now(),
    )  # fmt: skip
    return commendation.pk, correction.pk


def _build() -> World:
    load_demo_province(
        (
            demo_school(seed=31, classes_per_grade=1, students_per_class=2),
            demo_second_school(seed=32, students_per_class=2),
        )
    )
    school_a, school_b = School.objects.select_related("org_unit__parent").order_by("pk")
    a, b = _objects_of(school_a), _objects_of(school_b)
    ward_a, ward_b = school_a.org_unit.parent, school_b.org_unit.parent
    grants = {
        "principal_b": dict(role=Role.PRINCIPAL, org_unit=school_b.org_unit),
        "vice_b": dict(role=Role.VICE_PRINCIPAL, org_unit=school_b.org_unit),
        "gvcn_b": dict(role=Role.HOMEROOM_TEACHER, school_class=b["class"]),
        "teacher_b": dict(role=Role.SUBJECT_TEACHER, school_class=b["class"], subject_code="TOAN"),
        "parent_b": dict(role=Role.PARENT, student=b["enrolment"].student),
        "student_b": dict(role=Role.STUDENT, student=b["enrolment"].student),
        "local_b": dict(role=Role.LOCAL_OFFICER, org_unit=ward_b),
        "local_a": dict(role=Role.LOCAL_OFFICER, org_unit=ward_a),
        "department": dict(role=Role.DEPARTMENT_OFFICER, org_unit=ward_a.parent),
        "ministry": dict(role=Role.MINISTRY_OFFICER, org_unit=ward_a.parent.parent),
    }
    clients = {}
    for name, grant in grants.items():
        user = create_user(name, "mật-khẩu-dài-123", **grant)
        clients[name] = Client()
        clients[name].force_login(user)
    students_a = Student.objects.filter(enrolments__school_class__school=school_a).distinct()
    markers = [school_a.name] + [s.student_code for s in students_a]
    markers += [s.full_name for s in students_a]
    markers += list(Staff.objects.filter(school=school_a).values_list("full_name", flat=True))
    c_code = _third_school_student(ward_b)
    missing = Target(
        MISSING_ID, MISSING_ID, MISSING_ID, MISSING_ID, MISSING_CODE, MISSING_ID, MISSING_ID,
        MISSING_ID, MISSING_ID, MISSING_ID, MISSING_ID, MISSING_LEFT_CODE,
    )  # fmt: skip
    elsewhere = replace(missing, student_code=c_code, left_code=c_code)
    return World(
        a=a["target"], missing=missing, elsewhere=elsewhere, b_school=school_b.pk, b_class=b["class"].pk,
        b_enrolment=b["enrolment"].pk, b_student_code=b["enrolment"].student.student_code,
        a_markers=markers, clients=clients, b_token=b["raw_token"],
        a_scope=school_a.org_unit.path, year=b["class"].school_year_id,
    )  # fmt: skip


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    with django_db_blocker.unblock():
        media.enable()
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            media.disable()


# --- what is compared ---------------------------------------------------------------------------


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the audit log included), to prove nothing was written."""
    return {
        m._meta.label: list(m._default_manager.order_by("pk").values_list())
        for m in apps.get_models()
        if m._meta.label not in NOT_COMPARED and m._meta.managed
    }


def _changed(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def _normal(text: str, target: Target) -> str:
    return text.replace(target.student_code, "<mã>").replace(target.left_code, "<mã>")


CSRF_TOKEN = re.compile(r'(?<="X-CSRFToken": ")[^"]+|(?<=name="csrfmiddlewaretoken" value=")[^"]+')


def _answer(response: Any, target: Target) -> tuple[Any, ...]:
    """What a user learns from a web response: status, where it sends them, the form errors
    and flash messages shown, and a 404's body."""
    status = response.status_code
    said: list[str] = [str(m) for m in get_messages(response.wsgi_request)]
    for context in response.context or []:
        for key in ("form", "error", "rejected", "summary"):
            if key not in context:
                continue
            value = context[key]
            if hasattr(value, "errors"):
                said.append(json.dumps(value.errors.get_json_data(), ensure_ascii=False))
            elif hasattr(value, "problems"):  # an import refused: each problem shown
                said += [f"{p.code}: {p.message_vi}" for p in value.problems]
            elif value:
                said.append(str(value))
    body = response.content.decode("utf-8", "replace") if status == 404 else ""
    body = CSRF_TOKEN.sub("<csrf>", body)  # masked afresh on every render
    location = response.get("Location", "")
    return status, location, tuple(_normal(s, target) for s in said), body


# --- web rows -------------------------------------------------------------------------------

Aim = Callable[[World, Target], tuple[dict[str, Any], dict[str, Any]]]


@dataclass(frozen=True)
class Row:
    """``url_name`` called with ``aim(world, target)`` → (URL kwargs, form data)."""

    url_name: str
    aim: Aim
    method: str = "get"
    note: str = ""
    versus: str = "missing"
    """The World target A's answer must equal: ``missing``, or ``elsewhere`` (rosters)."""

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.url_name}{' ' + self.note if self.note else ''}"


def _k(**kwargs: Callable[[World, Target], Any]) -> Aim:
    """URL kwargs from the target (or from B's own objects), no form data."""
    return lambda w, t: ({k: f(w, t) for k, f in kwargs.items()}, {})


def school(w: World, t: Target) -> int:
    return t.school


def cls(w: World, t: Target) -> int:
    return t.cls


def enrolment(w: World, t: Target) -> int:
    return t.enrolment


def b_school(w: World, t: Target) -> int:
    return w.b_school


def b_class(w: World, t: Target) -> int:
    return w.b_class


def _with(aim: Aim, **data: Callable[[World, Target], Any] | Any) -> Aim:
    def both(w: World, t: Target) -> tuple[dict[str, Any], dict[str, Any]]:
        kwargs, _ = aim(w, t)
        return kwargs, {k: v(w, t) if callable(v) else v for k, v in data.items()}

    return both


def _enrol_data(existing: Callable[[World, Target], str]) -> dict[str, Any]:
    return {
        "register_number": "99/2024", "enrolled_on": "2024-09-05", "mode": "existing",
        "existing_code": existing,
    }  # fmt: skip


NEW_TEACHER = {"subject": "TOAN", "new_name": "Thầy Lạ", "username": "thay_la"}
NEW_CLASS = {"school_year": lambda w, t: w.year, "grade": "1", "name": "1Z",
             "new_name": "Cô Lạ", "username": "co_la"}  # fmt: skip
SUBJECT = {"subject": lambda w, t: "TOAN"}
RATING = {"kind": lambda w, t: "quality", "code": lambda w, t: "yeu_nuoc"}
A_CLASS = _k(class_id=cls)
A_SCHOOL = _k(school_id=school)
A_CELL = _k(class_id=cls, enrolment_id=enrolment)
B_CELL = _k(class_id=b_class, enrolment_id=enrolment)  # B's own class, A's enrolment
A_COMMENDATION = _k(class_id=cls, commendation_id=lambda w, t: t.commendation)
B_COMMENDATION = _k(class_id=b_class, commendation_id=lambda w, t: t.commendation)
A_CORRECTION = _k(request_id=lambda w, t: t.correction)
PROPOSAL = {"kind": "dot_xuat", "title": "Khen lạ", "reason": "Lý do lạ."}

ROWS: list[Row] = [
    # vendor API tokens
    Row("apitokens:tokens", A_SCHOOL),
    Row("apitokens:create", _with(A_SCHOOL, name="Phần mềm lạ"), "post"),
    Row("apitokens:revoke", _k(school_id=school, token_id=lambda w, t: t.token), "post"),
    Row("apitokens:revoke", _k(school_id=b_school, token_id=lambda w, t: t.token), "post",
        "B's school, A's token"),
    # spreadsheet imports
    Row("imports:class", A_CLASS),
    Row("imports:roster_template", A_CLASS),
    Row("imports:evaluation_template", A_CLASS),
    Row("imports:upload", A_CLASS, "post"),
    Row("imports:school", _k(school_id=school)),
    # family portal
    Row("portal:download", _k(pk=lambda w, t: t.version, fmt=lambda w, t: "json")),
    Row("portal:download", _k(pk=lambda w, t: t.version, fmt=lambda w, t: "pdf"), note="pdf"),
    # entry, review, finalise, unlock
    Row("records:class", A_CLASS),
    Row("records:subject_grid", _k(class_id=cls, **SUBJECT)),
    Row("records:subject_cell", _with(_k(class_id=cls, enrolment_id=enrolment, **SUBJECT),
                                      comment="Chữ lạ."), "post"),
    Row("records:subject_cell", _with(_k(class_id=b_class, enrolment_id=enrolment, **SUBJECT),
                                      comment="Chữ lạ."), "post", "B's class, A's enrolment"),
    Row("records:rating_grid", A_CLASS),
    Row("records:rating_cell", _with(_k(class_id=cls, enrolment_id=enrolment, **RATING),
                                     comment="Lạ."), "post"),
    Row("records:rating_cell", _with(_k(class_id=b_class, enrolment_id=enrolment, **RATING),
                                     comment="Lạ."), "post", "B's class, A's enrolment"),
    Row("records:summary_grid", A_CLASS),
    Row("records:summary_cell", _with(A_CELL, absences_excused="9"), "post"),
    Row("records:summary_cell", _with(B_CELL, absences_excused="9"), "post",
        "B's class, A's enrolment"),
    Row("records:review", A_CLASS),
    Row("records:finalise", A_CLASS, "post"),
    Row("records:unlock", A_CLASS),
    Row("records:unlock", _with(A_CLASS, reason="Mở khóa lạ để sửa."), "post"),
    Row("records:unlock_student", A_CELL),
    Row("records:unlock_student", _with(A_CELL, reason="Mở khóa lạ để sửa."), "post"),
    Row("records:unlock_student", _with(B_CELL, reason="Mở khóa lạ để sửa."), "post",
        "B's class, A's enrolment"),
    Row("records:finalise_student", A_CELL, "post"),
    Row("records:finalise_student", B_CELL, "post", "B's class, A's enrolment"),
    # the end of the year: commendations, supplementary assessment, promotion
    Row("records:commendations", A_CLASS),
    Row("records:propose_commendation", _with(A_CELL, **PROPOSAL), "post"),
    Row("records:propose_commendation", _with(B_CELL, **PROPOSAL), "post",
        "B's class, A's enrolment"),
    Row("records:decide_commendation", _with(A_COMMENDATION, decision="approve"), "post"),
    Row("records:decide_commendation", _with(B_COMMENDATION, decision="approve"), "post",
        "B's class, A's proposal"),
    Row("records:withdraw_commendation", A_COMMENDATION, "post"),
    Row("records:withdraw_commendation", B_COMMENDATION, "post", "B's class, A's proposal"),
    Row("records:individual_plan", A_CELL),
    Row("records:individual_plan", _with(A_CELL, has_plan="1", reference="Lạ.", mode_NN1="mien"),
        "post"),
    Row("records:individual_plan", _with(B_CELL, has_plan="1", reference="Lạ.", mode_NN1="mien"),
        "post", "B's class, A's enrolment"),
    Row("records:supplementary", A_CLASS),
    Row("records:supplementary_student", A_CELL),
    Row("records:supplementary_student", B_CELL, note="B's class, A's enrolment"),
    Row("records:decide_promotion", _with(A_CELL, decision="duoc_len_lop"), "post"),
    Row("records:decide_promotion", _with(B_CELL, decision="duoc_len_lop"), "post",
        "B's class, A's enrolment"),
    # corrections of an issued record
    Row("records:correction_request", A_CELL),
    Row("records:correction_request", _with(A_CELL, reason="Sửa lạ."), "post"),
    Row("records:correction_request", _with(B_CELL, reason="Sửa lạ."), "post",
        "B's class, A's enrolment"),
    Row("records:corrections", A_SCHOOL),
    Row("records:correction_decide", A_CORRECTION),
    Row("records:correction_decide", _with(A_CORRECTION, action="approve"), "post"),
    Row("records:correction_decide", _with(A_CORRECTION, action="decline", reason="Không."),
        "post", "decline"),
    # officers' reports
    Row("reports:school", _k(pk=school)),
    # school administration
    Row("schooladmin:school", A_SCHOOL),
    Row("schooladmin:open_year", _with(A_SCHOOL, code="2025-2026"), "post"),
    Row("schooladmin:create_class", _with(A_SCHOOL, **NEW_CLASS), "post"),
    Row("schooladmin:create_class", _with(_k(school_id=b_school), **NEW_CLASS,
                                          staff=lambda w, t: t.staff), "post",
        "B's school, A's teacher"),
    Row("schooladmin:subject_teacher", _k(school_id=school, class_id=cls)),
    Row("schooladmin:subject_teacher", _with(_k(school_id=school, class_id=cls), **NEW_TEACHER),
        "post"),
    Row("schooladmin:subject_teacher", _with(_k(school_id=b_school, class_id=cls),
                                             **NEW_TEACHER), "post", "B's school, A's class"),
    Row("schooladmin:subject_teacher", _with(_k(school_id=b_school, class_id=b_class),
                                             subject="TOAN", staff=lambda w, t: t.staff), "post",
        "B's class, A's teacher"),
    Row("schooladmin:enrol", _k(school_id=school, class_id=cls)),
    Row("schooladmin:enrol", _with(_k(school_id=school, class_id=cls),
                                   **_enrol_data(lambda w, t: t.student_code)), "post"),
    Row("schooladmin:enrol", _with(_k(school_id=b_school, class_id=cls),
                                   **_enrol_data(lambda w, t: t.student_code)), "post",
        "B's school, A's class"),
    # finding: enrolling A's student by code on B's enrol form takes the student over
    Row("schooladmin:enrol", _with(_k(school_id=b_school, class_id=b_class),
                                   **_enrol_data(lambda w, t: t.student_code)), "post",
        "B's class, A's student code"),
    Row("schooladmin:enrol", _with(_k(school_id=b_school, class_id=b_class),
                                   **_enrol_data(lambda w, t: t.left_code)), "post",
        "B's class, code of A's student who left"),
    Row("schooladmin:parent_account", A_SCHOOL),
    Row("schooladmin:parent_account", _with(A_SCHOOL, student=lambda w, t: t.student,
                                            username="phuhuynh_la", full_name="Người Lạ"),
        "post"),
    # finding: a parent account made by B for A's student
    Row("schooladmin:parent_account", _with(_k(school_id=b_school), student=lambda w, t: t.student,
                                            username="phuhuynh_la", full_name="Người Lạ"),
        "post", "B's school, A's student"),
    Row("schooladmin:leave", A_SCHOOL),
    Row("schooladmin:leave", _with(A_SCHOOL, enrolment=enrolment, left_on="2025-02-10",
                                   reason="transferred"), "post"),
    Row("schooladmin:leave", _with(_k(school_id=b_school), enrolment=enrolment,
                                   left_on="2025-02-10", reason="transferred"), "post",
        "B's school, A's enrolment"),
    # signing
    Row("signing:class", A_CLASS),
    Row("signing:sign_class", A_CLASS, "post"),
    Row("signing:seal_class", A_CLASS, "post"),
    Row("signing:school", A_SCHOOL),
    Row("signing:seal_school", A_SCHOOL, "post"),
    Row("signing:keys", A_SCHOOL),
    Row("signing:keys", _with(A_SCHOOL, role="seal", kind="pkcs12", location="/tmp/x.p12",
                              secret_ref="env:X"), "post"),
    Row("signing:keys", _with(_k(school_id=b_school), key_id=lambda w, t: str(t.key), role="seal",
                              kind="pkcs12", location="/tmp/x.p12", secret_ref="env:X"),
        "post", "B's school, A's key"),
    Row("signing:delete_key", _k(school_id=school, key_id=lambda w, t: t.key), "post"),
    Row("signing:delete_key", _k(school_id=b_school, key_id=lambda w, t: t.key), "post",
        "B's school, A's key"),
    Row("signing:progress", _k(batch_id=lambda w, t: t.batch)),
    Row("signing:download", _k(version_id=lambda w, t: t.version, fmt=lambda w, t: "json")),
    Row("signing:download", _k(version_id=lambda w, t: t.version, fmt=lambda w, t: "pdf"),
        note="pdf"),
    # transfers
    Row("transfers:school", A_SCHOOL),
    Row("transfers:export", _k(school_id=school, student_id=lambda w, t: t.student), "post"),
    Row("transfers:export", _k(school_id=b_school, student_id=lambda w, t: t.student), "post",
        "B's school, A's student"),
    Row("transfers:receive", A_SCHOOL, "post"),
    Row("transfers:accept", A_SCHOOL, "post"),
    Row("transfers:history", _k(student_id=lambda w, t: t.student)),
    Row("transfers:received", _k(pk=lambda w, t: t.received, fmt=lambda w, t: "pdf")),
    Row("transfers:received", _k(pk=lambda w, t: t.received, fmt=lambda w, t: "xml"),
        note="xml"),
]  # fmt: skip
WRITES = {"post", "put"}


_WORKBOOKS: dict[tuple[str, str], bytes] = {}


def _workbook(kind: str, left: bool = False) -> Aim:
    """An upload to B's class of B's own template (roster or evaluations) in which B's student's
    code is replaced by the target's (A's student, or a code nobody has; ``left``: A's student
    who left)."""

    def aim(w: World, t: Target) -> tuple[dict[str, Any], dict[str, Any]]:
        code = t.left_code if left else t.student_code
        from io import BytesIO

        from django.core.files.uploadedfile import SimpleUploadedFile
        from openpyxl import load_workbook

        from hocba.apps.imports import workbook

        if (kind, code) not in _WORKBOOKS:
            cls = SchoolClass.objects.select_related("school", "school_year").get(pk=w.b_class)
            make = workbook.roster_workbook if kind == "roster" else workbook.evaluation_workbook
            book = load_workbook(BytesIO(make(cls.school, cls.school_year, [cls])))
            personal_id = Student.objects.get(student_code=w.b_student_code).personal_id
            for sheet in book.worksheets:
                for row in sheet.iter_rows():
                    if w.b_student_code not in [c.value for c in row]:
                        continue
                    for cell in row:  # the same student, but with the target's code
                        if cell.value == w.b_student_code:
                            cell.value = code
                        elif personal_id and cell.value == personal_id:
                            cell.value = None
            out = BytesIO()
            book.save(out)
            _WORKBOOKS[kind, code] = out.getvalue()
        data = _WORKBOOKS[kind, code]
        return {"class_id": w.b_class}, {"file": SimpleUploadedFile(f"{kind}.xlsx", data)}

    return aim


ROWS += [
    Row(
        "imports:upload",
        _workbook("roster"),
        "post",
        "B's class, roster naming A's student",
        versus="elsewhere",
    ),
    Row(
        "imports:upload",
        _workbook("roster", left=True),
        "post",
        "B's class, roster naming A's student who left",
        versus="elsewhere",
    ),
    Row(
        "imports:upload",
        _workbook("evaluations"),
        "post",
        "B's class, evaluations naming A's student",
    ),
]


def _keys_get_edit(w: World, t: Target) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"school_id": w.b_school}, {"sua": str(t.key)}


ROWS.append(Row("signing:keys", _keys_get_edit, note="B's school, ?sua=A's key"))

# Pages without an id (and B's own pages): B's actors must see nothing of A on them.
SHOWN: list[tuple[str, Callable[[World], dict[str, Any]]]] = [
    ("accounts:home", lambda w: {}),
    ("accounts:password_change", lambda w: {}),
    ("audit:events", lambda w: {}),
    # the CSV export (the xlsx one is compressed, so markers would not show; both list the same
    # rows: tests/apps/audit/test_export.py)
    ("audit:export", lambda w: {"fmt": "csv"}),
    ("portal:index", lambda w: {}),
    ("records:classes", lambda w: {}),
    ("reports:index", lambda w: {}),
    ("verification:index", lambda w: {}),
    ("verification:status", lambda w: {}),
    ("schooladmin:school", lambda w: {"school_id": w.b_school}),
    ("signing:school", lambda w: {"school_id": w.b_school}),
    ("signing:keys", lambda w: {"school_id": w.b_school}),
    ("transfers:school", lambda w: {"school_id": w.b_school}),
    ("imports:school", lambda w: {"school_id": w.b_school}),
    ("apitokens:tokens", lambda w: {"school_id": w.b_school}),
    ("reports:school", lambda w: {"pk": w.b_school}),
    ("records:class", lambda w: {"class_id": w.b_class}),
    ("records:review", lambda w: {"class_id": w.b_class}),
    ("schooladmin:parent_account", lambda w: {"school_id": w.b_school}),
    ("schooladmin:leave", lambda w: {"school_id": w.b_school}),
    ("schooladmin:create_class", lambda w: {"school_id": w.b_school}),
    ("schooladmin:enrol", lambda w: {"school_id": w.b_school, "class_id": w.b_class}),
    ("schooladmin:subject_teacher", lambda w: {"school_id": w.b_school, "class_id": w.b_class}),
    ("records:subject_grid", lambda w: {"class_id": w.b_class, "subject": "TOAN"}),
    ("records:rating_grid", lambda w: {"class_id": w.b_class}),
    ("records:summary_grid", lambda w: {"class_id": w.b_class}),
    ("imports:class", lambda w: {"class_id": w.b_class}),
    ("signing:class", lambda w: {"class_id": w.b_class}),
]
# Pages that take no id and show nothing of any school.
NO_TARGET = {
    "accounts:login": "the login form",
    "accounts:logout": "ends the session; takes nothing",
}
NOT_IDS = {"fmt"}  # a URL parameter naming a file format, not an object
# Django's admin (system admins only) and its login redirect to ours; the API: API_ROWS below
NOT_WEB = ("admin:", "api:", "admin_login_redirect")


def _actors(method: str) -> tuple[str, ...]:
    return B_ACTORS + OFFICERS_OF_A if method in WRITES else B_ACTORS


def _call(client: Client, method: str, url: str, data: dict[str, Any]) -> Any:
    client.cookies.pop("messages", None)
    return getattr(client, method)(url, data)


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_school_b_gets_the_same_answer_for_school_a_as_for_nothing(world, db, row):
    actors = _actors(row.method)

    def answers(target: Target) -> list[tuple[Any, ...]]:
        out = []
        for actor in actors:
            kwargs, data = row.aim(world, target)
            url = reverse(row.url_name, kwargs=kwargs)
            out.append(_answer(_call(world.clients[actor], row.method, url, data), target))
        return out

    before = _snapshot()
    for_a = answers(world.a)
    assert _changed(before, _snapshot()) == []  # A's objects: nothing written
    for_nothing = answers(getattr(world, row.versus))
    differences = [
        (actor, a[:3], n[:3])
        for actor, a, n in zip(actors, for_a, for_nothing, strict=True)
        if a != n
    ]
    assert differences == [], "\n".join(map(str, differences))


@pytest.mark.parametrize("name, kwargs", SHOWN, ids=[name for name, _ in SHOWN])
def test_pages_of_school_b_show_nothing_of_school_a(world, db, name, kwargs):
    before = _snapshot()
    shown = []
    for actor in B_ACTORS:
        response = _call(world.clients[actor], "get", reverse(name, kwargs=kwargs(world)), {})
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode("utf-8", "replace")
        shown += [(actor, m) for m in world.a_markers if m in body]
    assert shown == []
    assert _changed(before, _snapshot()) == []


def test_the_audit_page_of_school_b_lists_no_event_of_school_a(world, db):
    from hocba.apps.audit.models import AuditEvent

    a_events = AuditEvent.objects.filter(scope_path__startswith=world.a_scope)
    assert a_events.exists()
    for actor in ("principal_b", "vice_b", "local_b"):
        response = world.clients[actor].get(reverse("audit:events"))
        assert response.status_code == 200
        listed = {e.pk for e in response.context["page"].object_list}
        assert listed and listed.isdisjoint(a_events.values_list("pk", flat=True)), actor


def test_a_parent_account_made_by_school_b_never_opens_school_a_records(world, db):
    """The chain of the attack: B's principal enrols A's (departed) student by code, makes a
    parent account for them, and the parent downloads A's issued record."""
    from hocba.apps.accounts.models import Grant

    principal = world.clients["principal_b"]
    version = RecordVersion.objects.get(
        enrolment__student__student_code=world.a.left_code, status=RecordVersion.Status.ISSUED
    )
    kwargs = {"school_id": world.b_school, "class_id": world.b_class}
    principal.post(
        reverse("schooladmin:enrol", kwargs=kwargs),
        {"register_number": "99/2024", "enrolled_on": "2025-03-10",
         "existing_code": world.a.left_code},
    )  # fmt: skip
    principal.post(
        reverse("schooladmin:parent_account", kwargs={"school_id": world.b_school}),
        {"student": version.enrolment.student_id, "username": "cha_la", "full_name": "Cha Lạ"},
    )
    grant = Grant.objects.filter(user__username="cha_la").first()
    if grant is None:
        return  # refused at the first steps: nothing to download
    parent = Client()
    parent.force_login(grant.user)
    for url in (
        reverse("portal:download", kwargs={"pk": version.pk, "fmt": "json"}),
        reverse("signing:download", kwargs={"version_id": version.pk, "fmt": "pdf"}),
    ):
        assert parent.get(url).status_code == 404, url


def test_the_matrix_can_fail_school_a_sees_its_own(world, db):
    """The rows are not vacuous: A's own principal gets A's pages (and B's answer for nothing)."""
    from hocba.apps.accounts.models import Grant

    user = create_user(
        "principal_a",
        "mật-khẩu-dài-123",
        role=Role.PRINCIPAL,
        org_unit=School.objects.get(pk=world.a.school).org_unit,
    )
    client = Client()
    client.force_login(user)
    page = client.get(reverse("schooladmin:school", kwargs={"school_id": world.a.school}))
    assert page.status_code == 200 and world.a_markers[0] in page.content.decode()
    gone = client.get(reverse("schooladmin:school", kwargs={"school_id": MISSING_ID}))
    assert gone.status_code == 404
    assert Grant.objects.filter(user=user).count() == 1


def _url_names(resolver: URLResolver, prefix: str = "") -> list[tuple[str, bool]]:
    names = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names.extend(_url_names(entry, ns))
        elif isinstance(entry, URLPattern) and entry.name:
            ids = set(entry.pattern.converters) - NOT_IDS
            names.append((prefix + entry.name, bool(ids)))
    return names


def test_every_url_has_a_row():
    """A URL with an id needs a row aiming it at A; one without, a row showing it to B."""
    targeted = {r.url_name for r in ROWS}
    shown = {name for name, _ in SHOWN}
    missing = [
        name
        for name, takes_id in _url_names(get_resolver())
        if not name.startswith(NOT_WEB)
        and name not in (targeted if takes_id else targeted | shown | set(NO_TARGET))
    ]
    assert missing == []


# --- the vendor API ---------------------------------------------------------------------------

ApiAim = Callable[[World, Target], tuple[str, dict[str, Any] | None]]


@dataclass(frozen=True)
class ApiRow:
    """``operation`` (its OpenAPI operationId) with ``aim(world, target)`` → (path, body)."""

    operation: str
    method: str
    aim: ApiAim
    note: str = ""
    query: dict[str, Any] = field(default_factory=dict)
    versus: str = "missing"

    @property
    def id(self) -> str:
        return f"{self.operation}{' ' + self.note if self.note else ''}"


def _student_in(code: str) -> dict[str, Any]:
    return {"student_code": code, "full_name": "Người Lạ", "sex": "nữ",
            "date_of_birth": "2017-03-04"}  # fmt: skip


def _roster(w: World, t: Target) -> dict[str, Any]:
    return {"students": [_student_in(t.student_code)]}


def _roster_left(w: World, t: Target) -> dict[str, Any]:
    return {"students": [_student_in(t.left_code)]}


def _evaluations(w: World, t: Target) -> dict[str, Any]:
    return {
        "subjects": [{"student_code": t.student_code, "subject_code": "TOAN", "level": "C",
                      "comment": "Chữ lạ."}],
        "ratings": [{"student_code": t.student_code, "kind": "quality", "code": "yeu_nuoc",
                     "level": "C", "comment": "Lạ."}],
    }  # fmt: skip


V1 = "/api/v1"
API_ROWS: list[ApiRow] = [
    ApiRow("list_classes", "get", lambda w, t: (f"{V1}/classes", None)),
    ApiRow("get_class", "get", lambda w, t: (f"{V1}/classes/{t.cls}", None)),
    ApiRow("class_findings", "get", lambda w, t: (f"{V1}/classes/{t.cls}/findings", None)),
    ApiRow("list_records", "get", lambda w, t: (f"{V1}/records?class_id={t.cls}", None),
           "class_id=A's class"),
    ApiRow("get_record", "get", lambda w, t: (f"{V1}/records/{t.version}", None)),
    ApiRow("record_pdf", "get", lambda w, t: (f"{V1}/records/{t.version}/pdf", None)),
    ApiRow("record_json", "get", lambda w, t: (f"{V1}/records/{t.version}/json", None)),
    ApiRow("record_xml", "get", lambda w, t: (f"{V1}/records/{t.version}/xml", None)),
    ApiRow("put_roster", "put", lambda w, t: (f"{V1}/classes/{t.cls}/roster", _roster(w, t))),
    # finding: B's token rewrites A's student through B's roster
    ApiRow("put_roster", "put",
           lambda w, t: (f"{V1}/classes/{w.b_class}/roster", _roster(w, t)),
           "B's class, A's student code", versus="elsewhere"),
    ApiRow("put_roster", "put",
           lambda w, t: (f"{V1}/classes/{w.b_class}/roster", _roster_left(w, t)),
           "B's class, code of A's student who left", versus="elsewhere"),
    ApiRow("put_evaluations", "put",
           lambda w, t: (f"{V1}/classes/{t.cls}/evaluations", _evaluations(w, t))),
    ApiRow("put_evaluations", "put",
           lambda w, t: (f"{V1}/classes/{w.b_class}/evaluations", _evaluations(w, t)),
           "B's class, A's student code"),
]  # fmt: skip


def _api_answer(response: Any, target: Target) -> tuple[Any, ...]:
    body = response.content.decode("utf-8", "replace")
    if response["Content-Type"].startswith("application/json"):
        data = response.json()
        if "error" in data:
            return response.status_code, _normal(json.dumps(data["error"]), target)
        items = data.get("items")
        if items is not None:  # a list: what it lists
            return response.status_code, _normal(json.dumps(items), target)
    return response.status_code, _normal(body[:2000], target)


@pytest.mark.parametrize("row", API_ROWS, ids=[r.id for r in API_ROWS])
def test_school_b_token_gets_the_same_api_answer_for_school_a_as_for_nothing(world, db, row):
    client = Client(headers={"Authorization": f"Bearer {world.b_token}"})
    client.get(f"{V1}/classes")  # the token's last use is noted (at most once a minute)

    def answer(target: Target) -> tuple[Any, ...]:
        path, body = row.aim(world, target)
        if body is None:
            return _api_answer(client.get(path), target)
        return _api_answer(client.put(path, body, content_type="application/json"), target)

    before = _snapshot()
    for_a = answer(world.a)
    assert _changed(before, _snapshot()) == []  # A's objects: nothing written
    for_nothing = answer(getattr(world, row.versus))  # a new code in a roster creates one
    assert for_a == for_nothing, f"A's: {for_a}\nnothing: {for_nothing}"


def test_school_b_token_lists_nothing_of_school_a(world, db):
    client = Client(headers={"Authorization": f"Bearer {world.b_token}"})
    for path in (f"{V1}/classes?limit=100", f"{V1}/records?limit=100"):
        body = client.get(path).content.decode()
        assert [m for m in world.a_markers if m in body] == [], path
    ids = {c["id"] for c in client.get(f"{V1}/classes?limit=100").json()["items"]}
    assert world.a.cls not in ids and world.b_class in ids


def test_every_api_operation_has_a_row():
    from hocba.apps.api.api import api

    schema = api.get_openapi_schema()
    operations = {
        (method, op["operationId"])
        for item in schema["paths"].values()
        for method, op in item.items()
    }
    assert operations == {(r.method, r.operation) for r in API_ROWS}
