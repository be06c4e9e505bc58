"""The XML form: lossless round trip, XSD validity, safe parsing."""

from __future__ import annotations

import pytest

from hocba.demo.generate import demo_school
from hocba.spec import RecordProblems, canonical_json, pretty_json
from hocba.spec.xml import from_xml, shipped_xsd, to_xml, validate_xml, xsd


@pytest.fixture(scope="module")
def records():
    school = demo_school(seed=7, classes_per_grade=1, students_per_class=12)
    return [s.record for c in school.classes for s in c.students]


def test_the_shipped_xsd_is_the_one_generated_from_the_models():
    assert shipped_xsd() == xsd(), "run: hocba schema --format xsd > src/hocba/spec/data/record.xsd"


def test_json_to_xml_to_json_round_trips_losslessly(records):
    assert any(r.supplementary for r in records) and any(r.promotion for r in records)
    for record in records:
        back = from_xml(to_xml(record))
        assert back == record
        assert canonical_json(back) == canonical_json(record)
        assert pretty_json(back) == pretty_json(record)


def test_every_xml_record_is_valid_against_the_xsd(records):
    for record in records:
        assert validate_xml(to_xml(record)) == []


def test_the_xsd_rejects_a_level_outside_the_scale(records):
    bad = to_xml(records[0]).replace(b"<level>T</level>", b"<level>X</level>", 1)
    assert validate_xml(bad)
    with pytest.raises(RecordProblems) as exc:
        from_xml(bad)
    assert exc.value.problems[0].path.endswith(".level")


def test_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("bí mật")
    evil = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<record xmlns="urn:hocba:record:tt27:1"><class_name>&x;</class_name></record>'
    ).encode()
    with pytest.raises(RecordProblems) as exc:
        from_xml(evil)
    assert "bí mật" not in str(exc.value.problems)


def test_unknown_elements_are_reported_with_their_path(records):
    bad = to_xml(records[0]).replace(b"<grade>", b"<nickname>x</nickname><grade>", 1)
    with pytest.raises(RecordProblems) as exc:
        from_xml(bad)
    assert exc.value.problems[0].path == "$.nickname"
