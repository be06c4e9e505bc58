"""Cost of long-term validity (measured, not asserted):

    .venv/bin/python -m bench.ltv [--records N]

Signs one rendered record (B-T, demo PKI, in-process TSA), then times per record:
``add_validation_info`` (B-LT), ``archive`` (B-LTA: DSS + document timestamp + DSS),
``verify_pdf`` of the B-T record with the full trust list and of the B-LTA record with the
roots only (offline, revocation from the embedded DSS), and the file-size growth.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from tests.builders import SCHOOL, primary_record
from tests.pki_fixtures import OTHER_TEACHER, PRINCIPAL, TEACHER

from hocba.render import render_pdf
from hocba.signing import init_pki, sign_all
from hocba.signing.ltv import add_validation_info, archive
from hocba.spec import SignerRole
from hocba.verify import load_trust, verify_pdf


def _per(n: int, fn) -> tuple[float, object]:
    start = time.perf_counter()
    for _ in range(n):
        out = fn()
    return (time.perf_counter() - start) / n * 1000, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20)
    n = parser.parse_args().records
    with tempfile.TemporaryDirectory() as tmp:
        pki = init_pki(
            Path(tmp) / "pki", teachers=[TEACHER, OTHER_TEACHER], principal=PRINCIPAL,
            school=SCHOOL.name,
        )  # fmt: skip
        trust, tsa = pki.trust(), pki.timestamper()
        roots = Path(tmp) / "roots"
        roots.mkdir()
        shutil.copy(pki.trust_dir / "root-ca.pem", roots)
        roots_only = load_trust(roots)
        signers = {role: pki.load_signer(role) for role in SignerRole}
        signed = sign_all(render_pdf(primary_record()), signers, tsa, trust=trust)
        lt_ms, lt = _per(n, lambda: add_validation_info(signed, trust))
        lta_ms, lta = _per(n, lambda: archive(signed, trust, tsa))
        vbt_ms, _ = _per(n, lambda: verify_pdf(signed, trust))
        vlta_ms, report = _per(n, lambda: verify_pdf(lta, roots_only))
        assert report.verdict.value == "VALID"  # type: ignore[attr-defined]
    print(f"records: {n}")
    print(f"B-LT  add_validation_info : {lt_ms:7.1f} ms/record  (+{len(lt) - len(signed)} B)")
    print(f"B-LTA archive             : {lta_ms:7.1f} ms/record  (+{len(lta) - len(signed)} B)")
    print(f"verify B-T, CRLs in trust : {vbt_ms:7.1f} ms/record")
    print(f"verify B-LTA, roots only  : {vlta_ms:7.1f} ms/record")


if __name__ == "__main__":
    main()
