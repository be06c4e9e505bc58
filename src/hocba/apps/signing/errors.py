from __future__ import annotations

from hocba.errors import HocbaError


class SigningRefused(HocbaError):
    """A signing batch cannot start (class not finalised, nothing to sign…)."""

    code = "signing.refused"


class StageOrder(HocbaError):
    """A record is not at the stage this batch signs (DOMAIN §6: GVCN → principal → seal)."""

    code = "signing.stage_order"


class NotValidAfterSigning(HocbaError):
    """The sealed PDF does not verify VALID, so the record is not issued."""

    code = "signing.not_valid"
