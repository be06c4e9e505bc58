"""The individual education plan of a student with disabilities (TT27 Art. 8): recorded by
the GVCN, carried into the built record, finalised and printed with "Miễn"."""

from __future__ import annotations

import subprocess

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.tags import EventTag
from hocba.apps.records.models import (
    ClassFinalisation,
    IndividualPlan,
    RecordVersion,
    SubjectEvaluation,
    YearSummary,
)
from hocba.apps.records.services import build_record
from hocba.render import render_pdf
from hocba.rules import tt27
from hocba.spec import PlanSubjectMode, load_record
from tests.tools import require

pytestmark = pytest.mark.django_db
PLAN = {"has_plan": "1", "reference": "KHGDCN số 03/2024", "mode_NN1": "mien",
        "mode_TOAN": "theo_ke_hoach"}  # fmt: skip


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def plan_url(world, enrolment=None):
    enrolment = enrolment or world.enrolments[0]
    return reverse("records:individual_plan", args=[world.cls.pk, enrolment.pk])


def test_the_review_page_links_each_student_to_the_plan_page(world):
    body = _client(world.gvcn).get(reverse("records:review", args=[world.cls.pk])).content
    assert plan_url(world).encode() in body


def test_the_gvcn_records_a_plan_carried_into_the_record_and_audited(world):  # TT27 Art. 8
    response = _client(world.gvcn).post(plan_url(world), PLAN)
    assert response.status_code == 302
    record = build_record(world.enrolments[0])
    assert record.individual_plan is not None
    assert record.individual_plan.reference == "KHGDCN số 03/2024"
    modes = {e.code: e.mode for e in record.individual_plan.subjects}
    assert modes == {"NN1": PlanSubjectMode.EXEMPTED, "TOAN": PlanSubjectMode.BY_PLAN}
    assert "NN1" not in [s.code for s in record.subjects]
    event = AuditEvent.objects.get(tag=str(EventTag.EVALUATION_PLAN_CHANGED))
    assert event.data["exempted"] == ["NN1"] and event.data["by_plan"] == ["TOAN"]
    assert "KHGDCN" not in str(event.data)


def test_unticking_the_plan_removes_it(world):  # TT27 Art. 8
    client = _client(world.gvcn)
    client.post(plan_url(world), PLAN)
    assert client.post(plan_url(world), {"reference": "x"}).status_code == 302
    assert not IndividualPlan.objects.exists()
    assert build_record(world.enrolments[0]).individual_plan is None


def test_a_plan_without_its_reference_is_refused(world):
    response = _client(world.gvcn).post(plan_url(world), {**PLAN, "reference": " "})
    assert response.status_code == 422
    assert "Cần ghi số, ngày hoặc mô tả ngắn" in response.content.decode()
    assert not IndividualPlan.objects.exists()


@pytest.mark.parametrize("who", ["teacher_tv", "gvcn_other", "principal", "parent"])
def test_only_the_gvcn_may_record_a_plan(world, who):
    assert _client(getattr(world, who)).post(plan_url(world), PLAN).status_code == 404
    assert not IndividualPlan.objects.exists()


def test_the_principal_of_another_school_cannot_see_or_record_a_plan(world, stranger):
    client = _client(stranger)
    assert client.get(plan_url(world)).status_code == 404
    assert client.post(plan_url(world), PLAN).status_code == 404
    assert not IndividualPlan.objects.exists()


def test_a_finalised_class_refuses_a_plan(world):
    ClassFinalisation.objects.create(
        school_class=world.cls, locked=True, finalised_by=world.gvcn, finalised_at=timezone.now()
    )
    assert _client(world.gvcn).post(plan_url(world), PLAN).status_code == 409
    assert not IndividualPlan.objects.exists()


def test_an_art_8_student_with_an_exempted_subject_is_finalised_and_prints_mien(
    world, tmp_path
):  # TT27 Art. 8
    require("pdftotext")
    enrolment = world.enrolments[0]
    client = _client(world.gvcn)
    assert client.post(plan_url(world, enrolment), PLAN).status_code == 302
    # as the plan says: no periodic test in Toán, nothing at all in Ngoại ngữ 1
    SubjectEvaluation.objects.filter(enrolment=enrolment, subject_code="TOAN").update(
        test_score=None
    )
    SubjectEvaluation.objects.filter(enrolment=enrolment, subject_code="NN1").update(
        level="", test_score=None
    )
    YearSummary.objects.filter(enrolment__in=world.enrolments).update(overall_result="")
    response = client.post(reverse("records:finalise", args=[world.cls.pk]), {"xac_nhan": "1"})
    assert response.status_code == 302
    version = RecordVersion.objects.get(enrolment=enrolment)
    record = load_record(bytes(version.canonical))
    assert version.status == RecordVersion.Status.FINAL
    assert record.individual_plan is not None
    assert [f for f in tt27.evaluate(record) if f.is_error] == []
    path = tmp_path / "hocba.pdf"
    path.write_bytes(render_pdf(record))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Học sinh khuyết tật, đánh giá theo kế hoạch giáo dục cá nhân" in text
    assert any("Ngoại ngữ 1" in line and "Miễn" in line for line in text.splitlines())
