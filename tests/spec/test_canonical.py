"""Canonical JSON (RFC 8785) and the pinned digest of a fixed record."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from hocba.spec import canonical_json, load_record, record_digest

GOLDEN = Path(__file__).parent / "data" / "golden_record.json"
# Changing this value means every issued record's digest changed: a new schema version.
GOLDEN_DIGEST = "48efafd4703c0a94a6799226cd314c27a5d9a76c0b7783e8032731915adbb84b"


def test_the_golden_record_has_its_pinned_digest():
    assert record_digest(load_record(GOLDEN.read_bytes())) == GOLDEN_DIGEST


def test_canonical_json_sorts_keys_has_no_whitespace_and_keeps_utf8():
    data = canonical_json(load_record(GOLDEN.read_bytes()))
    assert data.startswith(b'{"absences":{"excused":0,"unexcused":0},"class_name":"4A"')
    assert b"\n" not in data and b": " not in data
    assert "Trần Thị Ngọc Ánh".encode() in data
    assert b'"weight_kg":28.5' in data


def test_digest_ignores_formatting_and_key_order():
    text = GOLDEN.read_text("utf-8")
    reordered = json.dumps(dict(reversed(json.loads(text).items())), ensure_ascii=True)
    assert record_digest(load_record(reordered)) == GOLDEN_DIGEST


def test_nfd_input_gives_the_same_record_and_digest():
    nfd = unicodedata.normalize("NFD", GOLDEN.read_text("utf-8"))
    assert nfd != GOLDEN.read_text("utf-8")
    assert record_digest(load_record(nfd.encode())) == GOLDEN_DIGEST


def test_any_change_of_content_changes_the_digest():
    data = json.loads(GOLDEN.read_text("utf-8"))
    data["subjects"][0]["test_score"] = 9
    assert record_digest(load_record(json.dumps(data))) != GOLDEN_DIGEST
