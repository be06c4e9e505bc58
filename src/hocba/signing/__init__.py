"""Signing records: the signature plan, signer backends, PAdES B-T, the demo PKI and TSA.

    from hocba.signing import init_pki, sign_all
    pki = init_pki("var/pki", teachers=[...], principal="...", school="...")
    signers = {role: pki.load_signer(role, name) for role, name in ...}
    signed = sign_all(rendered_pdf, signers, pki.timestamper(), trust=pki.trust())

One role at a time (the web workflow): ``sign_record(pdf, SignerRole.PRINCIPAL, signer,
http_timestamper(url), trust=load_trust(dir))``. Every refusal is a ``SigningError`` with a
machine ``code`` and ``message_vi``, raised before anything is written.
"""

from hocba.signing.backends import Pkcs12Signer, Signer
from hocba.signing.errors import (
    CertificateError,
    DocumentError,
    KeyLoadError,
    PkiError,
    PlanError,
    SigningError,
    TimestampError,
)
from hocba.signing.ltv import add_validation_info, archive, refresh_files, sign_all_lta
from hocba.signing.pades import (
    apply_signature,
    async_apply_signature,
    async_sign_all,
    async_sign_record,
    read_plan,
    sign_all,
    sign_record,
)
from hocba.signing.pki import DEMO_PASSWORD, DemoPki, PkiSigner, init_pki, issue_signer, load_pki
from hocba.signing.plan import SignaturePlan, SignatureSlot
from hocba.signing.trust import TrustConfig
from hocba.signing.tsa import LocalTimestamper, TsaServer, http_timestamper

__all__ = [
    "DEMO_PASSWORD",
    "CertificateError",
    "DemoPki",
    "DocumentError",
    "KeyLoadError",
    "LocalTimestamper",
    "Pkcs12Signer",
    "PkiError",
    "PkiSigner",
    "PlanError",
    "SignaturePlan",
    "SignatureSlot",
    "Signer",
    "SigningError",
    "TimestampError",
    "TrustConfig",
    "TsaServer",
    "add_validation_info",
    "apply_signature",
    "archive",
    "async_apply_signature",
    "async_sign_all",
    "async_sign_record",
    "http_timestamper",
    "init_pki",
    "issue_signer",
    "load_pki",
    "read_plan",
    "refresh_files",
    "sign_all",
    "sign_all_lta",
    "sign_record",
]
