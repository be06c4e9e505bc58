"""Chains validated once per trust list, document revocation data and time (hocba.verify.chains):
the verdicts stay those of a full validation."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pyhanko_certvalidator
import pytest
from pyhanko_certvalidator.path import ValidationPath

from hocba.signing.pades import apply_signature, read_plan, sign_all
from hocba.spec import SignerRole
from hocba.verify import Verdict, chains, verify_pdf
from tests.pki_fixtures import TEACHER


@pytest.fixture(scope="module")
def trust(pki):
    return pki.trust()


@pytest.fixture
def cold(monkeypatch):
    """An empty cache for the test, and a way to verify without it."""
    monkeypatch.setattr(chains, "_VALID", {})

    def uncached(pdf, trust, **kwargs):
        saved = dict(chains._VALID)
        chains._VALID.clear()
        with monkeypatch.context() as m:
            m.setattr(chains, "_SCOPE", chains.contextvars.ContextVar("off", default=None))
            report = verify_pdf(pdf, trust, **kwargs)
        chains._VALID.update(saved)
        return report

    return uncached


def _summary(report):
    return (
        report.verdict,
        sorted((p.code, p.field) for p in report.problems),
        [(s.field, s.trusted, s.revocation, s.valid, s.intact) for s in report.signatures],
    )


def test_a_second_record_reuses_the_chains(signed_pdf, trust, cold):
    before = dict(chains.stats)
    first = verify_pdf(signed_pdf, trust)
    misses = chains.stats["misses"] - before["misses"]
    second = verify_pdf(signed_pdf, trust)
    assert chains.stats["misses"] - before["misses"] == misses  # nothing validated again
    assert chains.stats["hits"] - before["hits"] >= 6  # 3 signers + 3 timestamps
    assert first.verdict is Verdict.VALID
    assert _summary(first) == _summary(second) == _summary(cold(signed_pdf, trust))


def test_a_revoked_signer_after_valid_chains_were_remembered(
    signed_pdf, record_pdf, pki, role_signers, tsa, trust, cold
):
    assert verify_pdf(signed_pdf, trust).verdict is Verdict.VALID
    revoked = pki.load_signer(SignerRole.GVCN, TEACHER, revoked=True)
    pdf = apply_signature(
        record_pdf, read_plan(record_pdf).plan.slot(SignerRole.GVCN), revoked, tsa
    )
    pdf = sign_all(pdf, role_signers, tsa)
    report = verify_pdf(pdf, trust)
    assert report.verdict is Verdict.INVALID
    assert "signature.revoked" in {p.code for p in report.problems}
    assert _summary(report) == _summary(cold(pdf, trust))


def test_another_trust_list_is_another_cache(signed_pdf, trust, cold):
    assert verify_pdf(signed_pdf, trust).verdict is Verdict.VALID
    without_crls = dataclasses.replace(trust, crls=())  # revocation unknown: hard-fail
    report = verify_pdf(signed_pdf, without_crls)
    assert report.verdict is not Verdict.VALID
    assert _summary(report) == _summary(cold(signed_pdf, without_crls))
    assert chains.scope_key(trust, chains.EmbeddedRevocationData(), None) != chains.scope_key(
        without_crls, chains.EmbeddedRevocationData(), None
    )


def test_another_time_is_another_cache(signed_pdf, trust, role_signers, cold):
    assert verify_pdf(signed_pdf, trust).verdict is Verdict.VALID
    cert = role_signers[SignerRole.GVCN].certificate
    later = cert["tbs_certificate"]["validity"]["not_after"].native + dt.timedelta(days=1)
    report = verify_pdf(signed_pdf, trust, now=later)
    assert report.verdict is not Verdict.VALID
    assert _summary(report) == _summary(cold(signed_pdf, trust, now=later))


def test_without_a_scope_nothing_is_remembered(signed_pdf, trust, cold):
    verify_pdf(signed_pdf, trust)
    remembered = len(chains._VALID)
    report = cold(signed_pdf, trust)
    assert report.verdict is Verdict.VALID and len(chains._VALID) == remembered


def test_pinned_pyhanko_certvalidator_internals():
    """The cache replaces these members; fail loudly if pyhanko-certvalidator changes them."""
    chains.install()
    assert pyhanko_certvalidator.async_validate_path is chains.async_validate_path
    globals_ = pyhanko_certvalidator.find_valid_path.__globals__
    assert globals_["async_validate_path"] is chains.async_validate_path
    assert callable(ValidationPath._set_qualified_policies)
    assert callable(ValidationPath.qualified_policies)
    assert chains._original.__module__ == "pyhanko_certvalidator.validate"
