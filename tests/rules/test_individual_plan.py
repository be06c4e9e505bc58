"""Students with disabilities assessed by an individual education plan (TT27 Art. 8)."""

from __future__ import annotations

from hocba.rules import tt27
from hocba.spec import IndividualPlan, OverallResult, PlanSubject, PlanSubjectMode, SubjectResult
from tests.builders import primary_record

EXEMPTED, BY_PLAN = PlanSubjectMode.EXEMPTED, PlanSubjectMode.BY_PLAN


def plan(**modes: PlanSubjectMode) -> IndividualPlan:
    entries = [PlanSubject(code=code, mode=mode) for code, mode in modes.items()]
    return IndividualPlan(reference="KHGDCN số 03/2024, ngày 15/9/2024", subjects=entries)


def planned_record(modes: dict[str, PlanSubjectMode], **kw: object):
    """A grade-3 record (all T, scores 10) whose exempted subjects have no row, and whose
    subjects assessed by the plan have no score."""
    base = primary_record(**kw)  # type: ignore[arg-type]
    subjects = [
        s.model_copy(update={"test_score": None}) if modes.get(s.code) is BY_PLAN else s
        for s in base.subjects
        if modes.get(s.code) is not EXEMPTED
    ]
    return base.model_copy(update={"subjects": subjects, "individual_plan": plan(**modes)})


def codes(record):
    return [f.code for f in tt27.evaluate(record)]


def test_without_a_plan_an_absent_subject_is_still_missing():  # TT27 Art. 5, Art. 8
    rec = primary_record().model_copy(update={"subjects": primary_record().subjects[1:]})
    assert "subject.missing" in codes(rec)


def test_an_exempted_subject_is_neither_missing_nor_needs_a_score():  # TT27 Art. 8
    rec = tt27.with_computed_results(planned_record({"NN1": EXEMPTED}))
    assert [f for f in tt27.evaluate(rec) if f.is_error] == []


def test_a_subject_assessed_by_the_plan_needs_no_periodic_test_score():  # TT27 Art. 8
    rec = tt27.with_computed_results(planned_record({"TOAN": BY_PLAN}))
    assert "score.missing" not in codes(rec)


def test_a_subject_assessed_by_the_plan_may_still_carry_the_plans_score():  # TT27 Art. 8
    rec = primary_record(individual_plan=plan(TOAN=BY_PLAN), scores={"TOAN": 6})
    assert tt27.overall_result(rec) is OverallResult.DONE


def test_an_exempted_subject_does_not_count_in_the_art_9_result():  # TT27 Art. 8, 9.2a
    rec = planned_record({"TOAN": EXEMPTED}, scores={"TOAN": 3})
    assert tt27.overall_result(rec) is OverallResult.EXCELLENT


def test_a_subject_assessed_by_the_plan_counts_with_its_level():  # TT27 Art. 8, 9.2a
    rec = planned_record({"TOAN": BY_PLAN}, levels={"TOAN": "H"})
    assert tt27.overall_result(rec) is OverallResult.DONE


def test_an_exempted_subject_that_still_has_a_level_is_an_error():  # TT27 Art. 8
    rec = primary_record(individual_plan=plan(NN1=EXEMPTED))
    assert "plan.exempted_assessed" in codes(rec)


def test_a_plan_naming_a_subject_outside_the_grade_is_an_error():  # TT27 Art. 8
    rec = planned_record({"NN1": EXEMPTED, "LSDL": EXEMPTED})
    assert "plan.subject_unknown" in codes(rec)


def test_a_plan_naming_a_subject_twice_is_an_error():  # TT27 Art. 8
    entries = [PlanSubject(code="NN1", mode=EXEMPTED), PlanSubject(code="NN1", mode=BY_PLAN)]
    rec = primary_record(individual_plan=IndividualPlan(reference="KH", subjects=entries))
    assert "plan.subject_duplicate" in codes(rec)


def test_plan_findings_cite_article_8():  # TT27 Art. 8
    findings = tt27.evaluate(planned_record({"NN1": EXEMPTED, "XX": EXEMPTED}))
    assert {f.article for f in findings if f.code.startswith("plan.")} == {"TT27 Điều 8"}


def test_a_subject_row_is_unchanged_by_a_plan_that_does_not_name_it():  # TT27 Art. 8
    rec = planned_record({"NN1": EXEMPTED})
    assert all(isinstance(s, SubjectResult) and s.test_score == 10 for s in rec.subjects[:2])
