"""Per-signature overhead of each signer backend on loopback (measured, not asserted):

    .venv/bin/python -m bench.signing_backends [N]

Signs the same slot of a rendered record N times (one event loop, B-T with the demo PKI's
in-process TSA) with the PKCS#12 signer and with the backend holding that role in the
conformance suite — the school seal on a SoftHSM2 token, the GVCN at certomancer-csc-dummy
over HTTP — and prints milliseconds per signature and the difference. Also times the raw
signature alone (``async_sign_raw`` of 32 bytes) per backend.

Measured 2026-11-29 (N=30): pkcs11 +0.6 ms/signature over pkcs12 (raw 0.8 ms on SoftHSM2);
csc +40 ms, of which ~37 ms is the dummy server's ``signatures/signHash`` (it re-parses the
private key on every call) and ~1 ms each the two HTTP round trips (authorize, signHash).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pyhanko.keys import load_cert_from_pemder
from tests.builders import SCHOOL, primary_record
from tests.pki_fixtures import OTHER_TEACHER, PRINCIPAL, TEACHER
from tests.signing.csc_server import CscServer, make_csc_pki
from tests.signing.softhsm import make_token

from hocba.render import render_pdf
from hocba.signing.backends import Signer
from hocba.signing.csc import CscConfig, CscSigner
from hocba.signing.pades import async_apply_signature, read_plan, sign_record
from hocba.signing.pkcs11 import Pkcs11Config, Pkcs11Signer
from hocba.signing.pki import init_pki
from hocba.spec import SignerRole


async def _per_signature(pdf: bytes, role: SignerRole, signer: Signer, tsa, n: int) -> float:
    slot = read_plan(pdf).plan.slot(role)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        await async_apply_signature(pdf, slot, signer, tsa)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


async def _raw(signer: Signer, n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        await signer.pyhanko_signer.async_sign_raw(b"x" * 32, "sha256")
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        pki = init_pki(tmp / "pki", teachers=[TEACHER, OTHER_TEACHER], principal=PRINCIPAL,
                       school=SCHOOL.name, now=dt.datetime.now(dt.UTC))  # fmt: skip
        tsa = pki.timestamper()
        p12 = {role: pki.load_signer(role) for role in SignerRole}
        record_pdf = render_pdf(primary_record())
        before_seal = sign_record(record_pdf, SignerRole.GVCN, p12[SignerRole.GVCN], tsa)
        before_seal = sign_record(before_seal, SignerRole.PRINCIPAL, p12[SignerRole.PRINCIPAL], tsa)

        token = make_token(tmp / "softhsm", pki)
        chain = [load_cert_from_pemder(str(p)) for p in (pki.issuing_ca_cert, pki.root_cert)]
        hsm = Pkcs11Signer.open(
            Pkcs11Config(token_label=token.label, key_label=token.key, module=token.module),
            chain=chain, environ={"HOCBA_PKCS11_PIN": token.pin},
        )  # fmt: skip
        csc_pki = make_csc_pki(tmp / "csc", teacher=TEACHER, other=OTHER_TEACHER,
                               school=SCHOOL.name)  # fmt: skip
        with CscServer(csc_pki.config) as url:
            remote = CscSigner.connect(
                CscConfig(url=url, credential_id="hocba/teacher"), environ={}
            )

            async def run() -> None:
                rows = [
                    ("pkcs12 (seal slot)", await _per_signature(before_seal, SignerRole.SEAL, p12[SignerRole.SEAL], tsa, n), await _raw(p12[SignerRole.SEAL], n)),
                    ("pkcs11 SoftHSM2 (seal slot)", await _per_signature(before_seal, SignerRole.SEAL, hsm, tsa, n), await _raw(hsm, n)),
                    ("pkcs12 (GVCN slot)", await _per_signature(record_pdf, SignerRole.GVCN, p12[SignerRole.GVCN], tsa, n), await _raw(p12[SignerRole.GVCN], n)),
                    ("csc loopback (GVCN slot)", await _per_signature(record_pdf, SignerRole.GVCN, remote, tsa, n), await _raw(remote, n)),
                ]  # fmt: skip
                print(f"N={n} signatures per row, median ms (PAdES B-T incl. local TSA):")
                for name, per_sig, raw in rows:
                    print(f"  {name:30s} {per_sig:7.1f} ms/signature   raw sign {raw:6.2f} ms")
                print(f"  overhead pkcs11 vs pkcs12: {rows[1][1] - rows[0][1]:+.1f} ms/signature")
                print(f"  overhead csc    vs pkcs12: {rows[3][1] - rows[2][1]:+.1f} ms/signature")
                print(f"  csc calls (authorize, signHash): {remote.calls}")

            asyncio.run(run())
        hsm.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
