"""TT27/2020 rules (DOMAIN §4.3): results, completion, commendations and findings."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hocba.rules import tt27
from hocba.spec import (
    Commendation,
    CommendationKind,
    Completion,
    OverallResult,
    Promotion,
    PromotionDecision,
    RatingLevel,
    SubjectLevel,
    SupplementaryAssessment,
    SupplementarySubject,
)
from tests.builders import primary_record

R = OverallResult
RETAINED = PromotionDecision.RETAINED


def codes(record):
    return [f.code for f in tt27.evaluate(record)]


def completed(record):
    return tt27.with_computed_results(record)


# --- Art. 9: the four results -------------------------------------------------------------


def test_all_good_and_all_scores_nine_or_more_is_excellent():  # TT27 Art. 9.2a
    assert tt27.overall_result(primary_record(scores=9)) is R.EXCELLENT


def test_all_good_but_one_score_below_nine_is_good_not_excellent():  # TT27 Art. 9.2a
    rec = primary_record(scores={"TV": 10, "TOAN": 8})
    assert tt27.overall_result(rec) is R.GOOD


def test_one_subject_done_not_good_is_done():  # TT27 Art. 9.2a
    assert tt27.overall_result(primary_record(levels={"DD": "H"})) is R.DONE


def test_one_quality_pass_not_good_is_done():  # TT27 Art. 9.2a
    assert tt27.overall_result(primary_record(qualities={"cham_chi": "Đ"})) is R.DONE


def test_one_subject_not_done_is_not_done():  # TT27 Art. 9.2a
    assert tt27.overall_result(primary_record(levels={"GDTC": "C"})) is R.NOT_DONE


def test_one_competence_needs_effort_is_not_done():  # TT27 Art. 9.2a
    rec = primary_record(competences={"tinh_toan": "C"}, qualities="T")
    assert tt27.overall_result(rec) is R.NOT_DONE


def test_a_score_below_five_is_not_done_even_with_all_levels_good():  # TT27 Art. 9.2a
    assert tt27.overall_result(primary_record(scores={"TOAN": 4})) is R.NOT_DONE


def test_untested_subjects_do_not_count_towards_the_score_condition():  # TT27 Art. 7
    rec = primary_record(grade=1, scores=9)  # grade 1: only TV and TOAN are tested
    assert tt27.overall_result(rec) is R.EXCELLENT


# Every score threshold × each subject-level pattern × each rating pattern.
THRESHOLDS = [
    # (min score, subjects, ratings) -> result
    (10, "T", "T", R.EXCELLENT),
    (9, "T", "T", R.EXCELLENT),
    (8, "T", "T", R.GOOD),
    (7, "T", "T", R.GOOD),
    (6, "T", "T", R.DONE),
    (5, "T", "T", R.DONE),
    (4, "T", "T", R.NOT_DONE),
    (10, "H", "T", R.DONE),
    (9, "H", "T", R.DONE),
    (7, "H", "T", R.DONE),
    (5, "H", "T", R.DONE),
    (4, "H", "T", R.NOT_DONE),
    (10, "T", "Đ", R.DONE),
    (9, "T", "Đ", R.DONE),
    (7, "T", "Đ", R.DONE),
    (6, "T", "Đ", R.DONE),
    (5, "T", "Đ", R.DONE),
    (4, "T", "Đ", R.NOT_DONE),
    (10, "C", "T", R.NOT_DONE),
    (9, "C", "T", R.NOT_DONE),
    (5, "C", "T", R.NOT_DONE),
    (10, "T", "C", R.NOT_DONE),
    (7, "T", "C", R.NOT_DONE),
    (8, "H", "Đ", R.DONE),
]


@pytest.mark.parametrize(("score", "level", "rating", "expected"), THRESHOLDS)
def test_result_at_every_threshold(score, level, rating, expected):  # TT27 Art. 9.2a
    # One subject carries the pattern and the lowest score; the rest are at the top.
    rec = primary_record(
        grade=4, levels={"KH": level}, qualities={"trung_thuc": rating}, scores={"TOAN": score}
    )
    assert tt27.overall_result(rec) is expected


# --- monotonicity property ---------------------------------------------------------------

SUBJECT_LEVELS = ["C", "H", "T"]
RATING_LEVELS = ["C", "Đ", "T"]
GRADE4_TESTED = ["TV", "TOAN", "NN1", "LSDL", "KH", "TIN"]
GRADE4_SUBJECTS = ["TV", "TOAN", "NN1", "DD", "LSDL", "KH", "TIN", "GDTC", "AN", "MT", "HDTN"]
QUALITIES = ["yeu_nuoc", "nhan_ai", "cham_chi", "trung_thuc", "trach_nhiem"]


@st.composite
def assessments(draw):
    return (
        {c: draw(st.sampled_from(SUBJECT_LEVELS)) for c in GRADE4_SUBJECTS},
        {c: draw(st.sampled_from(RATING_LEVELS)) for c in QUALITIES},
        {c: draw(st.integers(0, 10)) for c in GRADE4_TESTED},
    )


@settings(max_examples=300, deadline=None)
@given(assessments(), st.data())
def test_raising_any_level_or_score_never_lowers_the_result(case, data):
    levels, ratings, scores = case
    before = tt27.overall_result(
        primary_record(grade=4, levels=levels, qualities=ratings, scores=scores)
    )
    kind = data.draw(st.sampled_from(["level", "rating", "score"]))
    if kind == "level":
        code = data.draw(st.sampled_from(GRADE4_SUBJECTS))
        up = SUBJECT_LEVELS[min(SUBJECT_LEVELS.index(levels[code]) + 1, 2)]
        levels = {**levels, code: up}
    elif kind == "rating":
        code = data.draw(st.sampled_from(QUALITIES))
        up = RATING_LEVELS[min(RATING_LEVELS.index(ratings[code]) + 1, 2)]
        ratings = {**ratings, code: up}
    else:
        code = data.draw(st.sampled_from(GRADE4_TESTED))
        scores = {**scores, code: data.draw(st.integers(scores[code], 10))}
    after = tt27.overall_result(
        primary_record(grade=4, levels=levels, qualities=ratings, scores=scores)
    )
    assert after.rank >= before.rank


# --- Art. 11: completion, supplementary assessment, promotion ----------------------------


def test_completion_text_names_the_grade():  # TT27 Art. 11.1a
    assert tt27.completion_statement(3) == "Hoàn thành chương trình lớp 3"


def test_grade_five_completes_primary_school():  # TT27 Art. 11.2
    rec = completed(primary_record(grade=5))
    assert rec.completion == Completion(
        completed=True, statement="Hoàn thành chương trình tiểu học"
    )
    assert codes(rec) == []


def test_not_done_without_supplementary_is_pending_not_completed():  # TT27 Art. 11.1b
    rec = completed(primary_record(scores={"TOAN": 3}))
    assert rec.completion is None
    assert codes(rec) == ["supplementary.pending"]


def _supplementary(level="H", score=6):
    return SupplementaryAssessment(
        assessed_on=dt.date(2025, 8, 5),
        subjects=[SupplementarySubject(code="TOAN", level=SubjectLevel(level), test_score=score)],
    )


def test_passing_the_supplementary_assessment_completes_the_grade():  # TT27 Art. 11.1b
    rec = completed(
        primary_record(levels={"TOAN": "C"}, scores={"TOAN": 3}, supplementary=_supplementary())
    )
    assert rec.overall_result is R.NOT_DONE
    assert rec.completion == Completion(completed=True, statement="Hoàn thành chương trình lớp 3")
    assert codes(rec) == []


def test_failing_the_supplementary_assessment_needs_the_principals_decision():  # Art. 11.1c
    rec = completed(
        primary_record(
            levels={"TOAN": "C"}, scores={"TOAN": 3}, supplementary=_supplementary("C", 4)
        )
    )
    assert rec.completion == Completion(completed=False, statement=None)
    assert codes(rec) == ["promotion.missing"]
    decided = rec.model_copy(
        update={
            "promotion": Promotion(
                decision=PromotionDecision.PROMOTED, decided_on=dt.date(2025, 8, 10)
            )
        }
    )
    assert codes(decided) == []


def test_supplementary_data_on_a_student_who_completed_is_an_error():  # TT27 Art. 11.1b
    rec = completed(primary_record(supplementary=_supplementary()))
    assert "supplementary.unexpected" in codes(rec)


def test_promotion_decision_on_a_student_who_completed_is_an_error():  # TT27 Art. 11.1c
    rec = completed(
        primary_record(
            promotion=Promotion(
                decision=PromotionDecision.PROMOTED, decided_on=dt.date(2025, 8, 10)
            )
        )
    )
    assert "promotion.unexpected" in codes(rec)


def _decided(decision=PromotionDecision.PROMOTED):
    return Promotion(decision=decision, decided_on=dt.date(2025, 8, 10))


def _failed_after_summer(grade):
    return completed(
        primary_record(
            grade=grade,
            levels={"TOAN": "C"},
            scores={"TOAN": 3},
            supplementary=_supplementary("C", 4),
        )
    )


def test_a_promotion_decision_at_grade_five_is_refused():  # TT27 Art. 11.2
    rec = _failed_after_summer(5).model_copy(update={"promotion": _decided()})
    assert codes(rec) == ["promotion.not_for_grade_5"]


def test_a_retention_decision_at_grade_five_is_refused_too():  # TT27 Art. 11.2
    rec = _failed_after_summer(5).model_copy(update={"promotion": _decided(RETAINED)})
    assert [f.is_error for f in tt27.evaluate(rec)] == [True]


def test_grade_five_failing_after_summer_needs_no_decision():  # TT27 Art. 11.2
    rec = _failed_after_summer(5)
    assert codes(rec) == [] and rec.completion == Completion(completed=False)


def test_a_promotion_decision_on_an_excellent_grade_five_student_is_refused():  # Art. 11.2
    rec = completed(primary_record(grade=5, promotion=_decided()))
    assert codes(rec) == ["promotion.not_for_grade_5"]


def test_the_grade_five_refusal_speaks_of_the_primary_programme():  # TT27 Art. 11.2
    (f,) = tt27.evaluate(_failed_after_summer(5).model_copy(update={"promotion": _decided()}))
    assert (f.path, f.article) == ("$.promotion", "TT27 Điều 11")
    assert "chương trình tiểu học" in f.message_vi


def test_grade_four_failing_after_summer_still_needs_the_decision():  # TT27 Art. 11.1c
    assert codes(_failed_after_summer(4)) == ["promotion.missing"]


# --- stated values must match the computation ---------------------------------------------


def test_stated_result_differing_from_computed_is_an_error():  # TT27 Art. 9.2a
    rec = completed(primary_record(scores={"TOAN": 8})).model_copy(
        update={"overall_result": R.EXCELLENT}
    )
    findings = tt27.evaluate(rec)
    assert [f.code for f in findings if f.is_error] == ["overall_result.mismatch"]
    assert findings[0].path == "$.overall_result"
    assert "Hoàn thành tốt" in findings[0].message_vi


def test_missing_overall_result_is_an_error():
    assert "overall_result.missing" in codes(primary_record())


def test_stated_completion_differing_from_computed_is_an_error():  # TT27 Art. 11.2
    rec = completed(primary_record(grade=5)).model_copy(
        update={"completion": Completion(completed=True, statement="Hoàn thành chương trình lớp 5")}
    )
    assert codes(rec) == ["completion.mismatch"]


# --- Art. 13: commendations ---------------------------------------------------------------


def test_excellent_students_are_eligible_for_hoc_sinh_xuat_sac():  # TT27 Art. 13.1a
    assert tt27.excellent_eligible(primary_record(scores=9))
    assert not tt27.excellent_eligible(primary_record(scores=8))


def test_computed_results_add_the_excellent_commendation():  # TT27 Art. 13.1a
    rec = completed(primary_record())
    assert [c.kind for c in rec.commendations] == [CommendationKind.EXCELLENT]


def test_excellent_commendation_for_a_good_student_is_an_error():  # TT27 Art. 13.1a
    rec = completed(primary_record(scores=8)).model_copy(
        update={
            "commendations": [
                Commendation(kind=CommendationKind.EXCELLENT, title="Học sinh Xuất sắc")
            ]
        }
    )
    assert codes(rec) == ["commendation.not_eligible"]


def test_outstanding_commendation_needs_hoan_thanh_tot():  # TT27 Art. 13.1a
    good = completed(primary_record(scores=8)).model_copy(
        update={
            "commendations": [
                Commendation(kind=CommendationKind.OUTSTANDING, title="Học sinh tiêu biểu")
            ]
        }
    )
    assert codes(good) == []
    done = completed(primary_record(levels={"DD": "H"})).model_copy(
        update={"commendations": good.commendations}
    )
    assert codes(done) == ["commendation.not_eligible"]


def test_excellent_student_without_the_commendation_gets_a_warning():
    rec = completed(primary_record()).model_copy(update={"commendations": []})
    assert codes(rec) == ["commendation.expected"]


# --- structure against the catalog (DOMAIN §4.1) -----------------------------------------


def test_a_compulsory_subject_missing_for_the_grade_is_an_error():  # TT27 Art. 5.1
    rec = primary_record(grade=4)
    rec = rec.model_copy(update={"subjects": [s for s in rec.subjects if s.code != "KH"]})
    findings = tt27.evaluate(rec)
    assert findings[0].code == "subject.missing"
    assert "Khoa học" in findings[0].message_vi


def test_a_subject_not_in_the_grades_catalog_is_an_error():  # TT27 Art. 5.1
    g4 = primary_record(grade=4)
    kh = next(s for s in g4.subjects if s.code == "KH")
    rec = primary_record(grade=2)
    rec = rec.model_copy(update={"subjects": [*rec.subjects, kh]})
    (finding,) = [f for f in tt27.evaluate(rec) if f.is_error]
    assert (finding.code, finding.path) == (
        "subject.not_in_catalog",
        f"$.subjects[{len(rec.subjects) - 1}].code",
    )


def test_a_tested_subject_without_a_score_is_an_error():  # TT27 Art. 7
    rec = primary_record(grade=3)
    subjects = [
        s.model_copy(update={"test_score": None}) if s.code == "TIN" else s for s in rec.subjects
    ]
    rec = rec.model_copy(update={"subjects": subjects})
    idx = next(i for i, s in enumerate(rec.subjects) if s.code == "TIN")
    (finding,) = tt27.evaluate(rec)
    assert (finding.code, finding.path) == ("score.missing", f"$.subjects[{idx}].test_score")


def test_a_score_on_an_untested_subject_is_an_error():  # TT27 Art. 7
    rec = primary_record(grade=3)
    subjects = [
        s.model_copy(update={"test_score": 9}) if s.code == "MT" else s for s in rec.subjects
    ]
    assert "score.unexpected" in codes(rec.model_copy(update={"subjects": subjects}))


def test_a_missing_quality_is_an_error():  # TT27 Art. 5.2
    rec = primary_record()
    rec = rec.model_copy(update={"qualities": rec.qualities[1:]})
    (finding,) = [f for f in tt27.evaluate(rec) if f.is_error]
    assert finding.code == "qualities.missing"
    assert "Yêu nước" in finding.message_vi


def test_a_missing_competence_is_an_error():  # TT27 Art. 5.2
    rec = primary_record()
    rec = rec.model_copy(update={"competences": rec.competences[:-1]})
    assert "competences.missing" in codes(rec)


def test_a_year_before_the_programme_reached_the_grade_has_no_catalog():
    rec = primary_record(grade=4, school_year="2024-2025").model_copy(
        update={"school_year": "2021-2022"}
    )
    assert codes(rec) == ["catalog.unavailable"]


def test_signers_must_be_planned_in_order():  # DOMAIN §7
    rec = completed(primary_record())
    rec = rec.model_copy(update={"signers": list(reversed(rec.signers))})
    assert "signers.plan" in codes(rec)


def test_a_student_without_a_personal_id_is_a_warning_not_a_block():  # TT27 Art. 10
    rec = completed(primary_record())
    rec = rec.model_copy(update={"student": rec.student.model_copy(update={"personal_id": None})})
    (finding,) = tt27.evaluate(rec)
    assert not finding.is_error
    assert finding.code == "student.personal_id_missing"


def test_every_finding_cites_an_article_and_speaks_vietnamese():
    rec = primary_record(levels={"TOAN": "C"})
    for f in tt27.evaluate(rec):
        assert f.article.startswith("TT27 Điều ")
        assert f.path.startswith("$")
        assert f.message_vi


def test_rating_levels_are_the_three_tt27_levels():
    assert [lv.label_vi for lv in RatingLevel] == ["Tốt", "Đạt", "Cần cố gắng"]
