"""Where each rule comes from: the article every finding code cites (DOMAIN §4.2a).

Circular 27/2020/TT-BGDĐT, the regulation attached to it: Art. 5 content of assessment ·
Art. 6 ongoing assessment · Art. 7 periodic assessment (levels and test scores) · Art. 8
students with disabilities · Art. 9 end-of-year result · Art. 10 the record file (học bạ and
class summary table) · Art. 11 completion of a grade / of primary, supplementary assessment
and promotion · Art. 12 hand-over of results · Art. 13 commendations · Art. 14–17 duties.

Findings cite the article; clauses are named in the rules' docstrings where they were checked
against the circular's text (Art. 9.2a, 11.1a–c, 11.2, 13.1a).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

ART_5 = "TT27 Điều 5"  # content: the programme's subjects, the qualities and competences
ART_7 = "TT27 Điều 7"  # periodic assessment: levels and periodic test scores
ART_8 = "TT27 Điều 8"  # students with disabilities: the individual education plan
ART_9 = "TT27 Điều 9"  # end-of-year result, recorded with comments in the học bạ
ART_10 = "TT27 Điều 10"  # the record file: học bạ and class summary table
ART_11 = "TT27 Điều 11"  # completion of a grade / of primary, supplementary, promotion
ART_13 = "TT27 Điều 13"  # commendations
CITIZEN_ID = "NĐ 137/2015/NĐ-CP Điều 13"  # layout of the personal ID number

FINDING_ARTICLES: Mapping[str, str] = MappingProxyType(
    {
        "catalog.unavailable": ART_5,
        "subject.not_in_catalog": ART_5,
        "subject.missing": ART_5,
        "qualities.unknown": ART_5,
        "qualities.missing": ART_5,
        "competences.unknown": ART_5,
        "competences.missing": ART_5,
        "score.missing": ART_7,
        "score.unexpected": ART_7,
        "plan.subject_unknown": ART_8,
        "plan.subject_duplicate": ART_8,
        "plan.exempted_assessed": ART_8,
        "comment.missing": ART_9,
        "overall_result.missing": ART_9,
        "overall_result.mismatch": ART_9,
        "subject.duplicate": ART_10,
        "subject.name_differs": ART_10,
        "qualities.duplicate": ART_10,
        "competences.duplicate": ART_10,
        "student.personal_id_missing": ART_10,
        "signers.plan": ART_10,
        "school_year.invalid": ART_10,
        "dated.outside_year": ART_10,
        "supplementary.unexpected": ART_11,
        "supplementary.pending": ART_11,
        "promotion.unexpected": ART_11,
        "promotion.missing": ART_11,
        "promotion.not_for_grade_5": ART_11,
        "completion.missing": ART_11,
        "completion.mismatch": ART_11,
        "commendation.not_eligible": ART_13,
        "commendation.expected": ART_13,
        "student.personal_id_province": CITIZEN_ID,
        "student.personal_id_century_sex": CITIZEN_ID,
        "student.personal_id_birth_year": CITIZEN_ID,
    }
)
"""Finding code → the article it rests on; every finding takes its citation from here."""


def article_of(code: str) -> str:
    """The citation of a finding code; KeyError for a code nobody assigned an article."""
    return FINDING_ARTICLES[code]
