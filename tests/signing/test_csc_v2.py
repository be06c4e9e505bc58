"""CSC API v2: the client sends v2 paths and bodies, the test front (tests/signing/csc_v2.py)
really refuses v1 ones, and the version is chosen by configuration. The conformance suite
(test_conformance.py, backend ``csc-v2``) and the batch test sign whole records over v2."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from hocba.signing.backends_config import SignerSpec
from hocba.signing.batch import CscBatchSigner
from hocba.signing.csc import CscConfig, CscSigner
from hocba.signing.errors import KeyLoadError
from tests.pki_fixtures import OTHER_TEACHER, TEACHER
from tests.signing.csc_server import CscServer, make_csc_pki
from tests.signing.csc_v2 import CscV2Front

SHA256 = "2.16.840.1.101.3.4.2.1"
RSA = "1.2.840.113549.1.1.11"  # sha256WithRSAEncryption, as pyHanko names it


@pytest.fixture(scope="module")
def front(pki, tmp_path_factory) -> Iterator[CscV2Front]:
    csc_pki = make_csc_pki(
        tmp_path_factory.mktemp("csc"), teacher=TEACHER, other=OTHER_TEACHER, school=pki.school
    )
    with CscServer(csc_pki.config) as dummy_url:
        v2 = CscV2Front(dummy_url)
        with v2:
            yield v2


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        text = exc.read()
        return exc.code, json.loads(text) if text.startswith(b"{") else {}


def _verify(signer: CscSigner, data: bytes, signature: bytes) -> None:
    key = cx509.load_der_x509_certificate(signer.certificate.dump()).public_key()
    key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr, call-arg, arg-type]


def _authorize(front: CscV2Front, digest: str) -> str:
    status, data = _post(
        f"{front.url}/csc/v2/credentials/authorize",
        {"credentialID": "hocba/teacher", "numSignatures": 1, "hashes": [digest],
         "hashAlgorithmOID": SHA256},
    )  # fmt: skip
    assert status == 200, data
    return str(data["SAD"])


def test_the_v2_front_refuses_v1_bodies_and_accepts_v2_ones(front: CscV2Front) -> None:
    digest = base64.b64encode(hashlib.sha256(b"hoc ba").digest()).decode()
    auth = f"{front.url}/csc/v2/credentials/authorize"
    sign = f"{front.url}/csc/v2/signatures/signHash"
    v1_auth = {"credentialID": "hocba/teacher", "numSignatures": 1, "hash": [digest]}
    status, data = _post(auth, v1_auth)
    assert status == 400 and "hash" in data["error_description"]
    no_oid = {"credentialID": "hocba/teacher", "numSignatures": 1, "hashes": [digest]}
    status, data = _post(auth, no_oid)
    assert status == 400 and "hashAlgorithmOID" in data["error_description"]
    sad = _authorize(front, digest)  # the same request in v2 form is accepted
    v1_sign = {"credentialID": "hocba/teacher", "SAD": sad, "hash": [digest],
               "hashAlgo": SHA256, "signAlgo": RSA}  # fmt: skip
    status, data = _post(sign, v1_sign)
    assert status == 400 and "hashAlgo" in data["error_description"]
    v2_sign = {"credentialID": "hocba/teacher", "SAD": sad, "hashes": [digest],
               "signAlgo": RSA}  # fmt: skip
    assert _post(sign, v2_sign)[0] == 400  # hashAlgorithmOID missing
    status, data = _post(sign, v2_sign | {"hashAlgorithmOID": SHA256})
    assert status == 200 and len(data["signatures"]) == 1
    # the v1 paths are not served at all
    assert _post(f"{front.url}/csc/v1/credentials/authorize", v1_auth)[0] == 404


def test_a_v2_signer_speaks_v2(front: CscV2Front) -> None:
    front.requests.clear()
    refused_before = len(front.refused)
    config = CscConfig(url=front.url, credential_id="hocba/teacher", api_version="v2")
    signer = CscSigner.connect(config, environ={}, pin="1234")
    assert front.requests["credentials/info"] == [
        {"credentialID": "hocba/teacher", "certificates": "chain", "certInfo": False,
         "authInfo": False}
    ]  # fmt: skip
    # pyHanko's commit path (one record) and the one-approval batch path (three digests)
    raw = asyncio.run(signer.pyhanko_signer.async_sign_raw(b"one record", "sha256"))
    _verify(signer, b"one record", raw)
    data = [b"a", b"b", b"c"]
    digests = [hashlib.sha256(d).digest() for d in data]
    signatures = asyncio.run(CscBatchSigner(signer).sign_digests(digests))
    for d, s in zip(data, signatures, strict=True):
        _verify(signer, d, s)
    assert signer.calls == (2, 2)
    authorize, sign = front.requests["credentials/authorize"], front.requests["signatures/signHash"]
    assert [len(a["hashes"]) for a in authorize] == [1, 3]
    assert all(a["hashAlgorithmOID"] == SHA256 and a["PIN"] == "1234" for a in authorize)
    assert all(s["hashAlgorithmOID"] == SHA256 and s["signAlgo"] == RSA for s in sign)
    assert [s["hashes"] for s in sign] == [a["hashes"] for a in authorize]
    assert sign[1]["hashes"] == [base64.b64encode(d).decode() for d in digests]
    assert len(front.refused) == refused_before


def test_a_v1_client_finds_no_v1_paths_at_a_v2_service(front: CscV2Front) -> None:
    with pytest.raises(KeyLoadError) as err:
        CscSigner.connect(CscConfig(url=front.url, credential_id="hocba/teacher"), environ={})
    assert err.value.code == "signing.csc_credential"


def test_the_api_version_is_configured_from_the_environment(front: CscV2Front) -> None:
    env = {"HOCBA_CSC_URL": "https://ky.example.vn", "HOCBA_CSC_CREDENTIAL": "gv-01"}
    assert CscConfig.from_env(env).api_version == "v1"
    assert CscConfig.from_env(env | {"HOCBA_CSC_API_VERSION": "v2"}).api_version == "v2"
    for bad in ("v3", "2"):
        with pytest.raises(KeyLoadError) as err:
            CscConfig.from_env(env | {"HOCBA_CSC_API_VERSION": bad})
        assert err.value.code == "signing.csc_api_version" and bad in err.value.message_vi
    with pytest.raises(KeyLoadError):
        CscConfig(url="https://ky.example.vn", credential_id="gv-01", api_version="v1.0")
    # a signer key configured in the database (SignerSpec) follows the same variable
    spec = SignerSpec(kind="csc", location=front.url, identifier="hocba/teacher")
    signer = spec.open(environ={"HOCBA_CSC_API_VERSION": "v2"})
    assert isinstance(signer, CscSigner) and signer.config.api_version == "v2"
    with pytest.raises(KeyLoadError) as err:
        spec.open(environ={})  # v1 by default: the v2-only service has no v1 paths
    assert err.value.code == "signing.csc_credential"
