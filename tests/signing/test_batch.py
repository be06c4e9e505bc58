"""One-approval batch signing (issue 5 item 2): N rendered records, one call to the backend,
every record verifies VALID; refusals per record; a retry never re-signs a signed record."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace

import pytest

from hocba.signing.batch import (
    ALREADY_SIGNED,
    FAILED,
    SIGNED,
    CscBatchSigner,
    Pkcs12BatchSigner,
    sign_batch,
)
from hocba.signing.csc import CscConfig, CscSigner
from hocba.signing.pades import read_plan
from hocba.spec import SignerRole
from hocba.verify import verify_pdf
from tests.pki_fixtures import OTHER_TEACHER, TEACHER
from tests.signing.batch_fixtures import N, rendered_records
from tests.signing.csc_server import CscServer, make_csc_pki
from tests.signing.csc_v2 import CscV2Front


@pytest.fixture
def rendered_batch() -> list[bytes]:
    return list(rendered_records(N))


def _ids(pdfs: list[bytes]) -> list[str]:
    return [read_plan(p).record.record_id for p in pdfs]


def test_one_call_signs_every_record_and_each_verifies(
    rendered_batch, role_signers, tsa, pki
) -> None:
    gvcn = Pkcs12BatchSigner(role_signers[SignerRole.GVCN])
    pdfs = rendered_batch[:8]
    report = sign_batch(pdfs, SignerRole.GVCN, gvcn, tsa, trust=pki.trust())
    assert report.ok and gvcn.calls == 1 and report.signer_calls == 1
    assert [i.record_id for i in report.items] == _ids(pdfs)
    assert {i.status for i in report.items} == {SIGNED}
    # the next roles, also in batches; the whole record then verifies VALID
    pdfs = [i.pdf for i in report.items]
    for role in (SignerRole.PRINCIPAL, SignerRole.SEAL):
        step = sign_batch(pdfs, role, Pkcs12BatchSigner(role_signers[role]), tsa, trust=pki.trust())
        assert step.ok, step.failed()
        pdfs = [i.pdf for i in step.items]
    for pdf in pdfs[:2]:
        result = verify_pdf(pdf, pki.trust())
        assert result.ok, result.problems
        assert [s.field for s in result.signatures] == [r.field_name for r in SignerRole]


def test_a_retry_never_resigns_a_record_that_succeeded(
    rendered_batch, role_signers, tsa, pki
) -> None:
    gvcn = Pkcs12BatchSigner(role_signers[SignerRole.GVCN])
    first = sign_batch(rendered_batch[:3], SignerRole.GVCN, gvcn, tsa, trust=pki.trust())
    # the first run's outputs for records 1-2, record 3 "failed" (its input), plus record 4
    retry_input = [first.items[0].pdf, first.items[1].pdf, rendered_batch[2], rendered_batch[3]]
    second = sign_batch(retry_input, SignerRole.GVCN, gvcn, tsa, trust=pki.trust())
    statuses = [i.status for i in second.items]
    assert statuses == [ALREADY_SIGNED, ALREADY_SIGNED, SIGNED, SIGNED]
    assert second.items[0].pdf == first.items[0].pdf  # unchanged bytes: not signed again
    assert second.items[0].code == "signing.field_already_signed"
    assert "đã có chữ ký" in second.items[0].message_vi
    # all signed: a third run sends nothing to the signer
    calls = gvcn.calls
    third = sign_batch([i.pdf for i in second.items], SignerRole.GVCN, gvcn, tsa)
    assert {i.status for i in third.items} == {ALREADY_SIGNED} and gvcn.calls == calls


def test_out_of_order_records_fail_alone_and_the_rest_is_signed(
    rendered_batch, role_signers, tsa, pki
) -> None:
    gvcn = (
        sign_batch(
            rendered_batch[:1],
            SignerRole.GVCN,
            Pkcs12BatchSigner(role_signers[SignerRole.GVCN]),
            tsa,
        )
        .items[0]
        .pdf
    )
    principal = Pkcs12BatchSigner(role_signers[SignerRole.PRINCIPAL])
    report = sign_batch(
        [gvcn, rendered_batch[1], b"not a pdf"], SignerRole.PRINCIPAL, principal, tsa,
        trust=pki.trust(),
    )  # fmt: skip
    assert [i.status for i in report.items] == [SIGNED, FAILED, FAILED]
    assert report.items[1].code == "signing.out_of_order"
    assert report.items[1].pdf == rendered_batch[1]
    assert report.items[2].code.startswith("document.")
    assert principal.calls == 1


def test_a_bad_certificate_is_refused_before_anything_is_prepared(rendered_batch, pki, tsa) -> None:
    revoked = Pkcs12BatchSigner(pki.load_signer(SignerRole.GVCN, TEACHER, revoked=True))
    other = Pkcs12BatchSigner(pki.load_signer(SignerRole.GVCN, OTHER_TEACHER))
    for signer, code in [(revoked, "signing.certificate_revoked"), (other, "signing.wrong_signer")]:
        report = sign_batch(rendered_batch[:3], SignerRole.GVCN, signer, tsa, trust=pki.trust())
        assert {i.code for i in report.items} == {code}
        assert signer.calls == 0 and report.signer_calls == 0
        assert [i.pdf for i in report.items] == rendered_batch[:3]


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_csc_signs_the_batch_with_one_authorize_and_one_sign_hash(
    rendered_batch, pki, tsa, tmp_path, api_version
) -> None:
    csc_pki = make_csc_pki(
        tmp_path / "csc", teacher=TEACHER, other=OTHER_TEACHER, school=pki.school
    )
    base = pki.trust()
    gvcn = SignerRole.GVCN.value  # the school allows the service's CA for the GVCN
    constraints = tuple(
        (role, (*cas, csc_pki.root.sha256.hex()) if role == gvcn else cas)
        for role, cas in getattr(base, "constraints", ())
    )
    trust = replace(base, roots=(*base.roots, csc_pki.root), crls=(*base.crls, *csc_pki.crls))
    if constraints:
        trust = replace(trust, constraints=constraints)  # type: ignore[call-arg]
    with CscServer(csc_pki.config) as dummy_url, ExitStack() as stack:
        url = dummy_url if api_version == "v1" else stack.enter_context(CscV2Front(dummy_url))
        config = CscConfig(url=url, credential_id="hocba/teacher", api_version=api_version)
        csc = CscSigner.connect(config, environ={})
        report = sign_batch(
            rendered_batch[:8], SignerRole.GVCN, CscBatchSigner(csc), tsa, trust=trust
        )
        assert report.ok, report.failed()
        assert csc.calls == (1, 1)
        small = CscBatchSigner(csc, max_batch_size=3)
        assert sign_batch(rendered_batch[8:15], SignerRole.GVCN, small, tsa, trust=trust).ok
        assert csc.calls == (4, 4)  # 7 digests in batches of 3
    (gvcn,) = verify_pdf(report.items[0].pdf, trust).signatures
    assert gvcn.intact and gvcn.valid and gvcn.trusted and gvcn.timestamp_time is not None
