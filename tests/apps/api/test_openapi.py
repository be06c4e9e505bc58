"""The committed OpenAPI document is the generated one, and it declares the error shape on
every operation."""

from __future__ import annotations

import json
from pathlib import Path

from hocba.apps.api.api import openapi_json

COMMITTED = Path(__file__).parents[3] / "docs" / "openapi.json"


def test_docs_openapi_json_is_up_to_date():
    assert COMMITTED.read_text("utf-8") == openapi_json(), (
        "docs/openapi.json is stale: run `hocba api-schema > docs/openapi.json`"
    )


def test_every_operation_declares_the_error_shape_and_token_auth():
    document = json.loads(openapi_json())
    for path, methods in document["paths"].items():
        for operation in methods.values():
            for status in ("401", "404", "422", "500"):
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}, (
                    path,
                    status,
                )
            assert operation["security"] == [{"TokenAuth": []}], path
            assert "200" in operation["responses"], path
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_hocba_api_schema_prints_the_committed_document():
    from click.testing import CliRunner

    from hocba.cli import main

    result = CliRunner().invoke(main, ["api-schema"])
    assert result.exit_code == 0, result.output
    assert result.output == COMMITTED.read_text("utf-8")
