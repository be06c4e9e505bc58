"""``hocba archive refresh``: a fresh document timestamp on old records only; counts reported;
the refreshed records stay VALID. The time threshold itself is tested with a frozen ``now``
on the pure-python core (``refresh_files``)."""

from __future__ import annotations

import datetime as dt
import shutil

from click.testing import CliRunner

from hocba.cli import main
from hocba.signing.ltv import newest_timestamp, refresh_files, timestamps_of
from hocba.verify import Verdict, verify_pdf
from tests.pki_fixtures import *  # noqa: F403 — the session PKI and record fixtures


def run(*args, env=None):
    result = CliRunner().invoke(main, ["archive", "refresh", *map(str, args)], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def _tree(tmp_path, signed_pdf, record_pdf):
    (tmp_path / "lop-1a").mkdir()
    (tmp_path / "lop-1a" / "a.pdf").write_bytes(signed_pdf)
    (tmp_path / "lop-1a" / "b.pdf").write_bytes(signed_pdf)
    (tmp_path / "draft.pdf").write_bytes(record_pdf)  # not signed: not an issued record
    (tmp_path / "notes.pdf").write_bytes(b"not a pdf")
    return tmp_path


def test_refresh_with_frozen_time(tmp_path, signed_pdf, record_pdf, pki, tsa):
    root = _tree(tmp_path, signed_pdf, record_pdf)
    newest = newest_timestamp(signed_pdf)
    assert newest is not None
    year = dt.timedelta(days=365)
    summary = refresh_files([root], pki.trust(), tsa, older_than=year, now=newest + year / 2)
    assert (len(summary.refreshed), len(summary.recent), len(summary.skipped)) == (0, 2, 2)
    assert (root / "lop-1a" / "a.pdf").read_bytes() == signed_pdf  # untouched
    summary = refresh_files(
        [root / "lop-1a" / "a.pdf"], pki.trust(), tsa, older_than=year, now=newest + 2 * year
    )
    assert summary.refreshed == [root / "lop-1a" / "a.pdf"] and not summary.failed
    data = (root / "lop-1a" / "a.pdf").read_bytes()
    assert data.startswith(signed_pdf) and len(timestamps_of(data)) == 4
    assert (root / "lop-1a" / "b.pdf").read_bytes() == signed_pdf
    assert verify_pdf(data, pki.trust()).verdict is Verdict.VALID


def test_the_command_refreshes_old_records_and_reports_counts(
    tmp_path, signed_pdf, record_pdf, pki
):
    root = _tree(tmp_path, signed_pdf, record_pdf)
    result = run(root, "--older-than", "30", "--trust", pki.directory)
    assert result.exit_code == 0, result.output
    assert "mới: 0; còn mới: 2; bỏ qua (chưa ký/không phải học bạ): 2; lỗi: 0" in result.output
    assert (root / "lop-1a" / "a.pdf").read_bytes() == signed_pdf
    result = run(root, "--older-than", "0", "--trust", pki.directory)
    assert result.exit_code == 0, result.output
    assert "Đã đóng dấu thời gian lưu trữ mới: 2;" in result.output
    for name in ("a.pdf", "b.pdf"):
        data = (root / "lop-1a" / name).read_bytes()
        assert len(timestamps_of(data)) == 4
        assert verify_pdf(data, pki.trust()).verdict is Verdict.VALID
    assert (root / "draft.pdf").read_bytes() == record_pdf


def test_the_command_needs_a_tsa_and_a_trust_list(tmp_path, signed_pdf, pki):
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "a.pdf").write_bytes(signed_pdf)
    (tmp_path / "roots").mkdir()  # a trust list outside any demo PKI: no demo TSA
    shutil.copy(pki.trust_dir / "root-ca.pem", tmp_path / "roots")
    env = {"HOCBA_TSA_URL": "", "HOCBA_TRUST_DIR": ""}
    result = run(tmp_path / "records", "--trust", tmp_path / "roots", env=env)
    assert result.exit_code == 2 and "dấu thời gian" in result.output
    result = run(tmp_path / "records", "--tsa", "http://127.0.0.1:9/tsa", env=env)
    assert result.exit_code == 2 and "archive.no_trust" in result.output
    assert (tmp_path / "records" / "a.pdf").read_bytes() == signed_pdf
