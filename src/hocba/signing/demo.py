"""Demo material is marked, and refused in production (``HOCBA_ENV=production``).

The Django settings read the same variable, so the web app and these pure modules agree.
"""

from __future__ import annotations

import os

from asn1crypto import x509

ENV_VAR = "HOCBA_ENV"
DEMO_MARK = "DEMO — không có giá trị pháp lý"
"""Organisational unit put into every demo certificate; production refuses such certificates."""


def is_production() -> bool:
    return os.environ.get(ENV_VAR, "").strip().lower() == "production"


def is_demo_certificate(cert: x509.Certificate) -> bool:
    """True when the subject carries the demo mark (in any organisational unit)."""
    units = cert.subject.native.get("organizational_unit_name") or []
    if isinstance(units, str):
        units = [units]
    return any("DEMO" in unit.upper() for unit in units)
