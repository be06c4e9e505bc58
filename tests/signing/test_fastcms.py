"""DER helpers and the templated CMS/timestamp assembly agree with asn1crypto."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from asn1crypto import cms, core, tsp

from hocba.signing.fastcms import der_generalized_time, der_integer, der_set, tlv


@pytest.mark.parametrize("size", [0, 1, 127, 128, 255, 256, 65_535, 65_536])
def test_lengths_match_asn1crypto(size):
    assert tlv(0x04, b"x" * size) == core.OctetString(b"x" * size).dump()


@pytest.mark.parametrize("value", [0, 1, 127, 128, 255, 256, 2**63 - 1, 2**64])
def test_integers_match_asn1crypto(value):
    assert der_integer(value) == core.Integer(value).dump()


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2025, 5, 28, 9, 30, tzinfo=dt.UTC),
        dt.datetime(2025, 5, 28, 9, 30, 1, 250_000, tzinfo=dt.UTC),
        dt.datetime(2025, 5, 28, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=7))),
    ],
)
def test_generalized_time_is_der_utc(moment):
    der = der_generalized_time(moment)
    assert core.GeneralizedTime.load(der).native == moment
    assert der.endswith(b"Z")
    assert b"." not in der or not der.endswith(b"0Z")  # DER: no trailing zeros in fractions


def test_set_of_is_sorted():
    items = [core.Integer(300).dump(), core.Integer(2).dump(), core.Integer(1).dump()]
    assert der_set(items) == tlv(0x31, b"".join(sorted(items)))


def test_a_local_token_is_a_well_formed_rfc3161_token(tsa):
    imprint = hashlib.sha256(b"signature value").digest()
    token = tsa._template.token(imprint, dt.datetime.now(dt.UTC), tsa._sign)
    info = cms.ContentInfo.load(token)
    assert info.dump(force=True) == token  # strict DER
    tst = info["content"]["encap_content_info"]["content"].parsed
    assert isinstance(tst, tsp.TSTInfo)
    assert tst["message_imprint"]["hashed_message"].native == imprint
    attrs = {a["type"].native for a in info["content"]["signer_infos"][0]["signed_attrs"]}
    assert attrs == {"content_type", "message_digest", "signing_certificate_v2"}
