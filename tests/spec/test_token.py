"""The QR token grammar (``hocba.spec.token``): the strict token the renderer writes, and what
a person types from the paper — as printed, with its spaces, line breaks, grouping and case."""

from __future__ import annotations

import uuid

import pytest

from hocba.spec.token import (
    QrToken,
    TypedCode,
    parse_typed,
    printed_digest_lines,
    verification_url,
)

RID = "0f8fad5b-d9cb-469f-a165-70867728950e"
DIGEST = "4b2ff70216b289f36ce9b7d54dc40152da82e3d7e31b8afbafb4b29205645188"
TOKEN = f"HOCBA:1:{RID}:2:{DIGEST}"
PRINTED = "SHA-256\n" + "\n".join(printed_digest_lines(DIGEST))  # as under the QR code
DIGEST_ONLY = TypedCode(DIGEST)
FULL = TypedCode(DIGEST, uuid.UUID(RID), 2)


def test_the_token_round_trips_and_is_found_in_keywords():
    token = QrToken(RID, 2, DIGEST)
    assert str(token) == TOKEN
    assert QrToken.find(f"{TOKEN}, record:{RID}, học bạ số") == token
    assert verification_url("https://hocba.sogd.example.vn/xac-minh/", TOKEN).endswith(
        f"?q={TOKEN}"
    )


def test_the_digest_is_printed_as_four_lines_of_sixteen():
    assert printed_digest_lines(DIGEST) == [DIGEST[i : i + 16] for i in range(0, 64, 16)]


@pytest.mark.parametrize(
    "typed",
    [
        DIGEST,
        DIGEST.upper(),
        PRINTED,  # the block under the QR code, label and line breaks included
        PRINTED.replace("\n", " "),
        "\n".join(printed_digest_lines(DIGEST)),
        " ".join(DIGEST[i : i + 4] for i in range(0, 64, 4)),
        "-".join(printed_digest_lines(DIGEST)),
        f"  sha256: {DIGEST.upper()}  ",
        f"SHA\u2011256 {DIGEST}",  # a non-breaking hyphen from a word processor
        DIGEST[:30] + "\u200b" + DIGEST[30:],  # a zero-width space pasted from a PDF
    ],
)
def test_the_digest_alone_is_accepted_as_printed_or_typed(typed):
    assert parse_typed(typed) == DIGEST_ONLY


@pytest.mark.parametrize(
    "typed",
    [
        TOKEN,
        TOKEN.lower(),
        TOKEN.upper(),
        TOKEN[:40] + "\n" + TOKEN[40:],  # wrapped over two lines
        f"https://hocba.sogd.example.vn/xac-minh/?q={TOKEN}",
        f"http://127.0.0.1:8000/xac-minh/?q={TOKEN.replace(':', '%3A')}&utm=x",
        f"mã học bạ {RID} · phiên bản 2\n{PRINTED}",  # the footer line and the QR block
        f"{PRINTED}\n{RID.upper()} phien ban 2",
    ],
)
def test_the_token_the_url_or_id_version_and_digest_are_accepted(typed):
    assert parse_typed(typed) == FULL


def test_a_record_id_with_the_digest_without_a_version_names_no_version():
    assert parse_typed(f"{DIGEST}\n{RID}") == TypedCode(DIGEST, uuid.UUID(RID))


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "xin chào",
        DIGEST[:-1],  # one digit short
        DIGEST + "0",  # one too many
        DIGEST[:-1] + "g",
        RID,  # the record id alone names no content
        f"{RID} {DIGEST} 11111111-2222-3333-4444-555555555555",  # two record ids
        f"{DIGEST} và một câu khác",
        f"HOCBA:1:not-a-uuid:1:{DIGEST}",
        f"HOCBA:1:{RID}:x:{DIGEST}",
        f"https://hocba.sogd.example.vn/xac-minh/?q=HOCBA:1:{RID}:2:{DIGEST[:-2]}",
        DIGEST * 20,
    ],
)
def test_anything_else_is_not_a_code(typed):
    assert parse_typed(typed) is None
