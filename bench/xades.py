"""Cost of the XML (XAdES-T) form next to the PDF (measured, not asserted):

    .venv/bin/python -m bench.xades [N]

Signs the record XML with the three planned signatures (demo PKI, in-process TSA) N times and
verifies the result N times; prints milliseconds per full sign (3 signatures) and per verify.

Measured 2026-11-29 (N=10, RSA-2048 demo PKI): 5.7 kB record XML → 41 kB signed; signing the
three signatures 24 ms, verifying 29 ms (medians).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.builders import SCHOOL, primary_record
from tests.pki_fixtures import PRINCIPAL, TEACHER

from hocba.signing.pki import init_pki
from hocba.signing.xades import sign_xml_all
from hocba.spec import SignerRole
from hocba.spec.xml import to_xml
from hocba.verify.xml import verify_xml


def main(n: int) -> None:
    pki = init_pki(
        Path(tempfile.mkdtemp()) / "pki", teachers=[TEACHER], principal=PRINCIPAL,
        school=SCHOOL.name, now=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    signers = {role: pki.load_signer(role) for role in SignerRole}
    tsa, trust, xml = pki.timestamper(), pki.trust(), to_xml(primary_record())
    signing, verifying = [], []
    for _ in range(n):
        t = time.perf_counter()
        signed = sign_xml_all(xml, signers, tsa, trust=trust)
        signing.append(time.perf_counter() - t)
        t = time.perf_counter()
        report = verify_xml(signed, trust)
        verifying.append(time.perf_counter() - t)
        assert report.ok, report.problems
    print(f"XML {len(xml)} B → signed {len(signed)} B")
    print(f"sign 3 signatures: {1000 * statistics.median(signing):.1f} ms (median of {n})")
    print(f"verify:            {1000 * statistics.median(verifying):.1f} ms (median of {n})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
