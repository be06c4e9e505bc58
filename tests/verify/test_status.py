"""A status source beside the offline verdict (``hocba.verify.status``): the exported list is
checked against its hash, an unknown version is never current, the endpoint is asked over HTTP
(a real local server)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from hocba.verify.status import (
    StatusUnavailable,
    VersionStatus,
    fetch_status,
    load_status_list,
    status_list_document,
)

RID = "0b7e6a52-5c43-5d1e-9d7c-1f2a3b4c5d6e"
OLD, NEW = "a" * 64, "b" * 64
REASON = "Nhập nhầm nhận xét môn Toán."


def _entries() -> list[VersionStatus]:
    return [
        VersionStatus(RID, 1, OLD, "superseded", 2, "2026-12-02T09:00:00+00:00", REASON),
        VersionStatus(RID, 2, NEW, "issued"),
    ]


def _write(tmp_path, document) -> object:
    path = tmp_path / "status.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_superseded_version_is_found_with_what_replaced_it(tmp_path):
    listed = load_status_list(_write(tmp_path, status_list_document(_entries(), "now")))
    found = listed.find(RID, 1, OLD)
    assert (found.status, found.superseded_by) == ("superseded", 2)
    assert found.label_vi == f"Đã được thay thế bởi phiên bản 2 ngày 02/12/2026 — lý do: {REASON}"
    assert listed.find(RID.upper(), 2, NEW.upper()).status == "issued"


def test_a_version_missing_from_the_list_is_unknown_never_current(tmp_path):
    listed = load_status_list(_write(tmp_path, status_list_document(_entries(), "now")))
    assert listed.find(RID, 1, "c" * 64).status == "unknown"  # same id, another digest
    assert listed.find(RID, 3, NEW).status == "unknown"


def test_a_list_edited_by_hand_is_refused(tmp_path):
    document = status_list_document(_entries(), "now")
    document["entries"][0]["status"] = "issued"  # pretend the old version is still current
    with pytest.raises(StatusUnavailable) as exc:
        load_status_list(_write(tmp_path, document))
    assert exc.value.code == "status.hash_mismatch"


def test_a_file_that_is_not_a_status_list_is_refused(tmp_path):
    for content in ('{"format": "other"}', "not json", "[]"):
        path = tmp_path / "x.json"
        path.write_text(content)
        with pytest.raises(StatusUnavailable):
            load_status_list(path)


class _Endpoint(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code = parse_qs(urlsplit(self.path).query)["q"][0]
        _, _, rid, version, digest = code.split(":")
        body = {"format": "hocba.status/1", "status": "current"}
        if version == "1":
            body = {"format": "hocba.status/1", "status": "superseded", "superseded_by": 2,
                    "superseded_at": "2026-12-02T09:00:00+00:00", "superseded_reason": REASON}  # fmt: skip
        data = json.dumps({**body, "record_id": rid, "digest": digest}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/xac-minh/trang-thai/"
    server.shutdown()
    server.server_close()


def test_the_status_endpoint_is_asked_with_the_qr_code(endpoint):
    old = fetch_status(endpoint, RID, 1, OLD)
    assert (old.status, old.superseded_by, old.superseded_reason) == ("superseded", 2, REASON)
    assert fetch_status(endpoint, RID, 2, NEW).status == "issued"


def test_an_unreachable_or_odd_endpoint_is_unavailable_not_current():
    with pytest.raises(StatusUnavailable):
        fetch_status("http://127.0.0.1:9/xac-minh/trang-thai/", RID, 1, OLD)
    with pytest.raises(StatusUnavailable):
        fetch_status("file:///etc/passwd", RID, 1, OLD)
