"""The school-transfer package (chuyển trường, DOMAIN §6): an open zip format.

A package holds one student's signed history as the sending school issued it::

    manifest.json          canonical JSON (RFC 8785) described by ``TransferManifest``
    manifest.json.p7s      detached CMS (DER) over manifest.json by the sending school's seal
    records/<record_id>-v<version>.pdf   each issued record PDF (PAdES, data embedded)
    records/<record_id>-v<version>.xml   its XML form (XAdES-signed when the school has it)

The manifest names the sending school and the student (no personal ID number: it is not
needed to match a student and never travels in files that are not records), and lists every
record with its digest and the SHA-256 of each file. See docs/transfer.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Annotated, Any, Final, Literal

import rfc8785
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hocba.spec.models import Sex

FORMAT: Final = "hocba.transfer/1"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.json.p7s"
RECORDS_DIR = "records/"
RECORD_FILE = re.compile(r"^records/([0-9a-f\-]{36})-v(\d{1,4})\.(pdf|xml)$")

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{1,32}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
RecordId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f\-]{36}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SendingSchool(_Model):
    code: Code = Field(title="Mã trường chuyển đi")
    name: Text = Field(title="Tên trường (đúng tên trên con dấu số)")


class TransferStudent(_Model):
    student_code: Code = Field(title="Mã học sinh")
    full_name: Text = Field(title="Họ và tên")
    date_of_birth: dt.date = Field(title="Ngày sinh")
    sex: Sex = Field(title="Giới tính")


class PackageFile(_Model):
    name: Annotated[str, StringConstraints(pattern=RECORD_FILE.pattern)] = Field(
        title="Tên tệp trong gói"
    )
    media_type: Literal["application/pdf", "application/xml"]
    sha256: Sha256 = Field(title="SHA-256 của tệp")
    size: int = Field(ge=1, title="Kích thước (byte)")
    signed: bool = Field(title="Tệp có chữ ký số riêng (PDF: PAdES; XML: XAdES)")


class TransferRecord(_Model):
    record_id: RecordId = Field(title="Mã học bạ")
    version: int = Field(ge=1, le=1000, title="Phiên bản")
    school_year: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{4}$")]
    grade: int = Field(ge=1, le=12, title="Khối lớp")
    school_code: Code = Field(title="Mã trường cấp học bạ")
    school_name: Text = Field(title="Tên trường cấp học bạ")
    status: Literal["issued", "superseded"] = Field(title="Trạng thái")
    digest: Sha256 = Field(title="Mã băm dữ liệu học bạ (RFC 8785, SHA-256)")
    files: tuple[PackageFile, ...] = Field(min_length=1, max_length=2)

    def file(self, media_type: str) -> PackageFile | None:
        return next((f for f in self.files if f.media_type == media_type), None)


class TransferManifest(_Model):
    format: Literal["hocba.transfer/1"] = FORMAT
    created_at: dt.datetime = Field(title="Lập gói lúc (UTC)")
    school: SendingSchool
    student: TransferStudent
    records: tuple[TransferRecord, ...] = Field(min_length=1, max_length=100)


def record_file_name(record_id: str, version: int, extension: str) -> str:
    return f"{RECORDS_DIR}{record_id}-v{version}.{extension}"


def manifest_bytes(manifest: TransferManifest) -> bytes:
    """The canonical (RFC 8785) bytes that are stored and signed."""
    return rfc8785.dumps(manifest.model_dump(mode="json"))


def package_file(name: str, data: bytes, *, signed: bool) -> PackageFile:
    media = "application/pdf" if name.endswith(".pdf") else "application/xml"
    return PackageFile(
        name=name,
        media_type=media,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        signed=signed,
    )


def manifest_schema() -> dict[str, Any]:
    """JSON Schema of ``manifest.json`` (published as docs/transfer-manifest.schema.json)."""
    schema = TransferManifest.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Gói chuyển trường hocba (manifest.json)"
    return schema
