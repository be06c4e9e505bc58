"""The published JSON Schema (draft 2020-12) of the record."""

from __future__ import annotations

from typing import Any

from hocba.spec.models import SCHEMA_VERSION, Record

SCHEMA_ID = "urn:hocba:schema:" + SCHEMA_VERSION


def json_schema() -> dict[str, Any]:
    schema = Record.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }
