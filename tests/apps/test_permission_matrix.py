"""The permission matrix: role × URL × (inside scope / one step outside) → allow or deny.

Defined once, as a table, and run against every URL the server has: a URL without a row
fails ``test_every_url_has_a_matrix_row``. "Deny" means 404 for a logged-in user (no
existence leak) and a redirect to the login page for an anonymous one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from hocba.apps.accounts.models import Role
from hocba.apps.accounts.services import create_user
from hocba.apps.directory import services as directory
from hocba.apps.directory.models import Enrolment, OrgUnit, School
from hocba.apps.records.demo import load_demo_school
from hocba.demo.generate import demo_school

PASSWORD = "mật-khẩu-dài-123"
EVERYONE = frozenset(
    {
        "ministry", "department", "department_other", "local", "principal", "principal_other",
        "vice", "gvcn", "gvcn_other", "teacher", "teacher_other", "parent", "parent_other",
        "student",
    }
)  # fmt: skip
PUBLIC = "public"  # anonymous allowed too


@dataclass(frozen=True)
class Row:
    url_name: str
    allowed: frozenset[str] | str
    kwargs: Callable[[dict[str, Any]], dict[str, Any]] = lambda w: {}
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    allow_status: tuple[int, ...] = (200,)


def _school_class(w: dict[str, Any]) -> dict[str, Any]:
    return {"class_id": w["class"].pk}


def _batch(w: dict[str, Any]) -> dict[str, Any]:
    from hocba.apps.signing.models import SigningBatch

    batch = SigningBatch.objects.create(school=w["school"], school_class=w["class"], stage="gvcn")
    return {"batch_id": batch.pk}


def _signer_key(w: dict[str, Any]) -> dict[str, Any]:
    from hocba.apps.signing.models import SignerKey

    key = SignerKey.objects.create(
        school=w["school"], role="seal", kind="pkcs12", location="/etc/hocba/seal.p12",
        secret_ref="env:SEAL_PASSWORD",
    )  # fmt: skip
    return {"school_id": w["school"].pk, "key_id": key.pk}


def _issued(w: dict[str, Any]) -> dict[str, Any]:
    from hocba.apps.records.models import RecordVersion

    version = RecordVersion.objects.get(enrolment=w["enrolment"])
    RecordVersion.objects.filter(pk=version.pk).update(status=RecordVersion.Status.ISSUED)
    return {"version_id": version.pk, "fmt": "json"}


def _portal_record(w: dict[str, Any]) -> dict[str, Any]:
    from hocba.apps.records.models import RecordVersion

    version = RecordVersion.objects.get(enrolment=w["enrolment"])
    RecordVersion.objects.filter(pk=version.pk).update(status=RecordVersion.Status.ISSUED)
    return {"pk": version.pk, "fmt": "json"}


def _portal_record(w: dict[str, Any]) -> dict[str, Any]:
    from hocba.apps.records.models import RecordVersion

    version = RecordVersion.objects.get(enrolment=w["enrolment"])
    RecordVersion.objects.filter(pk=version.pk).update(status=RecordVersion.Status.ISSUED)
    return {"pk": version.pk, "fmt": "json"}


LEADERS = frozenset({"principal", "vice"})
REVIEWERS = frozenset({"gvcn", "principal", "vice"})
PROPOSAL = {"kind": "dot_xuat", "title": "Vẽ tranh đạt giải", "reason": "Tiến bộ rõ rệt trong năm."}


def _commendation(w: dict[str, Any]) -> dict[str, Any]:
    from hocba.apps.records.models import Commendation

    found = Commendation.objects.create(
        enrolment=w["enrolment"], kind="dot_xuat", title="Vẽ tranh", reason="Tiến bộ rõ rệt.",
        proposed_at=timezone.now(),
    )  # fmt: skip
    return {**_school_class(w), "commendation_id": found.pk}


def _not_completed(w: dict[str, Any]) -> dict[str, Any]:
    """The world's student at "Chưa hoàn thành" (the supplementary page lists only those)."""
    from hocba.apps.records.models import SubjectEvaluation

    SubjectEvaluation.objects.filter(enrolment=w["enrolment"], subject_code="TOAN").update(
        level="C", test_score=3, comment="Cần ôn tập."
    )
    return {**_school_class(w), "enrolment_id": w["enrolment"].pk}


def _correction(w: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    from hocba.apps.records.models import CorrectionRequest, RecordVersion

    version = RecordVersion.objects.get(enrolment=w["enrolment"])
    RecordVersion.objects.filter(pk=version.pk).update(status=RecordVersion.Status.ISSUED)
    request = CorrectionRequest.objects.create(
        enrolment=w["enrolment"], version=version, reason="Nhập nhầm điểm môn Toán.",
        requested_at=timezone.now(),
    )  # fmt: skip
    return {"request_id": request.pk}


def _school(w: dict[str, Any]) -> dict[str, Any]:
    return {"school_id": w["school"].pk}


def _received(w: dict[str, Any]) -> dict[str, Any]:
    """A record received by transfer, attached to the world's (transferred-in) enrolment."""
    from django.core.files.base import ContentFile

    from hocba.apps.transfers.models import ReceivedRecord, Transfer

    enrolment = w["enrolment"]
    transfer = Transfer.objects.create(
        school=w["school"], student=enrolment.student, enrolment=enrolment,
        source_school_code="T01", source_school_name="Trường cũ", seal_signer="Trường cũ",
        manifest=b"{}", signature=b"", manifest_sha256="0" * 64,
    )  # fmt: skip
    received = ReceivedRecord(
        transfer=transfer, student=enrolment.student,
        record_id="00000000-0000-0000-0000-000000000001", version=1, school_year="2023-2024",
        grade=1, school_code="T01", school_name="Trường cũ", status="issued", digest="0" * 64,
        canonical=b"{}",
    )  # fmt: skip
    received.pdf.save("r.pdf", ContentFile(b"%PDF-1.7"), save=False)
    received.xml.save("r.xml", ContentFile(b"<record/>"), save=False)
    received.save()
    return {"pk": received.pk, "fmt": "pdf"}


def _received_history(w: dict[str, Any]) -> dict[str, Any]:
    _received(w)
    return {"student_id": w["enrolment"].student_id}


def _api_token(w: dict[str, Any]) -> dict[str, Any]:
    from hocba.apps.api.services import create_token

    token, _ = create_token(w["school"], "Phần mềm")
    return {"school_id": w["school"].pk, "token_id": token.pk}


MATRIX: list[Row] = [
    Row("accounts:login", PUBLIC, allow_status=(200, 302)),
    Row("accounts:home", EVERYONE),
    Row("accounts:password_change", EVERYONE),
    Row("accounts:logout", EVERYONE, method="post", allow_status=(302,)),
    Row("audit:events", frozenset({"ministry", "department", "department_other", "local",
                                   "principal", "principal_other", "vice"})),
    Row("audit:export", frozenset({"ministry", "department", "department_other", "local",
                                   "principal", "principal_other", "vice"}),
        lambda w: {"fmt": "csv"}),
    Row("audit:export", frozenset({"ministry", "department", "department_other", "local",
                                   "principal", "principal_other", "vice"}),
        lambda w: {"fmt": "xlsx"}),
    Row("signing:class", frozenset({"gvcn", "principal", "vice"}), _school_class),
    Row("signing:sign_class", frozenset({"gvcn"}), _school_class, method="post",
        allow_status=(302,)),
    Row("signing:seal_class", frozenset({"principal"}), _school_class, method="post",
        allow_status=(302,)),
    Row("signing:school", frozenset({"principal"}), lambda w: {"school_id": w["school"].pk}),
    Row("signing:seal_school", frozenset({"principal"}), lambda w: {"school_id": w["school"].pk},
        method="post", allow_status=(302,)),
    Row("signing:progress", frozenset({"gvcn", "principal", "vice"}), lambda w: _batch(w)),
    Row("signing:keys", frozenset({"principal", "vice"}), lambda w: {"school_id": w["school"].pk}),
    # the principal's POST deletes the key, so the vice-principal's finds none (404); the
    # denials while it exists: tests/apps/signing/test_keys.py
    Row("signing:delete_key", frozenset({"principal", "vice"}), lambda w: _signer_key(w),
        method="post", allow_status=(302, 404)),
    Row("signing:download", frozenset({"ministry", "department", "local", "principal", "vice",
                                       "gvcn", "parent", "student"}), lambda w: _issued(w)),
    Row("records:classes", frozenset({"principal", "vice", "gvcn", "gvcn_other"})),
    Row("records:class", frozenset({"gvcn", "teacher", "teacher_other"}), _school_class),
    Row("records:subject_grid", frozenset({"gvcn", "teacher"}),
        lambda w: {**_school_class(w), "subject": "TOAN"}),
    Row("records:subject_cell", frozenset({"gvcn", "teacher"}),
        lambda w: {**_school_class(w), "subject": "TOAN", "enrolment_id": w["enrolment"].pk},
        method="post", data={"comment": "Tiến bộ."}),
    Row("records:rating_grid", frozenset({"gvcn"}), _school_class),
    Row("records:rating_cell", frozenset({"gvcn"}),
        lambda w: {**_school_class(w), "enrolment_id": w["enrolment"].pk, "kind": "quality",
                   "code": "yeu_nuoc"}, method="post", data={"comment": "Tốt."}),
    Row("records:summary_grid", frozenset({"gvcn"}), _school_class),
    Row("records:summary_cell", frozenset({"gvcn"}),
        lambda w: {**_school_class(w), "enrolment_id": w["enrolment"].pk},
        method="post", data={"absences_excused": "1"}),
    Row("records:review", frozenset({"gvcn", "principal", "vice"}), _school_class),
    Row("records:finalise", frozenset({"gvcn"}), _school_class, method="post",
        data={"xac_nhan": "1"}, allow_status=(302,)),
    Row("records:unlock", frozenset({"principal"}), _school_class),
    Row("records:unlock_student", frozenset({"principal"}),
        lambda w: {**_school_class(w), "enrolment_id": w["enrolment"].pk}),
    Row("records:unlock_student", frozenset({"principal"}),
        lambda w: {**_school_class(w), "enrolment_id": w["enrolment"].pk}, method="post",
        allow_status=(422,)),
    Row("records:finalise_student", frozenset({"gvcn"}),
        lambda w: {**_school_class(w), "enrolment_id": w["enrolment"].pk}, method="post",
        allow_status=(409,)),
    Row("records:correction_request", frozenset({"gvcn"}),
        lambda w: {**_school_class(w), "enrolment_id": w["enrolment"].pk}),
    # allowed, but the student has no issued record: refused with 409
    Row("records:correction_request", frozenset({"gvcn"}),
        lambda w: {**_school_class(w), "enrolment_id": w["enrolment"].pk}, method="post",
        data={"reason": "Nhập nhầm điểm môn Toán."}, allow_status=(409,)),
    Row("records:corrections", frozenset({"principal"}), _school),
    Row("records:correction_decide", frozenset({"principal"}), _correction),
    # the principal's decline is written (302); everyone else's is a 404
    Row("records:correction_decide", frozenset({"principal"}), _correction, method="post",
        data={"action": "decline", "reason": "Không có sai sót nào."}, allow_status=(302, 409)),
    Row("records:commendations", REVIEWERS, _school_class),
    Row("records:propose_commendation", frozenset({"gvcn", "principal"}),
        lambda w: {**_school_class(w), "enrolment_id": w["enrolment"].pk}, method="post",
        data=PROPOSAL, allow_status=(302,)),
    Row("records:decide_commendation", frozenset({"principal"}), _commendation, method="post",
        data={"decision": "approve"}, allow_status=(302,)),
    # the GVCN's POST withdraws the proposal, so the principal's finds none (404); the
    # denials while it exists: tests/apps/records/test_commendations.py
    Row("records:withdraw_commendation", frozenset({"gvcn", "principal"}), _commendation,
        method="post", allow_status=(302, 404)),
    Row("records:individual_plan", frozenset({"gvcn"}),
        lambda w: {**_school_class(w), "enrolment_id": w["enrolment"].pk}),
    # the GVCN's plan is written (302); everyone else's is a 404
    Row("records:individual_plan", frozenset({"gvcn"}),
        lambda w: {**_school_class(w), "enrolment_id": w["enrolment"].pk}, method="post",
        data={"has_plan": "1", "reference": "KHGDCN số 1", "mode_NN1": "mien"},
        allow_status=(302,)),
    Row("records:supplementary", REVIEWERS, _school_class),
    Row("records:supplementary_student", frozenset({"gvcn"}), _not_completed),
    Row("records:decide_promotion", frozenset({"principal"}), _not_completed, method="post",
        allow_status=(422,)),
    Row("portal:index", frozenset({"parent", "parent_other", "student"})),
    Row("portal:download", frozenset({"ministry", "department", "local", "principal", "vice",
                                      "gvcn", "parent", "student"}), _portal_record),
    Row("reports:index", frozenset({"ministry", "department", "department_other", "local",
                                    "principal", "principal_other", "vice"})),
    Row("reports:school", frozenset({"ministry", "department", "local", "principal", "vice"}),
        lambda w: {"pk": w["school"].pk}),
    Row("verification:index", PUBLIC),
    Row("verification:status", PUBLIC, allow_status=(400,)),  # no code given: malformed
    Row("schooladmin:school", LEADERS, _school),
    Row("schooladmin:open_year", LEADERS, _school, method="post"),
    Row("schooladmin:create_class", LEADERS, _school, method="post"),
    Row("schooladmin:subject_teacher", LEADERS, lambda w: {**_school(w), **_school_class(w)},
        method="post"),
    Row("schooladmin:enrol", LEADERS, lambda w: {**_school(w), **_school_class(w)},
        method="post"),
    Row("schooladmin:parent_account", LEADERS, _school, method="post"),
    Row("schooladmin:leave", LEADERS, _school),
    Row("schooladmin:leave", LEADERS, _school, method="post", allow_status=(400,)),
    Row("apitokens:tokens", frozenset({"principal"}), _school),
    Row("apitokens:create", frozenset({"principal"}), _school, method="post",
        data={"name": "Phần mềm"}),
    Row("apitokens:revoke", frozenset({"principal"}), _api_token, method="post",
        allow_status=(302,)),
    Row("transfers:school", frozenset({"principal"}), _school),
    Row("transfers:export", frozenset({"principal"}),
        lambda w: {**_school(w), "student_id": w["enrolment"].student_id}, method="post",
        allow_status=(409,)),  # allowed, but the student has no issued record yet
    Row("transfers:receive", frozenset({"principal"}), _school, method="post",
        allow_status=(400,)),  # allowed, but no file was sent
    Row("transfers:accept", frozenset({"principal"}), _school, method="post",
        allow_status=(409,)),  # allowed, but no package is waiting
    Row("transfers:received", frozenset({"ministry", "department", "local", "principal", "vice",
                                         "gvcn", "parent", "student"}), _received),
    Row("transfers:history", frozenset({"ministry", "department", "local", "principal", "vice",
                                        "gvcn", "parent", "student"}), _received_history),
    Row("imports:class", frozenset({"gvcn", "teacher", "teacher_other", "principal", "vice"}),
        _school_class),
    Row("imports:roster_template", frozenset({"gvcn", "principal", "vice"}), _school_class),
    Row("imports:evaluation_template", frozenset({"gvcn", "teacher", "teacher_other"}),
        _school_class),
    Row("imports:upload", frozenset({"gvcn", "teacher", "teacher_other", "principal", "vice"}),
        _school_class, method="post", allow_status=(422,)),
    Row("imports:school", LEADERS, _school),
]  # fmt: skip
# URL prefixes that are not the app's own pages. "api:" is the vendor REST API: it answers
# only to API tokens (a web session gets 401), and its school-by-school matrix (a token of
# school A gets 404 on school B) is tested in tests/apps/api.
NOT_IN_MATRIX = ("admin:", "api:", "admin_login_redirect")  # the admin; its login redirect


@pytest.fixture
def world(db) -> dict[str, Any]:
    load_demo_school(demo_school(seed=1, classes_per_grade=1, students_per_class=2))
    school = School.objects.get()
    ministry = OrgUnit.objects.get(kind="ministry")
    dept = school.org_unit.parent.parent
    other_dept = directory.create_org_unit(
        kind="department", code="S79", name="Sở 79", parent=ministry
    )
    other_local = directory.create_org_unit(
        kind="local_office", code="L79", name="Xã 79", parent=other_dept
    )
    other_school = directory.create_school(parent=other_local, school_code="T79", name="Trường 79")
    current = Enrolment.objects.filter(school_class__school_year__code="2024-2025").order_by(
        "school_class__grade", "id"
    )
    one, two = current[0], current[1]
    cls = one.school_class
    other_cls = current.filter(school_class__grade=2).first().school_class
    users = {
        "ministry": dict(role=Role.MINISTRY_OFFICER, org_unit=ministry),
        "department": dict(role=Role.DEPARTMENT_OFFICER, org_unit=dept),
        "department_other": dict(role=Role.DEPARTMENT_OFFICER, org_unit=other_dept),
        "local": dict(role=Role.LOCAL_OFFICER, org_unit=school.org_unit.parent),
        "principal": dict(role=Role.PRINCIPAL, org_unit=school.org_unit),
        "principal_other": dict(role=Role.PRINCIPAL, org_unit=other_school.org_unit),
        "vice": dict(role=Role.VICE_PRINCIPAL, org_unit=school.org_unit),
        "gvcn": dict(role=Role.HOMEROOM_TEACHER, school_class=cls),
        "gvcn_other": dict(role=Role.HOMEROOM_TEACHER, school_class=other_cls),
        "teacher": dict(role=Role.SUBJECT_TEACHER, school_class=cls, subject_code="TOAN"),
        "teacher_other": dict(role=Role.SUBJECT_TEACHER, school_class=cls, subject_code="TV"),
        "parent": dict(role=Role.PARENT, student=one.student),
        "parent_other": dict(role=Role.PARENT, student=two.student),
        "student": dict(role=Role.STUDENT, student=one.student),
    }
    for name, grant in users.items():
        create_user(name, PASSWORD, **grant)
    return {"school": school, "class": cls, "enrolment": one, "other_school": other_school}


def _names(resolver: URLResolver, prefix: str = "") -> list[str]:
    names = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names.extend(_names(entry, ns))
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(prefix + entry.name)
    return names


def test_every_url_has_a_matrix_row():
    in_matrix = {row.url_name for row in MATRIX}
    missing = [
        name for name in _names(get_resolver())
        if name not in in_matrix and not name.startswith(NOT_IN_MATRIX)
    ]  # fmt: skip
    assert missing == []


@pytest.mark.parametrize("row", MATRIX, ids=[r.url_name for r in MATRIX])
def test_matrix(client, world, row):
    url = reverse(row.url_name, kwargs=row.kwargs(world))
    allowed = EVERYONE if row.allowed == PUBLIC else row.allowed
    for user in sorted(EVERYONE):
        client.logout()
        assert client.login(username=user, password=PASSWORD)
        response = getattr(client, row.method)(url, row.data)
        expected = row.allow_status if user in allowed else (404,)
        assert response.status_code in expected, (user, row.url_name, response.status_code)
    client.logout()
    response = getattr(client, row.method)(url, row.data)
    if row.allowed == PUBLIC:
        assert response.status_code in row.allow_status
    else:
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
