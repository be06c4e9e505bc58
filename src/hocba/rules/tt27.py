"""Circular 27/2020/TT-BGDĐT: primary assessment rules as pure functions (DOMAIN §4).

Nothing here does I/O. ``evaluate(record)`` lists findings; ``overall_result``,
``expected_completion`` and ``excellent_eligible`` compute what the record should state.
Every finding cites the article ``hocba.rules.articles.FINDING_ARTICLES`` assigns its code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from hocba.errors import CatalogError
from hocba.rules.articles import article_of
from hocba.rules.findings import Finding, Severity
from hocba.rules.personal_id import check_personal_id
from hocba.spec import (
    SIGNING_ORDER,
    Commendation,
    CommendationKind,
    Completion,
    GradeCatalog,
    OverallResult,
    PlanSubjectMode,
    Rating,
    RatingLevel,
    Record,
    SubjectLevel,
    grade_catalog,
)

PROMOTION_TITLE_PRIMARY = "Hoàn thành chương trình tiểu học"
EXCELLENT_TITLE = "Học sinh Xuất sắc"


@dataclass(frozen=True)
class Assessment:
    """The inputs of Art. 9, after any supplementary assessment has replaced some of them."""

    subject_levels: tuple[SubjectLevel, ...]
    rating_levels: tuple[RatingLevel, ...]
    year_end_scores: tuple[int, ...]


def plan_modes(record: Record) -> dict[str, PlanSubjectMode]:
    """Subject code → how the individual education plan assesses it (TT27 Art. 8); empty
    for a student without a plan."""
    plan = record.individual_plan
    return {} if plan is None else {p.code: p.mode for p in plan.subjects}


def classify(a: Assessment) -> OverallResult:
    """TT27 Art. 9.2a: the four results, checked from the highest down."""
    all_good = all(lv is SubjectLevel.GOOD for lv in a.subject_levels)
    ratings_good = all(lv is RatingLevel.GOOD for lv in a.rating_levels)
    if all_good and ratings_good and all(s >= 9 for s in a.year_end_scores):
        return OverallResult.EXCELLENT
    if all_good and ratings_good and all(s >= 7 for s in a.year_end_scores):
        return OverallResult.GOOD
    none_failed = all(lv is not SubjectLevel.NOT_DONE for lv in a.subject_levels)
    ratings_ok = all(lv is not RatingLevel.NEEDS_EFFORT for lv in a.rating_levels)
    if none_failed and ratings_ok and all(s >= 5 for s in a.year_end_scores):
        return OverallResult.DONE
    return OverallResult.NOT_DONE


def _scores(record: Record, catalog: GradeCatalog) -> tuple[int, ...]:
    scores = []
    for subject in record.subjects:
        spec = catalog.subject(subject.code)
        if spec is not None and spec.tested and subject.test_score is not None:
            scores.append(subject.test_score)
    return tuple(scores)


def year_end_assessment(record: Record) -> Assessment:
    """The Art. 9 inputs: the subjects the record has rows for, all ratings, the scores given.

    TT27 Art. 8: a student with disabilities is assessed by the requirements of the
    individual education plan. Our reading: the end-of-year result is still the Art. 9.2a
    classification, over what the plan assesses. An exempted subject has no row, so it is
    excluded from the levels and the score condition; a subject assessed by the plan counts
    with the level the plan's requirements gave it, and its score only where the plan sets a
    periodic test (a missing score is no condition). Qualities and competences count as for
    every student.
    """
    catalog = grade_catalog(record.school_year, record.grade)
    return Assessment(
        subject_levels=tuple(s.level for s in record.subjects),
        rating_levels=tuple(r.level for r in (*record.qualities, *record.competences)),
        year_end_scores=_scores(record, catalog),
    )


def overall_result(record: Record) -> OverallResult:
    """The end-of-year result the record should state (TT27 Art. 9.2a)."""
    return classify(year_end_assessment(record))


def _replace(ratings: Sequence[Rating], redone: Sequence[Rating]) -> tuple[RatingLevel, ...]:
    by_code = {r.code: r.level for r in redone}
    return tuple(by_code.get(r.code, r.level) for r in ratings)


def after_supplementary(record: Record) -> OverallResult | None:
    """The result once the supplementary assessment replaces what it re-assessed (Art. 11.1b)."""
    sup = record.supplementary
    if sup is None:
        return None
    catalog = grade_catalog(record.school_year, record.grade)
    redone = {s.code: s for s in sup.subjects}
    levels, scores = [], []
    for subject in record.subjects:
        new = redone.get(subject.code)
        levels.append(new.level if new else subject.level)
        score = new.test_score if new and new.test_score is not None else subject.test_score
        spec = catalog.subject(subject.code)
        if spec is not None and spec.tested and score is not None:
            scores.append(score)
    ratings = _replace(record.qualities, sup.qualities) + _replace(
        record.competences, sup.competences
    )
    return classify(Assessment(tuple(levels), ratings, tuple(scores)))


def completion_statement(grade: int) -> str:
    """What the học bạ says for a student who completed the grade (TT27 Art. 11.1a; grade 5:
    Art. 11.2, completion of the primary programme)."""
    if grade == 5:
        return PROMOTION_TITLE_PRIMARY
    return f"Hoàn thành chương trình lớp {grade}"


def expected_completion(record: Record) -> Completion | None:
    """Completion the record should state; None while a supplementary assessment is pending."""
    result = overall_result(record)
    if result is OverallResult.NOT_DONE:
        later = after_supplementary(record)
        if later is None:
            return None
        result = later
    if result is OverallResult.NOT_DONE:
        return Completion(completed=False, statement=None)
    return Completion(completed=True, statement=completion_statement(record.grade))


def excellent_eligible(record: Record) -> bool:
    """TT27 Art. 13.1a: 'Học sinh Xuất sắc' goes to students with Hoàn thành xuất sắc."""
    return overall_result(record) is OverallResult.EXCELLENT


# --- findings -----------------------------------------------------------------------------


def _err(code: str, message: str, path: str) -> Finding:
    return Finding(code, Severity.ERROR, message, path, article_of(code))


def _warn(code: str, message: str, path: str) -> Finding:
    return Finding(code, Severity.WARNING, message, path, article_of(code))


def _check_subjects(record: Record, catalog: GradeCatalog) -> Iterator[Finding]:
    seen: set[str] = set()
    g = record.grade
    modes = plan_modes(record)
    for i, subject in enumerate(record.subjects):
        path = f"$.subjects[{i}]"
        spec = catalog.subject(subject.code)
        if subject.code in seen:
            yield _err("subject.duplicate", f"Môn {subject.name} được ghi hai lần.", path)
        seen.add(subject.code)
        if spec is None:
            msg = f"Môn '{subject.name}' ({subject.code}) không có trong chương trình lớp {g}."
            yield _err("subject.not_in_catalog", msg, f"{path}.code")
            continue
        if subject.name != spec.name:
            msg = f"Tên môn '{subject.name}' khác tên trong danh mục: '{spec.name}'."
            yield _warn("subject.name_differs", msg, f"{path}.name")
        by_plan = modes.get(subject.code) is PlanSubjectMode.BY_PLAN
        if modes.get(subject.code) is PlanSubjectMode.EXEMPTED:
            msg = (
                f"Môn {spec.name} được miễn theo kế hoạch giáo dục cá nhân nên không được đánh giá."
            )
            yield _err("plan.exempted_assessed", msg, path)
        if spec.tested and subject.test_score is None and not by_plan:  # Art. 8: as planned
            msg = f"Môn {spec.name} lớp {g} có kiểm tra định kỳ cuối năm nhưng thiếu điểm."
            yield _err("score.missing", msg, f"{path}.test_score")
        if not spec.tested and subject.test_score is not None:
            msg = f"Môn {spec.name} lớp {g} không có kiểm tra định kỳ nên không được ghi điểm."
            yield _err("score.unexpected", msg, f"{path}.test_score")
        for term in ("mid_term_1", "mid_term_2"):
            period = getattr(subject, term)
            if period is not None and period.test_score is not None and not spec.midterm_tested:
                msg = f"Môn {spec.name} lớp {g} không có kiểm tra giữa kỳ nên không được ghi điểm."
                yield _err("score.unexpected", msg, f"{path}.{term}.test_score")
        term_1 = subject.end_term_1
        if term_1 is not None and term_1.test_score is not None and not spec.tested:
            msg = f"Môn {spec.name} không có kiểm tra định kỳ nên không được ghi điểm."
            yield _err("score.unexpected", msg, f"{path}.end_term_1.test_score")
        if subject.level is SubjectLevel.NOT_DONE and not subject.comment.strip():
            msg = f"Môn {spec.name} ở mức Chưa hoàn thành cần có nhận xét."
            yield _warn("comment.missing", msg, f"{path}.comment")
    for spec in catalog.compulsory_subjects:
        if spec.code not in seen and modes.get(spec.code) is not PlanSubjectMode.EXEMPTED:
            msg = f"Thiếu môn bắt buộc của lớp {g}: {spec.name}."
            yield _err("subject.missing", msg, "$.subjects")


def _check_plan(record: Record, catalog: GradeCatalog) -> Iterator[Finding]:
    """TT27 Art. 8: the plan names subjects of this grade, each once."""
    plan = record.individual_plan
    if plan is None:
        return
    seen: set[str] = set()
    for i, entry in enumerate(plan.subjects):
        path = f"$.individual_plan.subjects[{i}]"
        if entry.code in seen:
            msg = f"Môn {entry.code} được ghi hai lần trong kế hoạch giáo dục cá nhân."
            yield _err("plan.subject_duplicate", msg, path)
        seen.add(entry.code)
        if catalog.subject(entry.code) is None:
            msg = (
                f"Kế hoạch giáo dục cá nhân ghi môn {entry.code} không có trong lớp {record.grade}."
            )
            yield _err("plan.subject_unknown", msg, f"{path}.code")


def _check_ratings(
    ratings: Sequence[Rating], specs: Iterable[tuple[str, str]], field: str, noun: str
) -> Iterator[Finding]:
    known = dict(specs)
    seen: set[str] = set()
    for i, rating in enumerate(ratings):
        path = f"$.{field}[{i}]"
        if rating.code in seen:
            yield _err(f"{field}.duplicate", f"{noun} {rating.name} ghi hai lần.", path)
        seen.add(rating.code)
        if rating.code not in known:
            msg = f"{noun} '{rating.name}' ({rating.code}) không có trong danh mục."
            yield _err(f"{field}.unknown", msg, f"{path}.code")
    for code, name in known.items():
        if code not in seen:
            yield _err(f"{field}.missing", f"Thiếu {noun.lower()}: {name}.", f"$.{field}")


def _check_result(record: Record) -> Iterator[Finding]:
    computed = overall_result(record)
    if record.overall_result is None:
        msg = f"Chưa ghi kết quả giáo dục cuối năm (theo quy định: {computed.label_vi})."
        yield _err("overall_result.missing", msg, "$.overall_result")
    elif record.overall_result is not computed:
        msg = (
            f"Kết quả ghi '{record.overall_result.label_vi}' khác kết quả tính theo quy định: "
            f"'{computed.label_vi}'."
        )
        yield _err("overall_result.mismatch", msg, "$.overall_result")

    # Art. 11.1c: the principal decides promotion; grade 5 has no promotion (Art. 11.2), its
    # stray decision is reported by _check_grade_five.
    decides = record.grade < 5
    if computed is not OverallResult.NOT_DONE:
        if record.supplementary is not None:
            msg = "Học sinh đã hoàn thành chương trình nên không có đánh giá bổ sung."
            yield _err("supplementary.unexpected", msg, "$.supplementary")
        if decides and record.promotion is not None:
            msg = "Học sinh đã hoàn thành chương trình nên không có quyết định lên lớp."
            yield _err("promotion.unexpected", msg, "$.promotion")
    else:
        later = after_supplementary(record)
        if later is None:
            msg = "Học sinh chưa hoàn thành: cần đánh giá bổ sung trước khi ký học bạ."
            yield _warn("supplementary.pending", msg, "$.supplementary")
        elif decides and later is OverallResult.NOT_DONE and record.promotion is None:
            msg = (
                "Sau đánh giá bổ sung vẫn chưa hoàn thành: cần quyết định lên lớp của hiệu trưởng."
            )
            yield _err("promotion.missing", msg, "$.promotion")
        elif decides and later is not OverallResult.NOT_DONE and record.promotion is not None:
            msg = "Học sinh đã hoàn thành sau đánh giá bổ sung nên không có quyết định lên lớp."
            yield _err("promotion.unexpected", msg, "$.promotion")

    expected = expected_completion(record)
    if expected is not None and record.completion != expected:
        level = "tiểu học" if record.grade == 5 else "lớp học"
        want = expected.statement or f"Chưa hoàn thành chương trình {level}"
        msg = f"Xác nhận hoàn thành chương trình phải là: '{want}'."
        code = "completion.missing" if record.completion is None else "completion.mismatch"
        yield _err(code, msg, "$.completion")


def _check_commendations(record: Record) -> Iterator[Finding]:
    computed = overall_result(record)
    kinds = [c.kind for c in record.commendations]
    for i, kind in enumerate(kinds):
        path = f"$.commendations[{i}]"
        if kind is CommendationKind.EXCELLENT and computed is not OverallResult.EXCELLENT:
            msg = "Khen 'Học sinh Xuất sắc' chỉ dành cho học sinh Hoàn thành xuất sắc."
            yield _err("commendation.not_eligible", msg, path)
        if kind is CommendationKind.OUTSTANDING and computed is not OverallResult.GOOD:
            msg = "Khen 'Học sinh tiêu biểu hoàn thành tốt' chỉ dành cho học sinh Hoàn thành tốt."
            yield _err("commendation.not_eligible", msg, path)
    if computed is OverallResult.EXCELLENT and CommendationKind.EXCELLENT not in kinds:
        msg = "Học sinh Hoàn thành xuất sắc đủ điều kiện khen 'Học sinh Xuất sắc' nhưng chưa ghi."
        yield _warn("commendation.expected", msg, "$.commendations")


def _check_grade_five(record: Record) -> Iterator[Finding]:
    """TT27 Art. 11.2: grade 5 ends with completion of the primary programme or not; the
    principal's promotion decision (Art. 11.1c) has no place there."""
    if record.grade == 5 and record.promotion is not None:
        msg = (
            "Học sinh lớp 5 không có quyết định được lên lớp hay chưa được lên lớp: lớp 5 chỉ "
            "xác nhận hoàn thành hoặc chưa hoàn thành chương trình tiểu học."
        )
        yield _err("promotion.not_for_grade_5", msg, "$.promotion")


def _check_identity_and_plan(record: Record) -> Iterator[Finding]:
    if record.student.personal_id is None:
        msg = "Học sinh chưa có số định danh cá nhân; cần bổ sung khi có."
        yield _warn("student.personal_id_missing", msg, "$.student.personal_id")
    yield from check_personal_id(record.student)
    roles = tuple(s.role for s in record.signers)
    if roles != SIGNING_ORDER:
        msg = "Người ký phải gồm, theo thứ tự: giáo viên chủ nhiệm, hiệu trưởng, con dấu số của trường."
        yield _err("signers.plan", msg, "$.signers")
    start = int(record.school_year[:4])
    if int(record.school_year[5:]) != start + 1:
        msg = f"Năm học '{record.school_year}' không hợp lệ (hai năm liên tiếp)."
        yield _err("school_year.invalid", msg, "$.school_year")
    elif not (start <= record.dated.year <= start + 1):
        msg = f"Ngày lập {record.dated:%d/%m/%Y} không thuộc năm học {record.school_year}."
        yield _warn("dated.outside_year", msg, "$.dated")


def evaluate(record: Record) -> list[Finding]:
    """Every finding for one record, errors and warnings, in document order."""
    try:
        catalog = grade_catalog(record.school_year, record.grade)
    except CatalogError as exc:
        return [_err("catalog.unavailable", exc.message_vi, "$.school_year")]
    findings = [
        *_check_identity_and_plan(record),
        *_check_grade_five(record),
        *_check_subjects(record, catalog),
        *_check_plan(record, catalog),
        *_check_ratings(
            record.qualities,
            ((q.code, q.name) for q in catalog.qualities),
            "qualities",
            "Phẩm chất",
        ),
        *_check_ratings(
            record.competences,
            ((c.code, c.name) for c in catalog.competences),
            "competences",
            "Năng lực",
        ),
    ]
    # Result checks compare against a computation that needs complete inputs.
    if not any(f.is_error for f in findings):
        findings += [*_check_result(record), *_check_commendations(record)]
    return findings


def with_computed_results(record: Record) -> Record:
    """The record with its overall result, completion and 'Học sinh Xuất sắc' filled in.

    What the school states is its own decision to sign; this is what entry screens and
    importers propose, and what ``evaluate`` then agrees with.
    """
    result = overall_result(record)
    commendations = list(record.commendations)
    if result is OverallResult.EXCELLENT and not any(
        c.kind is CommendationKind.EXCELLENT for c in commendations
    ):
        commendations.insert(
            0, Commendation(kind=CommendationKind.EXCELLENT, title=EXCELLENT_TITLE)
        )
    return record.model_copy(
        update={
            "overall_result": result,
            "completion": expected_completion(record),
            "commendations": commendations,
        }
    )
