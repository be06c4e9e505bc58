"""``hocba verify``: exit 0 VALID, 1 INVALID, 2 INDETERMINATE, 3 not a readable document;
``--json`` for machines. Never a traceback."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from hocba.cli import main
from hocba.signing.document import MAX_PDF_BYTES
from tests.pki_fixtures import *  # noqa: F403 — the session PKI and record fixtures
from tests.pki_fixtures import change_signed_bytes


def verify(path, *args, env=None):
    result = CliRunner().invoke(main, ["verify", str(path), *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_a_signed_record_is_valid_and_the_json_says_what_was_checked(
    tmp_path, signed_pdf, pki, record
):
    path = tmp_path / "hocba.pdf"
    path.write_bytes(signed_pdf)
    result = verify(path, "--json", "--trust", str(pki.directory))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verdict"] == "VALID"
    assert [(s["role"], s["intact"], s["trusted"]) for s in data["signatures"]] == [
        ("gvcn", True, True), ("principal", True, True), ("seal", True, True),
    ]  # fmt: skip
    assert data["signatures"][0]["signer"] == "Lê Thị Hồng"
    assert len(data["record"]["digest"]) == 64 and isinstance(data["problems"], list)


def test_the_human_report_is_in_vietnamese(tmp_path, signed_pdf, pki):
    path = tmp_path / "hocba.pdf"
    path.write_bytes(signed_pdf)
    result = verify(path, "--trust", str(pki.trust_dir), env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "HỢP LỆ" in result.output and "Lê Thị Hồng" in result.output


def test_a_tampered_record_exits_1(tmp_path, signed_pdf, pki):
    path = tmp_path / "hocba.pdf"
    path.write_bytes(change_signed_bytes(signed_pdf))
    result = verify(path, "--trust", str(pki.directory))
    assert result.exit_code == 1 and "KHÔNG HỢP LỆ" in result.output


def test_without_a_trust_list_exits_2(tmp_path, signed_pdf):
    path = tmp_path / "hocba.pdf"
    path.write_bytes(signed_pdf)
    assert verify(path, env={"HOCBA_TRUST_DIR": ""}).exit_code == 2


def test_the_trust_list_can_come_from_the_environment(tmp_path, signed_pdf, pki):
    path = tmp_path / "hocba.pdf"
    path.write_bytes(signed_pdf)
    assert verify(path, env={"HOCBA_TRUST_DIR": str(pki.trust_dir)}).exit_code == 0


@pytest.mark.parametrize("kind", ["empty", "truncated", "not-pdf", "huge", "missing", "directory"])
def test_unreadable_files_exit_3_with_a_message(tmp_path, signed_pdf, kind):
    path = tmp_path / "x.pdf"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(signed_pdf[:5000])
    elif kind == "not-pdf":
        path.write_text("<html>không phải PDF</html>")
    elif kind == "huge":
        with path.open("wb") as fh:
            fh.write(b"%PDF-1.7\n")
            fh.truncate(MAX_PDF_BYTES * 4)  # sparse: only the first bytes are read
    elif kind == "directory":
        path.mkdir()
    result = verify(path, "--json")
    assert result.exit_code == 3
    data = json.loads(result.output)
    assert data["verdict"] == "UNREADABLE" and data["problems"][0]["message"]


def _status_list(tmp_path, record, digest, status, **more):
    from hocba.verify.status import VersionStatus, status_list_document

    entry = VersionStatus(record.record_id, record.version, digest, status, **more)
    path = tmp_path / "status.json"
    path.write_text(json.dumps(status_list_document([entry], "2026-12-02T10:00:00+00:00")))
    return path


def test_with_a_status_file_a_superseded_record_is_still_valid_but_said_superseded(
    tmp_path, signed_pdf, pki, record
):
    path = tmp_path / "hocba.pdf"
    path.write_bytes(signed_pdf)
    digest = json.loads(verify(path, "--json", "--trust", str(pki.directory)).output)["record"][
        "digest"
    ]
    status = _status_list(
        tmp_path, record, digest, "superseded", superseded_by=2,
        superseded_at="2026-12-02T09:00:00+00:00", superseded_reason="Sai nhận xét môn Toán.",
    )  # fmt: skip
    result = verify(path, "--trust", str(pki.directory), "--status-file", str(status))
    assert result.exit_code == 0, result.output  # the signature verdict stays separate
    assert (
        "Trạng thái: Đã được thay thế bởi phiên bản 2 ngày 02/12/2026 — lý do: Sai nhận xét "
        "môn Toán." in " ".join(result.output.split())
    )
    data = json.loads(
        verify(path, "--json", "--trust", str(pki.directory), "--status-file", str(status)).output
    )
    assert data["verdict"] == "VALID" and data["status"]["status"] == "superseded"


def test_without_a_status_source_the_report_has_no_status(tmp_path, signed_pdf, pki):
    path = tmp_path / "hocba.pdf"
    path.write_bytes(signed_pdf)
    data = json.loads(verify(path, "--json", "--trust", str(pki.directory)).output)
    assert "status" not in data


def test_a_tampered_status_file_gives_unknown_status_and_keeps_the_verdict(
    tmp_path, signed_pdf, pki, record
):
    path = tmp_path / "hocba.pdf"
    path.write_bytes(signed_pdf)
    status = _status_list(tmp_path, record, "0" * 64, "issued")
    document = json.loads(status.read_text())
    document["entries"][0]["status"] = "superseded"
    status.write_text(json.dumps(document))
    result = verify(path, "--trust", str(pki.directory), "--status-file", str(status))
    assert result.exit_code == 0
    assert "Trạng thái: không rõ" in result.output and "mã băm không khớp" in result.output
