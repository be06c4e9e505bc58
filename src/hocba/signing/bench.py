"""Measure signing cost: ``python -m hocba.signing.bench RECORD.pdf [N]``.

Creates a throw-away demo PKI whose names match the record's plan, then signs the rendered
record N times with all planned signatures (PAdES B-T, in-process TSA, one event loop, keys
loaded once) and prints CPU milliseconds per record and records per second per core.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from hocba.signing.pades import async_sign_all, read_plan
from hocba.signing.pki import init_pki
from hocba.spec.roles import SignerRole


def main(argv: list[str]) -> None:
    pdf = Path(argv[0]).read_bytes()
    n = int(argv[1]) if len(argv) > 1 else 200
    plan = read_plan(pdf).plan
    names = {slot.role: slot.signer_name for slot in plan.slots}
    with tempfile.TemporaryDirectory() as tmp:
        pki = init_pki(
            tmp,
            teachers=[names.get(SignerRole.GVCN, "GVCN")],
            principal=names.get(SignerRole.PRINCIPAL, "Hiệu trưởng"),
            school=names.get(SignerRole.SEAL, "Trường"),
        )
        signers = {role: pki.load_signer(role) for role in names}
        tsa, trust = pki.timestamper(), pki.trust()

        async def run() -> tuple[float, float]:
            await async_sign_all(pdf, signers, tsa, trust=trust)  # warm-up
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(n):
                await async_sign_all(pdf, signers, tsa, trust=trust)
            return time.process_time() - cpu, time.perf_counter() - wall

        cpu, wall = asyncio.run(run())
    per = cpu / n * 1000
    print(
        f"{n} records × {len(names)} B-T signatures ({len(pdf) // 1024} KiB PDF): "
        f"{per:.1f} ms CPU per record = {1000 / per:.1f} records/s per core "
        f"({wall / n * 1000:.1f} ms wall)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
