"""Every audit tag reads as Vietnamese; every data key services write has a name."""

from __future__ import annotations

import re
from pathlib import Path

from hocba.apps.audit.labels import KEY_LABELS, TAG_LABELS
from hocba.apps.audit.tags import EventTag

SRC = Path(__file__).parents[3] / "src" / "hocba"


def test_every_audit_tag_has_a_vietnamese_label():
    assert [t.value for t in EventTag if t not in TAG_LABELS] == []
    assert set(TAG_LABELS) <= {t.value for t in EventTag}


def test_labels_are_distinct_so_the_action_filter_tells_them_apart():
    assert len(set(TAG_LABELS.values())) == len(TAG_LABELS)


def test_every_data_key_written_as_a_literal_has_a_vietnamese_name():
    """``data={"key": ...}`` in the services: each key is named on the page."""
    keys: set[str] = set()
    for path in (SRC / "apps").rglob("*.py"):
        text = path.read_text("utf-8")
        for call in re.finditer(r"audit\.record\((.*?)\n\s*\)", text, re.S):
            block = call.group(1).split("data=", 1)[-1] if "data=" in call.group(1) else ""
            keys |= set(re.findall(r'"([a-z_0-9]+)":', block))
    assert keys, "no audit.record(data=...) found: the scan is broken"
    assert sorted(keys - set(KEY_LABELS)) == []
