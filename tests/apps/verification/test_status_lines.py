"""The verdict and the "on this server" line never contradict each other (issue #12): only a
VALID file is called issued and in force; for any other verdict the line says at most,
neutrally, whether a record with that id exists here and that the file is not (INVALID) or
not shown to be (INDETERMINATE) that record. Every combination of the table is tested."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from hocba.apps.records.models import RecordVersion
from hocba.apps.verification.services import (
    CodeStatus,
    Standing,
    StatusLine,
    Tone,
    record_standing,
    status_line,
)
from hocba.verify import Verdict

URL = "/xac-minh/"
IN_FORCE = CodeStatus.CURRENT.label_vi
EXISTS_NOT_THAT = (
    "Trên hệ thống này có học bạ đã ban hành mang mã học bạ này, nhưng tệp bạn đưa ra "
    "không phải là học bạ đó như đã ban hành."
)
EXISTS_UNPROVEN = (
    "Trên hệ thống này có học bạ đã ban hành mang mã học bạ này, nhưng chưa xác minh được "
    "tệp bạn đưa ra chính là học bạ đó."
)
NONE_HERE = "Trên hệ thống này không có học bạ đã ban hành nào mang mã học bạ này."

VAL, INV, IND, UNR = Verdict.VALID, Verdict.INVALID, Verdict.INDETERMINATE, Verdict.UNREADABLE
CUR, SUP, OTH, NF = Standing.CURRENT, Standing.SUPERSEDED, Standing.OTHER, Standing.NOT_FOUND
EXPECTED: dict[tuple[Verdict, Standing | None], tuple[Tone, str] | None] = {
    (VAL, CUR): (Tone.OK, IN_FORCE),
    (VAL, SUP): (Tone.WARN, CodeStatus.SUPERSEDED.label_vi),
    (VAL, OTH): (Tone.WARN, "Trên hệ thống này có học bạ đã ban hành mang mã học bạ này, nhưng "
                        "không phải với nội dung của tệp bạn đưa ra"),
    (VAL, NF): (Tone.NEUTRAL, NONE_HERE + " Học bạ có thể do hệ thống của đơn vị khác ban hành."),
    (VAL, None): None,
    (INV, CUR): (Tone.NEUTRAL, EXISTS_NOT_THAT),
    (INV, SUP): (Tone.NEUTRAL, EXISTS_NOT_THAT),
    (INV, OTH): (Tone.NEUTRAL, EXISTS_NOT_THAT),
    (INV, NF): (Tone.NEUTRAL, NONE_HERE),
    (INV, None): None,
    (IND, CUR): (Tone.NEUTRAL, EXISTS_UNPROVEN),
    (IND, SUP): (Tone.NEUTRAL, EXISTS_UNPROVEN),
    (IND, OTH): (Tone.NEUTRAL, EXISTS_UNPROVEN),
    (IND, NF): (Tone.NEUTRAL, NONE_HERE),
    (IND, None): None,
    (UNR, CUR): None,
    (UNR, SUP): None,
    (UNR, OTH): None,
    (UNR, NF): None,
    (UNR, None): None,
}  # fmt: skip


def test_the_table_covers_every_verdict_and_standing():
    assert set(EXPECTED) == {(v, s) for v in Verdict for s in (*Standing, None)}


@pytest.mark.parametrize(("verdict", "standing"), list(EXPECTED))
def test_the_line_under_each_verdict(verdict, standing):
    line = status_line(verdict, standing)
    expected = EXPECTED[verdict, standing]
    if expected is None:
        assert line is None
        return
    tone, text = expected
    assert isinstance(line, StatusLine) and line.tone is tone and line.text.startswith(text)
    if verdict is not Verdict.VALID:  # never "in force", never a warning-coloured "issued"
        assert line.tone is Tone.NEUTRAL
        assert "hiệu lực" not in line.text and "thay thế" not in line.text


# --- on the page, with a real signed PDF --------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_rate_limit(db):
    cache.clear()
    yield
    cache.clear()


def _upload(client, data: bytes) -> str:
    upload = SimpleUploadedFile("hocba.pdf", data, "application/pdf")
    return client.post(URL, {"pdf": upload}).content.decode()


def _tampered(pdf: bytes) -> bytes:
    at = pdf.index(b"/Contents") - 200  # inside the signed bytes, before the signatures
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]


def test_a_tampered_copy_of_an_issued_record_is_never_called_in_force(
    client, issued_here, signed_pdf
):
    page = _upload(client, _tampered(signed_pdf[0]))
    assert "KHÔNG HỢP LỆ" in page and "(INVALID)" in page
    assert IN_FORCE not in page
    assert (
        f'<p class="status-line muted"><strong>Trên hệ thống này:</strong> {EXISTS_NOT_THAT}'
        in (page)
    )
    assert 'class="status-line ok"' not in page


def test_an_untrusted_copy_of_an_issued_record_is_not_called_in_force(
    client, issued_here, signed_pdf, settings
):
    settings.HOCBA_TRUST_DIR = "/nonexistent/trust"
    page = _upload(client, signed_pdf[0])
    assert "(INDETERMINATE)" in page and IN_FORCE not in page
    assert EXISTS_UNPROVEN in page


def test_the_genuine_file_is_in_force_and_a_superseded_one_says_so(client, issued_here, signed_pdf):
    page = _upload(client, signed_pdf[0])
    assert "(VALID)" in page
    assert f'<p class="status-line ok"><strong>Trên hệ thống này:</strong> {IN_FORCE}' in page
    RecordVersion.objects.filter(pk=issued_here.pk).update(status=RecordVersion.Status.SUPERSEDED)
    assert CodeStatus.SUPERSEDED.label_vi in _upload(client, signed_pdf[0])


def test_the_standing_of_a_record_here(issued_here):
    rid, version, digest = issued_here.record_id, issued_here.version, issued_here.digest
    assert record_standing(str(rid), version, digest) is Standing.CURRENT
    assert record_standing(str(rid), version, "0" * 64) is Standing.OTHER
    assert record_standing(str(rid), version + 1, digest) is Standing.OTHER
    assert record_standing("0f8fad5b-d9cb-469f-a165-70867728950e", 1, digest) is Standing.NOT_FOUND
    assert record_standing("not-an-id", 1, digest) is Standing.NOT_FOUND
    RecordVersion.objects.filter(pk=issued_here.pk).update(status=RecordVersion.Status.FINAL)
    assert record_standing(str(rid), version, digest) is Standing.NOT_FOUND  # not issued


def test_a_file_that_is_neither_pdf_nor_xml_is_called_so(client, db):
    page = _upload(client, b"hello, not a record")
    assert "KHÔNG ĐỌC ĐƯỢC TÀI LIỆU" in page
    assert "Tệp không phải là học bạ số dạng PDF hoặc XML." in page
    assert "không phải là tài liệu PDF" not in page
    assert "Trên hệ thống này:" not in page
