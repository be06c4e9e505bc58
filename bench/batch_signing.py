"""One-by-one vs one-approval batch signing (measured, not asserted):

    .venv/bin/python -m bench.batch_signing [--records N]

Renders N records (distinct ids), then signs every record GVCN → principal → seal, each PAdES
B-T with the demo PKI's in-process TSA, in four ways, and prints records/s:
- one-by-one: ``async_sign_record`` per record and role (PKCS#12 keys);
- batch: ``async_sign_batch`` per role (PKCS#12 ``BatchSigner``: one ``sign_digests`` call);
- batch, GVCN at the phone gateway (our loopback server, instant approval: one confirmation);
- the floor: raw pyHanko ``PdfSigner.async_sign_pdf`` of the same PDF, no hocba checks.

Measured 2026-11-29, N=200 (136 KiB PDFs, 3 B-T signatures each), CPU per core:
one-by-one 13.7 records/s (24.3 ms/signature), batch 13.6 (24.5 ms), batch with the GVCN at
the gateway 13.4 — with 1 phone confirmation instead of 200 — and raw pyHanko 11.0 (30.3 ms:
hocba's cached key and untouched metadata make it cheaper than the "floor"). Locally the batch
saves round trips and approvals, not CPU; the cost is pyHanko/asn1crypto building the CMS and
the in-process TSA token (asn1crypto re-serialising on retag). Target (40/s) not reached.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
import uuid
from io import BytesIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from tests.builders import SCHOOL, primary_record
from tests.pki_fixtures import OTHER_TEACHER, PRINCIPAL, TEACHER
from tests.signing.gateway_server import GatewayServer

from hocba.render import render_pdf
from hocba.signing.batch import Pkcs12BatchSigner, async_sign_batch
from hocba.signing.gateway import GatewayConfig, GatewaySigner
from hocba.signing.pades import async_sign_record
from hocba.signing.pki import init_pki
from hocba.spec import SignerRole

ROLES = (SignerRole.GVCN, SignerRole.PRINCIPAL, SignerRole.SEAL)


async def one_by_one(pdfs, signers_by_role, tsa, trust) -> list[bytes]:
    out = []
    for pdf in pdfs:
        for role in ROLES:
            pdf = await async_sign_record(pdf, role, signers_by_role[role], tsa, trust=trust)
        out.append(pdf)
    return out


async def batch(pdfs, batch_signers, tsa, trust) -> list[bytes]:
    for role in ROLES:
        report = await async_sign_batch(pdfs, role, batch_signers[role], tsa, trust=trust)
        assert report.ok, report.failed()[:3]
        pdfs = [item.pdf for item in report.items]
    return pdfs


async def floor(pdf: bytes, signer, tsa, n: int) -> None:
    meta = signers.PdfSignatureMetadata(
        field_name=SignerRole.GVCN.field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    for _ in range(n):
        await signers.PdfSigner(meta, signer.pyhanko_signer, timestamper=tsa).async_sign_pdf(
            IncrementalPdfFileWriter(BytesIO(pdf)), existing_fields_only=True
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200)
    n = parser.parse_args().records
    with tempfile.TemporaryDirectory() as tmp:
        pki = init_pki(
            tmp, teachers=[TEACHER, OTHER_TEACHER], principal=PRINCIPAL, school=SCHOOL.name,
            now=dt.datetime.now(dt.UTC),
        )  # fmt: skip
        tsa, trust = pki.timestamper(), pki.trust()
        p12 = {role: pki.load_signer(role) for role in ROLES}
        t0 = time.perf_counter()
        pdfs = [render_pdf(primary_record(record_id=str(uuid.UUID(int=i + 1)))) for i in range(n)]
        render = time.perf_counter() - t0
        rows: list[tuple[str, float, float]] = []

        def timed(label: str, coro, records: int = n) -> None:  # type: ignore[no-untyped-def]
            cpu, wall = time.process_time(), time.perf_counter()
            asyncio.run(coro)
            rows.append((label, time.perf_counter() - wall, time.process_time() - cpu))
            counts[label] = records

        counts: dict[str, int] = {}
        asyncio.run(one_by_one(pdfs[:2], p12, tsa, trust))  # warm-up
        timed("one-by-one sign_record (PKCS#12)", one_by_one(pdfs, p12, tsa, trust))
        batch_signers = {role: Pkcs12BatchSigner(s) for role, s in p12.items()}
        timed("batch sign_batch (PKCS#12, 1 call/role)", batch(pdfs, batch_signers, tsa, trust))
        server = GatewayServer(
            {"gv": (pki.signer_entry(SignerRole.GVCN, TEACHER).p12, pki.password)}
        )
        server.delay = 0
        with server as url:
            gateway = GatewaySigner.connect(
                GatewayConfig(url=url, signer_id="gv", poll_interval=0.01), environ={}
            )
            timed(
                "batch, GVCN via phone gateway (1 confirmation)",
                batch(pdfs, batch_signers | {SignerRole.GVCN: gateway}, tsa, trust),
            )
            confirmations = server.confirmations
            timed(
                "one-by-one, GVCN via phone gateway",
                one_by_one(pdfs, p12 | {SignerRole.GVCN: gateway}, tsa, trust),
            )
            one_by_one_confirmations = server.confirmations - confirmations
        floor_n = min(n, 100)
        timed(
            "floor: raw pyHanko async_sign_pdf ×3",
            floor(pdfs[0], p12[SignerRole.GVCN], tsa, 3 * floor_n),
            floor_n,
        )

    print(
        f"{n} rendered records ({len(pdfs[0]) // 1024} KiB each, rendered in {render:.1f} s);"
        " each record GVCN + principal + seal, PAdES B-T, in-process TSA"
    )
    print(
        f"{'method':<48} {'wall s':>7} {'CPU s':>7} {'rec/s':>7} {'rec/s/core':>10} {'CPU ms/sig':>10}"
    )
    for label, wall, cpu in rows:
        k = counts[label]
        print(f"{label:<48} {wall:7.2f} {cpu:7.2f} {k / wall:7.1f} {k / cpu:10.1f} "
              f"{cpu * 1000 / (3 * k):10.2f}")  # fmt: skip
    print(
        f"phone confirmations asked for {n} GVCN signatures: batch {confirmations}, "
        f"one-by-one {one_by_one_confirmations}"
    )


if __name__ == "__main__":
    main()
