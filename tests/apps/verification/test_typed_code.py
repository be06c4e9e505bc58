"""Typing the code printed under the QR code (issue #12): the exact text pdftotext extracts
from a rendered record — the ``SHA-256`` label and four lines of 16 digits — is accepted as
printed, and so are the digest alone, with spaces, in capitals, with the record id, the full
token and the QR's URL. A digest alone answers when it names exactly one issued record."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from hocba.apps.records.models import RecordVersion
from hocba.apps.verification.services import CodeStatus, lookup_code
from hocba.render import DEFAULT_VERIFY_URL, verification_token
from hocba.spec.token import printed_digest_lines
from tests.render.test_verify_print import printed_code

URL = "/xac-minh/"


@pytest.fixture(autouse=True)
def _fresh_rate_limit(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def printed(signed_pdf, tmp_path) -> str:
    path = tmp_path / "hocba.pdf"
    path.write_bytes(signed_pdf[0])
    return printed_code(path)


def test_the_printed_code_typed_as_printed_finds_the_issued_record(client, issued_here, printed):
    assert printed.startswith("SHA-256\n")
    page = client.post(URL, {"code": printed}).content.decode()
    assert "Mã không đúng định dạng" not in page
    assert CodeStatus.CURRENT.label_vi in page
    assert issued_here.digest in page  # echoes only what was typed: no name, no result


def test_every_way_of_typing_the_printed_code_is_accepted(issued_here, printed, signed_pdf):
    record = signed_pdf[2]
    digest = issued_here.digest
    token = verification_token(record)
    typed = [
        printed,
        printed.replace("\n", " "),
        printed.upper(),
        " ".join(printed_digest_lines(digest)),
        "".join(printed_digest_lines(digest)).upper(),
        f"{record.record_id}\n{printed}",
        f"mã học bạ {record.record_id} · phiên bản {record.version}\n{printed}",
        token,
        f"{DEFAULT_VERIFY_URL}?q={token}",
    ]
    for text in typed:
        assert lookup_code(text).status is CodeStatus.CURRENT, text


def test_the_digest_of_a_record_not_issued_is_not_found(class_3a):
    _, draft = class_3a[0]
    assert lookup_code(" ".join(printed_digest_lines(draft.digest))).status is (
        CodeStatus.NOT_FOUND
    )


def test_a_digest_alone_that_names_two_records_asks_for_the_record_id(issued_here, class_3a):
    _, other = class_3a[1]
    RecordVersion.objects.filter(pk=other.pk).update(
        digest=issued_here.digest, status=RecordVersion.Status.ISSUED
    )
    assert lookup_code(issued_here.digest).status is CodeStatus.AMBIGUOUS
    with_id = f"{issued_here.record_id} {issued_here.digest}"
    assert lookup_code(with_id).status is CodeStatus.CURRENT


def test_a_superseded_record_s_printed_code_says_so(client, issued_here, printed):
    RecordVersion.objects.filter(pk=issued_here.pk).update(status=RecordVersion.Status.SUPERSEDED)
    page = client.post(URL, {"code": printed}).content.decode()
    assert CodeStatus.SUPERSEDED.label_vi in page


def test_the_form_takes_several_lines(client, db):
    page = client.get(URL).content.decode()
    assert '<textarea name="code"' in page
