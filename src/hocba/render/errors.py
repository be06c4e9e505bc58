"""Errors of the renderer: a machine ``code`` and a Vietnamese message each."""

from __future__ import annotations

from hocba.errors import HocbaError


class RenderError(HocbaError):
    """The record could not be typeset (a template or font problem, not bad user input)."""

    code = "render.failed"
