"""The trust list used by verification (roots + CRLs from a directory, offline).

The loader lives in ``hocba.signing.trust`` because signing checks revocation too; this
module adds how ``hocba verify`` finds it: ``--trust DIR``, else ``$HOCBA_TRUST_DIR``, else an
empty list (every signature then stays INDETERMINATE: nothing to trust).
"""

from __future__ import annotations

import os
from pathlib import Path

from hocba.signing.trust import TRUST_DIR_ENV, Revocation, TrustConfig

__all__ = ["TRUST_DIR_ENV", "Revocation", "TrustConfig", "load_trust"]


def load_trust(directory: Path | str | None = None) -> TrustConfig:
    """Trust list from ``directory``, ``$HOCBA_TRUST_DIR``, or empty. Raises ``SigningError``
    (code ``trust.*``) when a named directory is missing or holds a broken file."""
    where = directory or os.environ.get(TRUST_DIR_ENV, "").strip()
    if not where:
        return TrustConfig()
    return TrustConfig.from_dir(where)
