"""Whether a record version is still current: a status source beside the offline verdict.

A signature verdict says a file is authentic; it cannot say whether the school later issued a
correction (DESIGN principle 2). An instance answers that in two shapes, both read here
without Django:

- the status endpoint ``/xac-minh/trang-thai/?q=<QR code>`` (one version, JSON ``STATUS``);
- a status list exported with ``hocba status export`` (every issued and superseded version,
  JSON ``STATUS_LIST``), which carries ``entries_sha256``: the SHA-256 of the canonical JSON
  (RFC 8785) of its ``entries``. The hash detects a damaged or hand-edited list; it is NOT a
  signature — whoever hands you the list can recompute it. Trust a list as much as the channel
  you got it from (docs/verify.md).

A version absent from a list is ``unknown``: never assumed current.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import rfc8785

from hocba.errors import HocbaError

STATUS = "hocba.status/1"
STATUS_LIST = "hocba.status-list/1"
MAX_LIST_BYTES = 64 * 1024 * 1024
MAX_RESPONSE_BYTES = 64 * 1024
TIMEOUT_SECONDS = 10


class StatusUnavailable(HocbaError):
    code = "status.unavailable"


@dataclass(frozen=True)
class VersionStatus:
    """One version's status: ``issued`` (current), ``superseded`` (with what replaced it, when
    and why) or ``unknown`` (the source does not know it)."""

    record_id: str
    version: int
    digest: str
    status: str
    superseded_by: int | None = None
    superseded_at: str | None = None  # ISO 8601
    superseded_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VersionStatus:
        try:
            return cls(
                record_id=str(data["record_id"]).lower(),
                version=int(data["version"]),
                digest=str(data["digest"]).lower(),
                status=str(data["status"]),
                superseded_by=(
                    int(data["superseded_by"]) if data.get("superseded_by") is not None else None
                ),
                superseded_at=data.get("superseded_at"),
                superseded_reason=data.get("superseded_reason"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StatusUnavailable(
                "Nguồn trạng thái có mục không đúng định dạng.", detail=f"bad entry: {exc}"
            ) from exc

    @property
    def label_vi(self) -> str:
        if self.status == "issued":
            return "Đang có hiệu lực (phiên bản hiện hành)."
        if self.status == "superseded":
            text = "Đã được thay thế"
            if self.superseded_by is not None:
                text += f" bởi phiên bản {self.superseded_by}"
            if self.superseded_at:
                text += f" ngày {_vn_date(self.superseded_at)}"
            if self.superseded_reason:
                text += f" — lý do: {self.superseded_reason}"
            return text
        return "Nguồn trạng thái không biết phiên bản này (không coi là đang có hiệu lực)."


def _vn_date(iso: str) -> str:
    day = iso[:10]
    parts = day.split("-")
    return f"{parts[2]}/{parts[1]}/{parts[0]}" if len(parts) == 3 else iso


def entries_hash(entries: list[dict[str, Any]]) -> str:
    return hashlib.sha256(rfc8785.dumps(entries)).hexdigest()


def status_list_document(entries: list[VersionStatus], generated_at: str) -> dict[str, Any]:
    """The exported list (``hocba status export``): entries and the hash of their JSON."""
    rows = [e.as_dict() for e in entries]
    return {
        "format": STATUS_LIST,
        "generated_at": generated_at,
        "entries": rows,
        "entries_sha256": entries_hash(rows),
    }


@dataclass(frozen=True)
class StatusList:
    entries: tuple[VersionStatus, ...]
    generated_at: str

    def find(self, record_id: str, version: int, digest: str) -> VersionStatus:
        for e in self.entries:
            if (e.record_id, e.version, e.digest) == (record_id.lower(), version, digest.lower()):
                return e
        return VersionStatus(record_id, version, digest, "unknown")


def load_status_list(path: Path) -> StatusList:
    """Read and check an exported list; ``StatusUnavailable`` when it is not one or its hash
    does not match its entries."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_LIST_BYTES + 1)
        if len(raw) > MAX_LIST_BYTES:
            raise ValueError("status list too large")
        data = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise StatusUnavailable(
            f"Không đọc được danh sách trạng thái '{path}'.", detail=str(exc)
        ) from exc
    if not isinstance(data, dict) or data.get("format") != STATUS_LIST:
        raise StatusUnavailable(
            "Tệp không phải danh sách trạng thái học bạ (hocba status export).",
            detail="wrong format",
        )
    rows = data.get("entries")
    if not isinstance(rows, list) or entries_hash(rows) != data.get("entries_sha256"):
        raise StatusUnavailable(
            "Danh sách trạng thái bị hỏng hoặc đã bị sửa (mã băm không khớp).",
            detail="entries_sha256 mismatch",
            code="status.hash_mismatch",
        )
    return StatusList(
        tuple(VersionStatus.from_dict(r) for r in rows), str(data.get("generated_at", ""))
    )


def fetch_status(url: str, record_id: str, version: int, digest: str) -> VersionStatus:
    """Ask an instance's status endpoint about one version (``?q=HOCBA:1:id:version:digest``)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StatusUnavailable(
            "Địa chỉ nguồn trạng thái phải bắt đầu bằng https:// (hoặc http://).",
            detail=f"bad status url scheme {parts.scheme!r}",
        )
    query = urllib.parse.urlencode({"q": f"HOCBA:1:{record_id}:{version}:{digest}"})
    full = urllib.parse.urlunsplit(parts._replace(query=query))
    request = urllib.request.Request(full, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            data = json.loads(response.read(MAX_RESPONSE_BYTES))
    except (OSError, ValueError) as exc:
        raise StatusUnavailable(
            "Không hỏi được nguồn trạng thái (mạng hoặc máy chủ).", detail=str(exc)
        ) from exc
    if not isinstance(data, dict) or data.get("format") != STATUS:
        raise StatusUnavailable(
            "Máy chủ không trả về trạng thái học bạ.", detail="wrong status format"
        )
    if data.get("status") == "current":
        data = {**data, "status": "issued"}
    if data.get("status") not in ("issued", "superseded"):
        data = {**data, "status": "unknown"}
    return VersionStatus.from_dict({**data, "record_id": record_id, "version": version,
                                    "digest": digest})  # fmt: skip
