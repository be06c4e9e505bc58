"""One conformance suite, run unchanged against every signer backend (DESIGN: backends behind
one protocol). Each backend holds one planned role — the school seal on a SoftHSM2 token,
the GVCN at a CSC service on loopback (spoken in CSC API v1, and in v2 through a strict v2
front, tests/signing/csc_v2.py), the GVCN at our phone-confirmation gateway on loopback
(tests/signing/gateway_server.py), the GVCN in a PKCS#12 file — and the other roles sign
with PKCS#12, so every record is signed GVCN → principal → seal and verified as a whole.

No mocks: the token is a real SoftHSM2 token whose key was generated on it, the CSC service
is certomancer-csc-dummy over HTTP, the timestamps come from the demo PKI's TSA.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import x509
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader

from hocba.signing.backends import Signer
from hocba.signing.csc import CscConfig, CscSigner
from hocba.signing.errors import CertificateError
from hocba.signing.gateway import GatewayConfig, GatewaySigner
from hocba.signing.identity import normalise_name
from hocba.signing.pades import read_plan, sign_all, sign_record
from hocba.signing.pkcs11 import Pkcs11Config, Pkcs11Signer
from hocba.signing.pki import DemoPki
from hocba.signing.trust import TrustConfig
from hocba.spec import SignerRole
from hocba.verify import verify_pdf
from tests.pki_fixtures import OTHER_TEACHER, TEACHER
from tests.signing.csc_server import CscServer, make_csc_pki
from tests.signing.csc_v2 import CscV2Front
from tests.signing.gateway_server import GatewayServer
from tests.signing.softhsm import session_token

BACKENDS = ["pkcs12", "pkcs11", "csc", "csc-v2", "gateway"]


@dataclass
class Backend:
    """What the suite needs from a backend under test."""

    name: str
    role: SignerRole
    signer: Signer
    """The planned signer of ``role``, through this backend."""
    refused: dict[str, Signer]
    """Signers of this backend the plan must refuse, by expected ``CertificateError`` code."""
    trust: TrustConfig
    closers: list = field(default_factory=list)


class _MustNotSign:
    """A backend signer that fails the test if anything asks it for a signature."""

    def __init__(self, inner: Signer) -> None:
        self.inner = inner

    @property
    def certificate(self) -> x509.Certificate:
        return self.inner.certificate

    @property
    def chain_size(self) -> int:
        return self.inner.chain_size

    @property
    def pyhanko_signer(self):  # type: ignore[no-untyped-def]
        raise AssertionError(f"{self.inner!r} was asked to sign after a refusal")


def _chain(pki: DemoPki) -> list[x509.Certificate]:
    return [load_cert_from_pemder(str(p)) for p in (pki.issuing_ca_cert, pki.root_cert)]


def _pkcs12(pki: DemoPki, tmp: Path) -> Backend:
    return Backend(
        "pkcs12",
        SignerRole.GVCN,
        pki.load_signer(SignerRole.GVCN, TEACHER),
        {
            "signing.certificate_revoked": pki.load_signer(SignerRole.GVCN, TEACHER, revoked=True),
            "signing.wrong_signer": pki.load_signer(SignerRole.GVCN, OTHER_TEACHER),
        },
        pki.trust(),
    )


def _pkcs11(pki: DemoPki, tmp: Path) -> Backend:
    token = session_token(tmp / "softhsm", pki)
    env = {"HOCBA_SEAL_PIN": token.pin}

    def open_(label: str) -> Pkcs11Signer:
        config = Pkcs11Config(
            token_label=token.label, key_label=token.key, cert_label=label,
            module=token.module, pin_env="HOCBA_SEAL_PIN",
        )  # fmt: skip
        return Pkcs11Signer.open(config, chain=_chain(pki), environ=env)

    good = open_(token.certs["good"])
    refused = {
        "signing.certificate_expired": open_(token.certs["expired"]),
        "signing.wrong_signer": open_(token.certs["wrong_person"]),
    }
    closers = [good.close] + [s.close for s in refused.values()]  # type: ignore[attr-defined]
    return Backend("pkcs11", SignerRole.SEAL, good, refused, pki.trust(), closers)


def _csc(pki: DemoPki, tmp: Path, api_version: str = "v1") -> Backend:
    csc_pki = make_csc_pki(tmp / "csc", teacher=TEACHER, other=OTHER_TEACHER, school=pki.school)
    server = CscServer(csc_pki.config)
    url = server.__enter__()
    closers = [lambda: server.__exit__()]
    if api_version == "v2":
        front = CscV2Front(url)
        url = front.__enter__()
        closers.insert(0, lambda: front.__exit__())

    def connect(label: str) -> CscSigner:
        config = CscConfig(url=url, credential_id=f"hocba/{label}", api_version=api_version)
        return CscSigner.connect(config, environ={})

    base = pki.trust()
    trust = replace(
        base, roots=(*base.roots, csc_pki.root), crls=(*base.crls, *csc_pki.crls)
    )  # the school trusts the service's CA as it would a licensed CA's root
    refused = {
        "signing.certificate_revoked": connect("revoked"),
        "signing.wrong_signer": connect("other"),
    }
    name = "csc" if api_version == "v1" else f"csc-{api_version}"
    return Backend(name, SignerRole.GVCN, connect("teacher"), refused, trust, closers)


def _csc_v2(pki: DemoPki, tmp: Path) -> Backend:
    return _csc(pki, tmp, "v2")


def _gateway(pki: DemoPki, tmp: Path) -> Backend:
    entry = pki.signer_entry
    server = GatewayServer(
        {
            "teacher": (entry(SignerRole.GVCN, TEACHER).p12, pki.password),
            "revoked": (entry(SignerRole.GVCN, TEACHER, revoked=True).p12, pki.password),
            "other": (entry(SignerRole.GVCN, OTHER_TEACHER).p12, pki.password),
        }
    )
    server.delay = 0  # the signer confirms at once; one confirmation per signature
    url = server.__enter__()

    def connect(signer_id: str) -> GatewaySigner:
        config = GatewayConfig(url=url, signer_id=signer_id, poll_interval=0.01)
        return GatewaySigner.connect(config, environ={})

    refused = {"signing.certificate_revoked": connect("revoked"),
               "signing.wrong_signer": connect("other")}  # fmt: skip
    return Backend(
        "gateway", SignerRole.GVCN, connect("teacher"), refused, pki.trust(),
        [lambda: server.__exit__()],
    )  # fmt: skip


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, pki: DemoPki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    makers = {"pkcs12": _pkcs12, "pkcs11": _pkcs11, "csc": _csc, "csc-v2": _csc_v2,
              "gateway": _gateway}  # fmt: skip
    make = makers[request.param]
    made = make(pki, tmp_path_factory.mktemp(request.param))
    yield made
    for close in made.closers:
        close()


@pytest.fixture
def signers_with(role_signers, backend: Backend) -> dict[SignerRole, Signer]:
    return dict(role_signers) | {backend.role: backend.signer}


def test_a_record_signed_in_plan_order_verifies_valid(
    backend: Backend, signers_with, record_pdf, tsa, caplog
):
    caplog.set_level(logging.WARNING, logger="hocba.signing")
    signed = sign_all(record_pdf, signers_with, tsa, trust=backend.trust)
    report = verify_pdf(signed, backend.trust)
    assert report.ok, [p.message_vi for p in report.problems]
    assert [s.role for s in report.signatures] == list(SignerRole)
    assert all(s.trusted and s.timestamp_time is not None for s in report.signatures)
    # the reserved size was enough at the first attempt (no "larger than expected" retry)
    assert not [r for r in caplog.records if "larger than" in r.getMessage()]


def test_the_backends_signature_names_the_planned_signer(
    backend: Backend, signers_with, record_pdf, tsa
):
    signed = sign_all(record_pdf, signers_with, tsa, trust=backend.trust)
    slot = read_plan(record_pdf).plan.slot(backend.role)
    (mine,) = [s for s in verify_pdf(signed, backend.trust).signatures if s.role is backend.role]
    assert normalise_name(mine.signer) == normalise_name(slot.signer_name)
    embedded = {s.field_name: s for s in PdfFileReader(BytesIO(signed)).embedded_signatures}[
        slot.field_name
    ]
    assert embedded.signer_cert.dump() == backend.signer.certificate.dump()


def test_signing_one_role_at_a_time_keeps_earlier_revisions(
    backend: Backend, signers_with, record_pdf, tsa
):
    pdf = record_pdf
    for role in SignerRole:
        signed = sign_record(pdf, role, signers_with[role], tsa, trust=backend.trust)
        assert signed.startswith(pdf)
        pdf = signed
    assert verify_pdf(pdf, backend.trust).ok


def test_the_reserved_space_holds_the_backends_signature(
    backend: Backend, signers_with, record_pdf, tsa
):
    signed = sign_all(record_pdf, signers_with, tsa, trust=backend.trust)
    slot = read_plan(record_pdf).plan.slot(backend.role)
    (embedded,) = [
        s
        for s in PdfFileReader(BytesIO(signed)).embedded_signatures
        if s.field_name == slot.field_name
    ]
    reserved = len(embedded.sig_object["/Contents"])
    used = len(embedded.signed_data.dump())
    assert used + 256 <= reserved, (used, reserved)


@pytest.mark.parametrize("index", [0, 1], ids=["revoked_or_expired", "wrong_person"])
def test_a_bad_certificate_is_refused_before_anything_is_signed(
    backend: Backend, signers_with, record_pdf, tsa, index: int
):
    code, bad = list(backend.refused.items())[index]
    with pytest.raises(CertificateError) as err:
        sign_all(record_pdf, signers_with | {backend.role: _MustNotSign(bad)}, tsa,
                 trust=backend.trust)  # fmt: skip
    assert err.value.code == code, err.value.message_vi
