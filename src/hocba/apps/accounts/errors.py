from __future__ import annotations

from hocba.errors import HocbaError


class NotAllowed(HocbaError):
    """The user may not act on this object; views answer 404 (no existence leak)."""

    code = "auth.not_allowed"
