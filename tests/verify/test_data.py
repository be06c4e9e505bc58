"""The embedded data check: record.json present, schema-valid, canonical, named by the QR
token, and the same as record.xml."""

from __future__ import annotations

import hashlib

from hocba.spec import canonical_json, record_digest
from hocba.spec.xml import to_xml
from hocba.verify import Severity, verify_pdf
from tests.builders import primary_record
from tests.pki_fixtures import make_record_pdf, qr_token


def _codes(pdf: bytes, severity: Severity = Severity.ERROR) -> set[str]:
    return {p.code for p in verify_pdf(pdf).problems if p.severity is severity}


def test_a_consistent_unsigned_record_has_no_data_problem(record_pdf):
    assert not {c for c in _codes(record_pdf) if c.startswith("data.")}


def test_missing_record_data(record):
    assert "data.missing" in _codes(make_record_pdf(record, attach=False))


def test_json_that_is_not_a_record(record):
    junk = b'{"hello": "world"}'
    pdf = make_record_pdf(
        record, record_json=junk, keywords=qr_token(record, hashlib.sha256(junk).hexdigest())
    )
    report = verify_pdf(pdf)
    assert "data.schema_invalid" in report.codes() and not report.record.schema_valid


def test_json_that_is_not_in_canonical_form(record):
    pretty = canonical_json(record).replace(b",", b", ")
    pdf = make_record_pdf(
        record, record_json=pretty, keywords=qr_token(record, hashlib.sha256(pretty).hexdigest())
    )
    assert "data.not_canonical" in _codes(pdf)


def test_a_qr_token_for_another_record(record):
    other = primary_record(record_id="11111111-2222-4333-8444-555555555555")
    token = f"HOCBA:1:{other.record_id}:1:{record_digest(record)}"
    assert "data.id_mismatch" in _codes(make_record_pdf(record, keywords=token))


def test_no_qr_token(record):
    assert "data.no_qr_token" in _codes(make_record_pdf(record, keywords="học bạ"))


def test_xml_that_says_something_else(record):
    other = to_xml(primary_record(place="Hà Nội"))
    assert "data.xml_mismatch" in _codes(make_record_pdf(record, record_xml=other))
