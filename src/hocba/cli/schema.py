"""``hocba schema`` — print the published record schema."""

from __future__ import annotations

import json

import click

from hocba.spec import json_schema
from hocba.spec.docs import schema_markdown
from hocba.spec.xml import shipped_xsd


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "xsd", "markdown"]),
    default="json",
    show_default=True,
    help="JSON Schema (draft 2020-12), XSD của dạng XML, hoặc bảng trường (markdown).",
)
def schema(fmt: str) -> None:
    """In lược đồ mở của học bạ số."""
    if fmt == "markdown":
        click.echo(schema_markdown(), nl=False)
    elif fmt == "xsd":
        click.echo(shipped_xsd().decode("utf-8"), nl=False)
    else:
        click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))
