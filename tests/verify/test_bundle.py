"""The school-transfer package: built and sealed by the sending school, judged offline by the
receiving one (DOMAIN §6 "Transfers"); every tampering is refused with its reason."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from hocba.signing import init_pki, load_pki
from hocba.signing.errors import CertificateError
from hocba.signing.pki import issue_signer
from hocba.signing.transfer import build_package, sign_manifest
from hocba.signing.xades import sign_xml_all
from hocba.spec import SignerRole, record_digest
from hocba.spec.transfer import (
    MANIFEST_NAME,
    SIGNATURE_NAME,
    SendingSchool,
    TransferManifest,
    TransferRecord,
    TransferStudent,
    manifest_bytes,
    manifest_schema,
    package_file,
    record_file_name,
)
from hocba.spec.xml import to_xml
from hocba.verify.bundle import verify_bundle
from tests.builders import SCHOOL
from tests.pki_fixtures import *  # noqa: F403

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def trust(pki):
    return pki.trust()


@pytest.fixture(scope="module")
def signed_xml(record, role_signers, tsa, trust) -> bytes:
    return sign_xml_all(to_xml(record), role_signers, tsa, trust=trust)


def _manifest(record, pdf: bytes, xml: bytes, *, xml_signed: bool = True) -> TransferManifest:
    pdf_name = record_file_name(record.record_id, record.version, "pdf")
    xml_name = record_file_name(record.record_id, record.version, "xml")
    entry = TransferRecord(
        record_id=record.record_id, version=record.version, school_year=record.school_year,
        grade=record.grade, school_code=record.school.code, school_name=record.school.name,
        status="issued", digest=record_digest(record),
        files=(package_file(pdf_name, pdf, signed=True),
               package_file(xml_name, xml, signed=xml_signed)),
    )  # fmt: skip
    student = record.student
    return TransferManifest(
        created_at=NOW,
        school=SendingSchool(code=SCHOOL.code, name=SCHOOL.name),
        student=TransferStudent(
            student_code=student.student_code,
            full_name=student.full_name,
            date_of_birth=student.date_of_birth,
            sex=student.sex,
        ),
        records=(entry,),
    )


@pytest.fixture(scope="module")
def parts(record, signed_pdf, signed_xml):
    manifest = _manifest(record, signed_pdf, signed_xml)
    files = {f.name: (signed_pdf if f.name.endswith(".pdf") else signed_xml)
             for f in manifest.records[0].files}  # fmt: skip
    return manifest, files


@pytest.fixture(scope="module")
def package(parts, role_signers) -> bytes:
    manifest, files = parts
    return build_package(manifest, files, role_signers[SignerRole.SEAL])


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    return out.getvalue()


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_a_sealed_package_of_signed_records_verifies(package, trust, record):
    report = verify_bundle(package, trust)
    assert report.verdict.value == "VALID", report.problems
    assert report.seal_signer == SCHOOL.name
    assert report.manifest.student.student_code == record.student.student_code
    assert [r.pdf.verdict.value for r in report.records] == ["VALID"]
    assert [r.xml.verdict.value for r in report.records] == ["VALID"]
    assert sorted(_members(package)) == sorted([MANIFEST_NAME, SIGNATURE_NAME, *report.files])


def test_the_published_manifest_schema_is_current():
    published = Path(__file__).parents[2] / "docs" / "transfer-manifest.schema.json"
    assert json.loads(published.read_text("utf-8")) == manifest_schema(), (
        "regenerate docs/transfer-manifest.schema.json from hocba.spec.transfer.manifest_schema()"
    )


def test_the_manifest_is_canonical_json_without_the_personal_id(package):
    data = _members(package)[MANIFEST_NAME]
    assert data == manifest_bytes(TransferManifest.model_validate_json(data))
    assert b"personal_id" not in data
    assert "personal_id" not in json.dumps(manifest_schema())


def test_one_byte_changed_in_a_record_pdf_is_refused(package, trust):
    members = _members(package)
    name = next(n for n in members if n.endswith(".pdf"))
    members[name] = _flip(members[name], len(members[name]) // 2)
    report = verify_bundle(_zip(members), trust)
    assert report.verdict.value == "INVALID"
    assert "transfer.file_modified" in report.codes()
    assert "transfer.record_invalid" in report.codes()


def test_one_byte_changed_in_a_record_xml_is_refused(package, trust, record):
    members = _members(package)
    name = next(n for n in members if n.endswith(".xml"))
    at = members[name].index(f">{record.class_name}<".encode()) + 1
    members[name] = _flip(members[name], at)
    report = verify_bundle(_zip(members), trust)
    assert report.verdict.value == "INVALID"
    assert {"transfer.file_modified", "transfer.record_invalid"} <= report.codes()


def test_one_byte_changed_in_the_manifest_is_refused(package, trust):
    members = _members(package)
    members[MANIFEST_NAME] = members[MANIFEST_NAME].replace(b'"grade":3', b'"grade":4')
    report = verify_bundle(_zip(members), trust)
    assert report.verdict.value == "INVALID"
    assert "transfer.manifest_modified" in report.codes()
    assert any("đã bị thay đổi sau khi ký" in p.message_vi for p in report.problems)


def test_one_byte_changed_in_the_raw_zip_is_refused(package, trust):
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(".pdf"))
    at = info.header_offset + 30 + len(info.filename) + info.compress_size // 2  # its data
    report = verify_bundle(_flip(package, at), trust)
    assert not report.ok
    assert report.codes() & {"transfer.member_corrupt", "transfer.file_modified"}


def test_a_record_removed_from_the_package_is_refused(package, trust):
    members = _members(package)
    del members[next(n for n in members if n.endswith(".pdf"))]
    report = verify_bundle(_zip(members), trust)
    assert report.verdict.value == "INVALID"
    assert "transfer.file_missing" in report.codes()


def test_a_record_removed_from_the_manifest_is_refused(parts, role_signers, trust, record):
    manifest, files = parts
    fewer = manifest.model_copy(update={"records": ()})
    data = manifest_bytes(fewer)  # re-signed by the genuine seal: still not a valid package
    members = {MANIFEST_NAME: data,
               SIGNATURE_NAME: sign_manifest(data, role_signers[SignerRole.SEAL]), **files}  # fmt: skip
    report = verify_bundle(_zip(members), trust)
    assert "transfer.manifest_invalid" in report.codes()


def test_a_file_the_manifest_does_not_list_is_refused(package, trust, record):
    members = _members(package)
    members[record_file_name("0" * 8 + "-0000-0000-0000-" + "0" * 12, 1, "pdf")] = b"%PDF-1.7"
    report = verify_bundle(_zip(members), trust)
    assert "transfer.unlisted_file" in report.codes()
    assert report.verdict.value == "INVALID"


def test_a_path_traversal_member_is_refused_before_anything_is_read(package, trust):
    members = _members(package)
    members["../../etc/cron.d/evil"] = b"* * * * * root true"
    report = verify_bundle(_zip(members), trust)
    assert report.verdict.value == "INVALID"
    assert report.codes() == {"transfer.unsafe_member"}
    assert report.manifest is None and not report.files


def test_oversized_members_are_refused_before_they_are_read_whole(package, trust):
    from hocba.limits import FileLimits

    small = FileLimits(bundle_unpacked_bytes=50_000)  # less than the PDF expands to
    report = verify_bundle(package, trust, limits=small)
    assert report.verdict.value == "INVALID"
    assert report.codes() == {"transfer.member_too_large"}


def test_an_unexpected_member_and_a_non_zip_are_refused(package, trust):
    members = _members(package)
    members["records/readme.txt"] = b"hi"
    assert "transfer.unexpected_member" in verify_bundle(_zip(members), trust).codes()
    assert verify_bundle(b"not a zip", trust).verdict.value == "UNREADABLE"


@pytest.fixture(scope="module")
def foreign_pki(pki, tmp_path_factory):
    """A copy of the demo PKI with one more seal: another school's, from the same trusted CA."""
    path = tmp_path_factory.mktemp("foreign") / "pki"
    shutil.copytree(pki.directory, path)
    copy = load_pki(path)
    issue_signer(
        copy, SignerRole.SEAL, "Trường Tiểu học Khác", label_suffix="other",
        not_before=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
        not_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=400),
    )  # fmt: skip
    return load_pki(path)


def _sealed_by(parts, signer) -> bytes:
    manifest, files = parts
    data = manifest_bytes(manifest)
    return _zip({MANIFEST_NAME: data, SIGNATURE_NAME: sign_manifest(data, signer), **files})


def test_a_package_sealed_by_another_schools_seal_is_refused(parts, foreign_pki, trust):
    seal = foreign_pki.load_signer(SignerRole.SEAL, "Trường Tiểu học Khác")
    report = verify_bundle(_sealed_by(parts, seal), trust)
    assert report.verdict.value == "INVALID"
    assert "transfer.wrong_seal" in report.codes()
    assert "transfer.seal_untrusted" not in report.codes()  # trusted CA, wrong school
    with pytest.raises(CertificateError):  # and the builder refuses to make one
        build_package(parts[0], parts[1], seal)


def test_a_package_sealed_under_an_untrusted_root_is_refused(parts, trust, tmp_path):
    rogue = init_pki(tmp_path / "rogue", teachers=["A"], principal="B", school=SCHOOL.name,
                     key_type="ec", now=dt.datetime.now(dt.UTC))  # fmt: skip
    report = verify_bundle(_sealed_by(parts, rogue.load_signer(SignerRole.SEAL)), trust)
    assert report.verdict.value == "INVALID"
    assert "transfer.seal_untrusted" in report.codes()


def test_an_unsigned_xml_copy_must_carry_the_same_data(record, signed_pdf, role_signers, trust):
    plain = to_xml(record)
    manifest = _manifest(record, signed_pdf, plain, xml_signed=False)
    files = {f.name: (signed_pdf if f.name.endswith(".pdf") else plain)
             for f in manifest.records[0].files}  # fmt: skip
    seal = role_signers[SignerRole.SEAL]
    assert verify_bundle(build_package(manifest, files, seal), trust).ok
    other = to_xml(record.model_copy(update={"class_name": "3Z"}))
    manifest = _manifest(record, signed_pdf, other, xml_signed=False)
    files = {f.name: (signed_pdf if f.name.endswith(".pdf") else other)
             for f in manifest.records[0].files}  # fmt: skip
    report = verify_bundle(build_package(manifest, files, seal), trust)
    assert "transfer.digest_mismatch" in report.codes()


def test_without_a_trust_list_nothing_is_accepted(package):
    report = verify_bundle(package)
    assert report.verdict.value == "INDETERMINATE"
    assert "trust.empty" in report.codes()


def test_hocba_verify_judges_a_transfer_package_too(package, pki, tmp_path):
    from click.testing import CliRunner

    from hocba.cli import main

    good, bad = tmp_path / "goi.zip", tmp_path / "sua.zip"
    good.write_bytes(package)
    members = _members(package)
    members[MANIFEST_NAME] = members[MANIFEST_NAME].replace(b'"grade":3', b'"grade":4')
    bad.write_bytes(_zip(members))
    trust = ["--trust", str(pki.trust_dir)]
    ok = CliRunner().invoke(main, ["verify", str(good), *trust])
    assert ok.exit_code == 0, ok.output
    assert "HỢP LỆ" in ok.output and SCHOOL.name in ok.output
    refused = CliRunner().invoke(main, ["verify", str(bad), *trust, "--json"])
    assert refused.exit_code == 1
    assert "transfer.manifest_modified" in {
        p["code"] for p in json.loads(refused.output)["problems"]
    }
