"""The demo generator: reproducible, realistic, and every TT27 result occurs."""

from __future__ import annotations

import unicodedata
from collections import Counter

from hocba.demo.generate import demo_school
from hocba.rules import tt27
from hocba.spec import canonical_json


def records(school):
    return [s.record for c in school.classes for s in c.students]


def test_the_full_demo_has_five_grades_two_classes_thirty_students():
    school = demo_school()
    assert [c.name for c in school.classes] == [
        "1A",
        "1B",
        "2A",
        "2B",
        "3A",
        "3B",
        "4A",
        "4B",
        "5A",
        "5B",
    ]
    assert {len(c.students) for c in school.classes} == {30}


def test_all_four_results_occur_and_no_record_has_an_error():
    recs = records(demo_school())
    assert set(Counter(r.overall_result.value for r in recs)) == {"HTXS", "HTT", "HT", "CHT"}
    assert [f for r in recs for f in tt27.evaluate(r) if f.is_error] == []


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not():
    a = [canonical_json(r) for r in records(demo_school(seed=1))]
    assert a == [canonical_json(r) for r in records(demo_school(seed=1))]
    assert a != [canonical_json(r) for r in records(demo_school(seed=2))]


def test_names_are_vietnamese_in_nfc():
    names = [r.student.full_name for r in records(demo_school(seed=4))]
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    assert any(ch in "".join(names) for ch in "ăâđêôơư")
    assert len(set(names)) > 200


def test_the_demo_personal_ids_follow_the_citizen_id_layout():  # NĐ 137/2015 Điều 13
    recs = records(demo_school())
    found = [f.code for r in recs for f in tt27.evaluate(r) if f.code.startswith("student.")]
    assert set(found) <= {"student.personal_id_missing"}
    assert sum(r.student.personal_id is not None for r in recs) > 250


def test_no_grade_five_demo_record_has_a_promotion_decision():  # TT27 Art. 11.2
    recs = records(demo_school())
    assert [r for r in recs if r.grade == 5 and r.promotion is not None] == []
    assert any(r.promotion is not None for r in recs)
