"""Setting a student's working data to a given year-end result (TT27 Art. 9), for tests."""

from __future__ import annotations

from hocba.apps.records.models import RatingEvaluation, SubjectEvaluation, YearSummary


def set_result(enrolment, result: str) -> None:
    """HTXS: all T, tested scores 10, ratings T. HTT: the same with scores 8. CHT: only Toán
    at level C with score 3 (the rest H, 7, Đ), no supplementary assessment entered yet."""
    subjects = SubjectEvaluation.objects.filter(enrolment=enrolment)
    if result == "CHT":
        subjects.update(level="H")
        subjects.filter(test_score__isnull=False).update(test_score=7)
        subjects.filter(subject_code="TOAN").update(level="C", test_score=3, comment="Cần ôn.")
        RatingEvaluation.objects.filter(enrolment=enrolment).update(level="Đ")
        YearSummary.objects.filter(enrolment=enrolment).update(supplementary=None, promotion=None)
        return
    score = {"HTXS": 10, "HTT": 8}[result]
    subjects.update(level="T")
    subjects.filter(test_score__isnull=False).update(test_score=score)
    RatingEvaluation.objects.filter(enrolment=enrolment).update(level="T")
