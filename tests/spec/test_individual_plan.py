"""The optional individual education plan (TT27 Art. 8) in the JSON and XML forms."""

from __future__ import annotations

import jsonschema

from hocba.spec import (
    IndividualPlan,
    PlanSubject,
    PlanSubjectMode,
    canonical_json,
    json_schema,
    record_data,
)
from hocba.spec.xml import from_xml, to_xml, validate_xml
from tests.builders import primary_record

PLAN = IndividualPlan(
    reference="KHGDCN số 03/2024",
    subjects=[
        PlanSubject(code="NN1", mode=PlanSubjectMode.EXEMPTED),
        PlanSubject(code="TOAN", mode=PlanSubjectMode.BY_PLAN, comment="Cộng trừ trong 100."),
    ],
)


def test_a_record_without_a_plan_keeps_its_canonical_bytes():
    assert b"individual_plan" not in canonical_json(primary_record())


def test_a_record_with_a_plan_validates_against_the_published_schema():
    data = record_data(primary_record(individual_plan=PLAN))
    assert list(jsonschema.Draft202012Validator(json_schema()).iter_errors(data)) == []


def test_a_plan_round_trips_through_xml_and_is_valid_against_the_xsd():
    record = primary_record(individual_plan=PLAN)
    assert validate_xml(to_xml(record)) == [] and from_xml(to_xml(record)) == record


def test_the_schema_rejects_an_unknown_plan_mode():
    data = record_data(primary_record(individual_plan=PLAN))
    data["individual_plan"]["subjects"][0]["mode"] = "giam"
    assert not jsonschema.Draft202012Validator(json_schema()).is_valid(data)
