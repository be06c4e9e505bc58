"""The local TSA's token assembled from DER pieces is pyHanko's DummyTimeStamper token."""

from __future__ import annotations

import datetime as dt
import hashlib

from asn1crypto import algos, cms, tsp
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from hocba.signing.tsa import LocalTimestamper

WHEN = dt.datetime(2026, 5, 20, 8, 30, tzinfo=dt.UTC)


def _request(nonce: int | None = 77) -> tsp.TimeStampReq:
    imprint = tsp.MessageImprint(
        {
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "hashed_message": hashlib.sha256(b"record").digest(),
        }
    )
    return tsp.TimeStampReq(
        {"version": 1, "message_imprint": imprint, "nonce": nonce, "cert_req": True}
    )


def _pyhanko_token(stamper: LocalTimestamper, req: tsp.TimeStampReq, serial: int) -> bytes:
    """What the stock DummyTimeStamper writes for the same TSTInfo (same serial and time)."""
    tst_info = stamper._build_tst_info(req["message_imprint"], WHEN, req)
    tst_info["serial_number"] = serial
    data = tst_info.dump()
    signature, attrs = stamper._sign_tst_info(data, "sha256", WHEN)
    signed_data = DummyTimeStamper._build_signed_data(stamper, data, "sha256", signature, attrs)
    token = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})
    return token.dump()


def _normalised(token: cms.ContentInfo) -> dict:
    native = token.native
    certs = native["content"]["certificates"]
    native["content"]["certificates"] = sorted(
        certs, key=lambda c: c["tbs_certificate"]["serial_number"]
    )
    return native


def test_same_token_as_pyhanko(tsa):
    stamper = LocalTimestamper(tsa.tsa_cert, tsa._pyca_key, tsa.certs_to_embed, fixed_dt=WHEN)
    for req in (_request(), _request(None)):
        response = stamper.request_tsa_response(req)
        assert response["status"]["status"].native == "granted"
        token = response["time_stamp_token"]
        serial = token["content"]["encap_content_info"]["content"].parsed["serial_number"].native
        theirs = cms.ContentInfo.load(_pyhanko_token(stamper, req, serial))
        ours = cms.ContentInfo.load(token.dump())
        assert _normalised(ours) == _normalised(theirs)
        assert ours.dump(force=True) == ours.dump()  # our DER is canonical


def test_the_token_verifies(tsa):
    """Signed attributes, signature and certificates hold together (pyHanko validates them
    for every signature; here directly, with the TSA's public key)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    token = tsa.request_tsa_response(_request())["time_stamp_token"]
    signer = token["content"]["signer_infos"][0]
    attrs = cms.CMSAttributes.load(b"\x31" + signer["signed_attrs"].dump()[1:])
    public = tsa._pyca_key.public_key()
    public.verify(signer["signature"].native, attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
    tst_info = token["content"]["encap_content_info"]["content"].parsed.dump()
    digests = {a["type"].native: a["values"][0].native for a in attrs}
    assert digests["message_digest"] == hashlib.sha256(tst_info).digest()
    assert token["content"]["certificates"][0].chosen.dump() == tsa.tsa_cert.dump()
