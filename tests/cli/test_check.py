"""``hocba check``: exit 0 clean, 1 rule errors, 2 unreadable or not a record — never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from hocba.cli import main

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parents[1] / "spec" / "data" / "golden_record.json"


def run(path, *args):
    result = CliRunner().invoke(main, ["check", str(path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def golden():
    return json.loads(GOLDEN.read_text("utf-8"))


def write(tmp_path, content, name="record.json"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def mutate(tmp_path, change):
    data = golden()
    change(data)
    return write(tmp_path, json.dumps(data, ensure_ascii=False))


@pytest.mark.parametrize(
    ("name", "expected"),
    [("htxs", "HTXS"), ("htt", "HTT"), ("ht", "HT"), ("cht", "CHT")],
)
def test_hand_written_records_are_classified_right(name, expected):
    result = run(DATA / f"result_{name}.json", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["computed"]["overall_result"] == expected
    assert report["errors"] == 0


def test_a_valid_record_prints_its_result_in_vietnamese():
    result = run(DATA / "result_htxs.json")
    assert result.exit_code == 0
    assert "Hoàn thành xuất sắc" in result.output
    assert "Hoàn thành chương trình tiểu học" in result.output


def test_the_xml_form_is_checked_too(tmp_path):
    from hocba.spec import load_record
    from hocba.spec.xml import to_xml

    path = write(tmp_path, to_xml(load_record(GOLDEN.read_bytes())), "record.xml")
    assert run(path).exit_code == 0


def test_nfd_vietnamese_is_accepted(tmp_path):
    path = write(tmp_path, unicodedata.normalize("NFD", GOLDEN.read_text("utf-8")))
    assert run(path).exit_code == 0


def test_rule_errors_exit_1_with_path_and_vietnamese_message(tmp_path):
    def drop_score(d):
        d["subjects"][0]["test_score"] = None

    result = run(mutate(tmp_path, drop_score), "--json")
    assert result.exit_code == 1
    (finding,) = json.loads(result.output)["findings"]
    assert finding["path"] == "$.subjects[0].test_score"
    assert finding["message"].startswith("Môn Tiếng Việt lớp 4 có kiểm tra định kỳ")


def test_a_wrong_stated_result_exits_1(tmp_path):
    result = run(mutate(tmp_path, lambda d: d.update(overall_result="HTXS")))
    assert result.exit_code == 1
    assert "khác kết quả tính theo quy định" in result.output


def _set(path, value):
    def change(d):
        target = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


BAD_JSON = [
    # (label, content or mutation, expected path, expected Vietnamese fragment)
    ("empty", b"", "$", "Tệp rỗng"),
    ("whitespace", b"  \n\t ", "$", "Tệp rỗng"),
    ("binary", bytes(range(256)) * 4, "$", "không phải văn bản UTF-8"),
    ("png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "$", "không phải văn bản UTF-8"),
    ("latin1", '{"name": "Nguyễn"}'.encode("cp1258", errors="replace") + b"\xe0", "$", "UTF-8"),
    ("huge", b"[" + b"1," * 1_500_000 + b"1]", "$", "Tệp quá lớn"),
    ("truncated", GOLDEN.read_bytes()[:500], "$", "JSON sai cú pháp ở dòng"),
    ("array", b"[1, 2, 3]", "$", "phải là một đối tượng JSON"),
    ("string", b'"hoc ba"', "$", "phải là một đối tượng JSON"),
    ("deep", b"[" * 100_000 + b"]" * 100_000, "$", "JSON"),
    ("nan", b'{"grade": NaN}', "$", "không hợp lệ"),
    ("duplicate key", b'{"grade": 3, "grade": 4}', "$", "xuất hiện hai lần"),
    ("grade as string", _set(["grade"], "3"), "$.grade", "phải là số nguyên"),
    (
        "decimal score",
        _set(["subjects", 0, "test_score"], 8.5),
        "$.subjects[0].test_score",
        "số nguyên",
    ),
    (
        "score above 10",
        _set(["subjects", 1, "test_score"], 11),
        "$.subjects[1].test_score",
        "nhỏ hơn hoặc bằng 10",
    ),
    (
        "negative score",
        _set(["subjects", 1, "test_score"], -1),
        "$.subjects[1].test_score",
        "lớn hơn hoặc bằng 0",
    ),
    ("unknown level", _set(["subjects", 2, "level"], "Giỏi"), "$.subjects[2].level", "cho phép"),
    ("rating level", _set(["qualities", 0, "level"], "H"), "$.qualities[0].level", "cho phép"),
    ("extra field", _set(["nickname"], "Bé"), "$.nickname", "không có trong lược đồ"),
    (
        "missing name",
        lambda d: d["student"].pop("full_name"),
        "$.student.full_name",
        "Thiếu trường bắt buộc",
    ),
    (
        "bad date",
        _set(["student", "date_of_birth"], "2015-02-30"),
        "$.student.date_of_birth",
        "ngày",
    ),
    (
        "short personal id",
        _set(["student", "personal_id"], "07931500123"),
        "$.student.personal_id",
        "định dạng",
    ),
    ("wrong schema version", _set(["schema_version"], "0.9"), "$.schema_version", "cho phép"),
    ("grade 6", _set(["grade"], 6), "$.grade", "nhỏ hơn hoặc bằng 5"),
    ("subjects not a list", _set(["subjects"], {"TV": "T"}), "$.subjects", "danh sách"),
    (
        "empty name",
        _set(["student", "full_name"], ""),
        "$.student.full_name",
        "không được để trống",
    ),
]


@pytest.mark.parametrize(
    ("label", "content", "path", "fragment"), BAD_JSON, ids=[b[0] for b in BAD_JSON]
)
def test_bad_input_exits_2_with_path_and_vietnamese_message(
    tmp_path, label, content, path, fragment
):
    file = mutate(tmp_path, content) if callable(content) else write(tmp_path, content)
    result = run(file, "--json")
    assert result.exit_code == 2, result.output
    report = json.loads(result.output)
    assert report["valid"] is False
    paths = [p["path"] for p in report["problems"]]
    assert path in paths
    problem = report["problems"][paths.index(path)]
    assert fragment.lower() in problem["message"].lower()


def test_a_missing_file_and_a_directory_exit_2(tmp_path):
    assert run(tmp_path / "nope.json").exit_code == 2
    result = run(tmp_path)
    assert result.exit_code == 2
    assert "thư mục" in result.output


def test_malformed_xml_exits_2(tmp_path):
    result = run(write(tmp_path, b"<record><grade>3</record>", "r.xml"))
    assert result.exit_code == 2
    assert "XML" in result.output


def test_the_installed_command_never_prints_a_traceback(tmp_path):
    path = write(tmp_path, bytes(range(256)))
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "hocba.cli", "check", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "UTF-8" in proc.stdout
