"""Docs that cannot rot: every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

from hocba.cli import COMMANDS

DOCS = Path(__file__).parents[1] / "docs"


def test_every_cli_command_is_documented():
    text = (DOCS / "cli.md").read_text("utf-8")
    missing = [name for name in COMMANDS if f"## `hocba {name}" not in text]
    assert missing == []


def test_the_architecture_map_names_every_package():
    text = (DOCS / "architecture.md").read_text("utf-8")
    src = Path(__file__).parents[1] / "src" / "hocba"
    packages = [p for p in src.rglob("__init__.py") if "migrations" not in p.parts]
    folders = {p.parent.relative_to(src.parent.parent).as_posix() for p in packages}
    folders = {f for f in folders if f.count("/") <= 3 and f != "src/hocba"}
    missing = [f for f in sorted(folders) if f"`{f}/`" not in text]
    assert missing == []


def test_every_audit_tag_is_documented():
    from hocba.apps.audit.tags import EventTag

    text = (DOCS / "audit-events.md").read_text("utf-8")
    assert [t.value for t in EventTag if f"`{t.value}`" not in text] == []
