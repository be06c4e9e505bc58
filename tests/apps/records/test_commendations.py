"""Commendations (TT27 Art. 13): "Học sinh Xuất sắc" derived from the result, "Học sinh Tiêu
biểu" and ad-hoc ones proposed by the GVCN and decided by the principal, audited, locked."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.services import verify_chain
from hocba.apps.audit.tags import EventTag
from hocba.apps.records import workflow, yearend
from hocba.apps.records.models import (
    ClassFinalisation,
    Commendation,
    RecordVersion,
    SubjectEvaluation,
)
from hocba.apps.records.services import build_record

from .results import set_result

pytestmark = pytest.mark.django_db
Status = Commendation.Status
OUTSTANDING, AD_HOC = Commendation.Kind.OUTSTANDING, Commendation.Kind.AD_HOC
REASON = "Tiêu biểu ở môn Toán, tiến bộ rõ rệt."


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def kinds(enrolment) -> list[str]:
    return [c.kind.value for c in build_record(enrolment).commendations]


def propose_url(world, enrolment):
    return reverse("records:propose_commendation", args=[world.cls.pk, enrolment.pk])


def decide_url(world, commendation):
    return reverse("records:decide_commendation", args=[world.cls.pk, commendation.pk])


def tags(tag) -> int:
    return AuditEvent.objects.filter(tag=str(tag)).count()


# --- "Học sinh Xuất sắc": derived, never stored ------------------------------------------------


def test_lowering_a_score_after_unlocking_drops_hoc_sinh_xuat_sac_and_finalising_succeeds(world):
    """The reported dead end: the stored 'Học sinh Xuất sắc' outlived the result."""
    student = world.enrolments[0]
    set_result(student, "HTXS")
    workflow.finalise_class(world.gvcn, world.cls)
    assert kinds(student) == ["hoc_sinh_xuat_sac"]
    workflow.unlock_student(world.principal, student, "Chấm lại bài kiểm tra môn Toán.")
    SubjectEvaluation.objects.filter(enrolment=student, subject_code="TOAN").update(test_score=8)
    response = _client(world.gvcn).post(
        reverse("records:finalise_student", args=[world.cls.pk, student.pk])
    )
    assert response.status_code == 302
    assert kinds(student) == []
    version = RecordVersion.objects.get(enrolment=student)
    assert (version.status, version.overall_result) == ("final", "HTT")


def test_hoc_sinh_xuat_sac_follows_the_result_both_ways(world):
    student = world.enrolments[0]
    set_result(student, "HTT")
    assert "hoc_sinh_xuat_sac" not in kinds(student)
    set_result(student, "HTXS")
    assert kinds(student) == ["hoc_sinh_xuat_sac"]
    assert not Commendation.objects.filter(enrolment=student).exists()


# --- proposing and deciding ----------------------------------------------------------------------


def test_the_gvcn_proposes_hoc_sinh_tieu_bieu_and_the_principal_approves_it_into_the_record(
    world,
):
    student = world.enrolments[0]
    set_result(student, "HTT")
    response = _client(world.gvcn).post(
        propose_url(world, student), {"kind": OUTSTANDING, "reason": REASON}
    )
    assert response.status_code == 302
    proposal = Commendation.objects.get(enrolment=student)
    assert (proposal.status, proposal.proposed_by) == (Status.PROPOSED, world.gvcn)
    assert kinds(student) == []  # not approved yet
    response = _client(world.principal).post(decide_url(world, proposal), {"decision": "approve"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (Status.APPROVED, world.principal)
    assert kinds(student) == ["hoc_sinh_tieu_bieu"]
    assert tags(EventTag.CLASS_COMMENDATION_PROPOSED) == 1
    assert tags(EventTag.CLASS_COMMENDATION_DECIDED) == 1
    assert verify_chain() is None


def test_hoc_sinh_tieu_bieu_is_refused_for_a_student_without_hoan_thanh_tot(world):
    student = world.enrolments[0]
    set_result(student, "HTXS")
    response = _client(world.gvcn).post(
        propose_url(world, student), {"kind": OUTSTANDING, "reason": REASON}
    )
    assert response.status_code == 422
    assert "chỉ dành cho học sinh có kết quả Hoàn thành tốt" in response.content.decode()
    assert not Commendation.objects.exists()


def test_an_ad_hoc_commendation_needs_its_text_and_a_reason(world):
    student = world.enrolments[1]
    client = _client(world.gvcn)
    response = client.post(propose_url(world, student), {"kind": AD_HOC, "reason": REASON})
    assert response.status_code == 422
    assert "Cần ghi nội dung khen thưởng đột xuất" in response.content.decode()
    response = client.post(
        propose_url(world, student), {"kind": AD_HOC, "title": "Nhặt được của rơi", "reason": "x"}
    )
    assert response.status_code == 422
    assert not Commendation.objects.exists()


def test_the_principal_proposes_an_ad_hoc_commendation_and_approves_it(world):
    student = world.enrolments[1]
    response = _client(world.principal).post(
        propose_url(world, student),
        {"kind": AD_HOC, "title": "Nhặt được của rơi trả người đánh mất", "reason": REASON},
    )
    assert response.status_code == 302
    proposal = Commendation.objects.get()
    yearend.decide_commendation(world.principal, proposal, approve=True)
    titles = [c.title for c in build_record(student).commendations]
    assert titles == ["Nhặt được của rơi trả người đánh mất"]


def test_declined_and_pending_proposals_never_reach_the_record(world):
    one, two = world.enrolments[0], world.enrolments[1]
    set_result(one, "HTT")
    declined = yearend.propose_commendation(world.gvcn, one, OUTSTANDING, REASON)
    yearend.decide_commendation(world.principal, declined, approve=False)
    yearend.propose_commendation(world.gvcn, two, AD_HOC, REASON, "Vẽ tranh đạt giải")
    assert kinds(one) == [] and kinds(two) == []


def test_the_principal_declines_an_approved_commendation_the_result_no_longer_supports(world):
    student = world.enrolments[0]
    set_result(student, "HTT")
    proposal = yearend.propose_commendation(world.gvcn, student, OUTSTANDING, REASON)
    yearend.decide_commendation(world.principal, proposal, approve=True)
    set_result(student, "HTXS")
    with pytest.raises(workflow.FinaliseBlocked):
        workflow.finalise_class(world.gvcn, world.cls)
    response = _client(world.principal).post(decide_url(world, proposal), {"decision": "decline"})
    assert response.status_code == 302
    workflow.finalise_class(world.gvcn, world.cls)
    assert kinds(student) == ["hoc_sinh_xuat_sac"]


def test_the_gvcn_withdraws_a_waiting_proposal_but_not_a_decided_one(world):
    student = world.enrolments[1]
    client = _client(world.gvcn)
    waiting = yearend.propose_commendation(world.gvcn, student, AD_HOC, REASON, "Vẽ tranh đẹp")
    url = reverse("records:withdraw_commendation", args=[world.cls.pk, waiting.pk])
    assert client.post(url).status_code == 302
    assert not Commendation.objects.exists()
    decided = yearend.propose_commendation(world.gvcn, student, AD_HOC, REASON, "Vẽ tranh đẹp")
    yearend.decide_commendation(world.principal, decided, approve=False)
    url = reverse("records:withdraw_commendation", args=[world.cls.pk, decided.pk])
    assert client.post(url).status_code == 409
    assert tags(EventTag.CLASS_COMMENDATION_WITHDRAWN) == 1


# --- finalising and the lock ---------------------------------------------------------------------


def test_finalising_with_a_waiting_proposal_is_refused_with_a_link_to_where_the_principal_decides(
    world,
):
    yearend.propose_commendation(world.gvcn, world.enrolments[1], AD_HOC, REASON, "Vẽ tranh")
    response = _client(world.gvcn).post(
        reverse("records:finalise", args=[world.cls.pk]), {"xac_nhan": "1"}
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "còn 1 đề nghị khen thưởng chờ hiệu trưởng duyệt" in body
    assert reverse("records:commendations", args=[world.cls.pk]) in body
    assert not ClassFinalisation.objects.filter(school_class=world.cls).exists()


def test_commendations_cannot_change_after_finalising(world):
    student = world.enrolments[1]
    proposal = yearend.propose_commendation(world.gvcn, student, AD_HOC, REASON, "Vẽ tranh")
    yearend.decide_commendation(world.principal, proposal, approve=True)
    workflow.finalise_class(world.gvcn, world.cls)
    response = _client(world.gvcn).post(
        propose_url(world, student), {"kind": AD_HOC, "title": "Hát hay", "reason": REASON}
    )
    assert response.status_code == 409
    response = _client(world.principal).post(decide_url(world, proposal), {"decision": "decline"})
    assert response.status_code == 409
    proposal.refresh_from_db()
    assert proposal.status == Status.APPROVED
    assert [c.title for c in build_record(student).commendations] == ["Vẽ tranh"]


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("gvcn", 200), ("principal", 200), ("teacher_tv", 404), ("gvcn_other", 404),
     ("parent", 404), ("stranger", 404)],
)  # fmt: skip
def test_the_commendation_page_is_for_the_gvcn_and_the_school_leaders(world, who, status, request):
    user = request.getfixturevalue("stranger") if who == "stranger" else getattr(world, who)
    response = _client(user).get(reverse("records:commendations", args=[world.cls.pk]))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("gvcn", 302), ("principal", 302), ("teacher_tv", 404), ("gvcn_other", 404),
     ("parent", 404), ("stranger", 404)],
)  # fmt: skip
def test_only_the_gvcn_or_the_principal_of_the_school_proposes(world, who, status, request):
    user = request.getfixturevalue("stranger") if who == "stranger" else getattr(world, who)
    response = _client(user).post(
        propose_url(world, world.enrolments[1]),
        {"kind": AD_HOC, "title": "Vẽ tranh đẹp", "reason": REASON},
    )
    assert response.status_code == status
    assert Commendation.objects.count() == (1 if status == 302 else 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [("principal", 302), ("gvcn", 404), ("teacher_tv", 404), ("parent", 404), ("stranger", 404)],
)
def test_only_the_principal_of_the_school_decides_a_proposal(world, who, status, request):
    proposal = yearend.propose_commendation(
        world.gvcn, world.enrolments[1], AD_HOC, REASON, "Vẽ tranh đẹp"
    )
    user = request.getfixturevalue("stranger") if who == "stranger" else getattr(world, who)
    response = _client(user).post(decide_url(world, proposal), {"decision": "approve"})
    assert response.status_code == status
    proposal.refresh_from_db()
    assert proposal.status == (Status.APPROVED if status == 302 else Status.PROPOSED)


@pytest.mark.parametrize(
    ("who", "status"),
    [("gvcn", 302), ("teacher_tv", 404), ("gvcn_other", 404), ("parent", 404), ("stranger", 404)],
)
def test_only_the_gvcn_or_principal_of_the_school_withdraws(world, who, status, request):
    proposal = yearend.propose_commendation(
        world.gvcn, world.enrolments[1], AD_HOC, REASON, "Vẽ tranh đẹp"
    )
    user = request.getfixturevalue("stranger") if who == "stranger" else getattr(world, who)
    url = reverse("records:withdraw_commendation", args=[world.cls.pk, proposal.pk])
    assert _client(user).post(url).status_code == status
    assert Commendation.objects.exists() == (status != 302)


def test_a_proposal_of_another_class_is_a_404_even_for_its_principal(world):
    other = world.other.enrolments.first()
    proposal = yearend.propose_commendation(world.principal, other, AD_HOC, REASON, "Vẽ tranh")
    response = _client(world.principal).post(decide_url(world, proposal), {"decision": "approve"})
    assert response.status_code == 404
