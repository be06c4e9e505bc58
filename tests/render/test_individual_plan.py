"""A student with an individual education plan on the printed record (TT27 Art. 8)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hocba.render import Renderer
from hocba.render.view import record_view
from hocba.rules import tt27
from hocba.spec import IndividualPlan, PlanSubject, PlanSubjectMode, Record
from tests.builders import primary_record
from tests.tools import require

PLAN = IndividualPlan(
    reference="KHGDCN số 03/2024",
    subjects=[
        PlanSubject(code="NN1", mode=PlanSubjectMode.EXEMPTED),
        PlanSubject(code="TOAN", mode=PlanSubjectMode.BY_PLAN),
    ],
)


@pytest.fixture(scope="module")
def planned() -> Record:
    base = primary_record()
    subjects = [
        s.model_copy(update={"test_score": None}) if s.code == "TOAN" else s
        for s in base.subjects
        if s.code != "NN1"
    ]
    record = base.model_copy(update={"subjects": subjects, "individual_plan": PLAN})
    return tt27.with_computed_results(record)


def test_an_exempted_subject_has_a_mien_row_in_the_catalog_order(planned):  # TT27 Art. 8
    rows = record_view(planned, verify_url="https://x/v")["subjects"]
    assert [r["name"] for r in rows][1:4] == ["Toán", "Ngoại ngữ 1", "Đạo đức"]
    assert rows[2]["level"] == "Miễn" and rows[2]["score"] == ""


def test_a_record_without_a_plan_prints_no_plan_line():  # TT27 Art. 8
    assert record_view(primary_record(), verify_url="https://x/v")["plan"] is None


def test_the_pdf_says_the_student_is_assessed_by_the_plan_and_mien(
    renderer: Renderer, planned: Record, tmp_path: Path
):  # TT27 Art. 8
    require("pdftotext")
    path = tmp_path / "plan.pdf"
    path.write_bytes(renderer.render(planned, verify_url="https://hocba.example/v"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Học sinh khuyết tật, đánh giá theo kế hoạch giáo dục cá nhân" in text
    assert any("Ngoại ngữ 1" in line and "Miễn" in line for line in text.splitlines())
