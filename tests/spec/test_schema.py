"""The published JSON Schema and its documentation."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from hocba.demo.generate import demo_school
from hocba.spec import SCHEMA_VERSION, json_schema, record_data
from hocba.spec.docs import schema_markdown

DOCS = Path(__file__).parents[2] / "docs" / "schema.md"


def test_the_schema_is_valid_draft_2020_12():
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_demo_records_validate_against_the_published_schema():
    validator = jsonschema.Draft202012Validator(json_schema())
    school = demo_school(seed=3, classes_per_grade=1, students_per_class=6)
    for cls in school.classes:
        for s in cls.students:
            data = json.loads(json.dumps(record_data(s.record)))
            assert data["schema_version"] == SCHEMA_VERSION
            errors = list(validator.iter_errors(data))
            assert errors == []


def test_the_schema_rejects_extra_fields_and_bad_levels():
    validator = jsonschema.Draft202012Validator(json_schema())
    data = record_data(
        demo_school(seed=3, classes_per_grade=1, students_per_class=1).classes[0].students[0].record
    )
    assert not validator.is_valid({**data, "extra": 1})
    data["subjects"][0]["level"] = "X"
    assert not validator.is_valid(data)


def test_docs_list_every_field_with_its_vietnamese_label():
    assert DOCS.read_text("utf-8") == schema_markdown(), (
        "run: hocba schema --format markdown > docs/schema.md"
    )
    assert "| `student.personal_id` | str | no | Số định danh cá nhân |" in schema_markdown()
