"""Shared fixtures for the renderer tests: one Renderer, demo records, a worst-case record."""

from __future__ import annotations

from typing import Any

import pytest

from hocba.demo.generate import demo_school
from hocba.render import Renderer
from hocba.spec import Record, record_data

WORDS = (
    "Em chăm chỉ học tập, tích cực phát biểu ý kiến xây dựng bài, biết giúp đỡ bạn bè "
    "trong lớp; cần rèn thêm chữ viết và trình bày bài làm cẩn thận, sạch sẽ hơn nữa."
)


def long_text(n: int, start: str = "") -> str:
    """Vietnamese prose of exactly ``n`` characters, ending in a full stop."""
    text = start
    while len(text) < n:
        text += (" " if text else "") + WORDS
    return text[: n - 1].rstrip() + "."


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="session")
def demo_records() -> list[Record]:
    school = demo_school()
    return [s.record for c in school.classes for s in c.students]


@pytest.fixture(scope="session")
def record(demo_records: list[Record]) -> Record:
    return demo_records[0]


@pytest.fixture(scope="session")
def long_record(demo_records: list[Record]) -> Record:
    """Grade 5, maximal comments (2000 characters), 200-character names and places, and an
    unbroken 300-character 'word' — everything that could overflow a cell."""
    base = next(r for r in demo_records if r.grade == 5)
    data: dict[str, Any] = record_data(base)
    name = long_text(200, "Tôn Nữ Hoàng Thị Lan Phương Thảo Nguyên Khánh Ngọc").rstrip(".")
    data["student"]["full_name"] = name
    data["student"]["residence"] = long_text(200, "Số 12 ngõ 34 ngách 56")
    data["student"]["place_of_birth"] = long_text(200, "Bệnh viện")
    data["student"]["father"]["full_name"] = name
    data["school"]["name"] = long_text(200, "Trường Tiểu học").rstrip(".")
    for i, subject in enumerate(data["subjects"]):
        subject["comment"] = long_text(2000, f"Môn {subject['name']} {i}:")
    data["subjects"][1]["comment"] = "x" * 300
    for rating in (*data["qualities"], *data["competences"]):
        rating["comment"] = long_text(600, f"{rating['name']}:")
    data["signers"][0]["full_name"] = name
    return Record.model_validate(data, strict=False)
