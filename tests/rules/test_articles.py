"""Every finding code cites the article DOMAIN §4.2a assigns it; a wrong citation fails here.

The table below is written from the article map, not read from the code: Art. 5 content ·
Art. 7 periodic assessment (levels, test scores) · Art. 8 students with disabilities
(individual education plan) · Art. 9 end-of-year result · Art. 10 the
record file · Art. 11 completion / supplementary / promotion · Art. 13 commendations; the
personal ID's layout comes from NĐ 137/2015/NĐ-CP Điều 13.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from hocba.rules import articles, tt27
from tests.builders import primary_record

CITIZEN_ID = "NĐ 137/2015/NĐ-CP Điều 13"
EXPECTED = {
    # Art. 5: what is assessed — the programme's subjects, the qualities and competences
    "catalog.unavailable": "TT27 Điều 5",
    "subject.not_in_catalog": "TT27 Điều 5",
    "subject.missing": "TT27 Điều 5",
    "qualities.unknown": "TT27 Điều 5",
    "qualities.missing": "TT27 Điều 5",
    "competences.unknown": "TT27 Điều 5",
    "competences.missing": "TT27 Điều 5",
    # Art. 7: periodic assessment, levels and periodic test scores
    "score.missing": "TT27 Điều 7",
    "score.unexpected": "TT27 Điều 7",
    # Art. 8: students with disabilities, assessed by the individual education plan
    "plan.subject_unknown": "TT27 Điều 8",
    "plan.subject_duplicate": "TT27 Điều 8",
    "plan.exempted_assessed": "TT27 Điều 8",
    # Art. 9: the end-of-year result and its comments in the học bạ
    "comment.missing": "TT27 Điều 9",
    "overall_result.missing": "TT27 Điều 9",
    "overall_result.mismatch": "TT27 Điều 9",
    # Art. 10: the record file (học bạ, class summary table)
    "subject.duplicate": "TT27 Điều 10",
    "subject.name_differs": "TT27 Điều 10",
    "qualities.duplicate": "TT27 Điều 10",
    "competences.duplicate": "TT27 Điều 10",
    "student.personal_id_missing": "TT27 Điều 10",
    "signers.plan": "TT27 Điều 10",
    "school_year.invalid": "TT27 Điều 10",
    "dated.outside_year": "TT27 Điều 10",
    # Art. 11: completion of a grade / of primary, supplementary assessment, promotion
    "supplementary.unexpected": "TT27 Điều 11",
    "supplementary.pending": "TT27 Điều 11",
    "promotion.unexpected": "TT27 Điều 11",
    "promotion.missing": "TT27 Điều 11",
    "promotion.not_for_grade_5": "TT27 Điều 11",
    "completion.missing": "TT27 Điều 11",
    "completion.mismatch": "TT27 Điều 11",
    # Art. 13: commendations
    "commendation.not_eligible": "TT27 Điều 13",
    "commendation.expected": "TT27 Điều 13",
    # the personal ID number's layout
    "student.personal_id_province": CITIZEN_ID,
    "student.personal_id_century_sex": CITIZEN_ID,
    "student.personal_id_birth_year": CITIZEN_ID,
}
NEVER_CITED = {"TT27 Điều 6", "TT27 Điều 12"}  # no rule here rests on them


def test_every_finding_code_cites_the_article_of_the_map():
    assert dict(articles.FINDING_ARTICLES) == EXPECTED


def test_no_finding_cites_ongoing_assessment_or_hand_over():
    assert not NEVER_CITED & set(articles.FINDING_ARTICLES.values())


def _codes_in_source() -> set[str]:
    """Every string literal shaped like a finding code in the rule modules."""
    codes = set()
    for module in ("tt27.py", "personal_id.py"):
        text = resources.files("hocba.rules").joinpath(module).read_text("utf-8")
        for code in re.findall(r'"([a-z_{}]+\.[a-z_0-9]+)"', text):
            if code.startswith("{field}."):
                codes |= {code.replace("{field}", f) for f in ("qualities", "competences")}
            elif not code.startswith("{path}."):  # JSON paths, not codes
                codes.add(code)
    return codes


def test_the_table_has_exactly_the_codes_the_rules_can_raise():
    assert _codes_in_source() == set(EXPECTED)


def test_a_code_without_an_article_cannot_be_raised():
    with pytest.raises(KeyError):
        articles.article_of("subject.made_up")


def test_findings_carry_the_article_of_their_code():
    rec = primary_record(levels={"TOAN": "C"}, promotion=None)
    findings = tt27.evaluate(rec)
    assert findings
    assert all(f.article == EXPECTED[f.code] for f in findings)


def test_docs_findings_lists_every_code_with_its_article():
    rows = {}
    text = (Path(__file__).parents[2] / "docs" / "findings.md").read_text("utf-8")
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            for code in re.findall(r"`([^`]+)`", cells[0]):
                rows[code] = cells[2]
    assert rows == EXPECTED
