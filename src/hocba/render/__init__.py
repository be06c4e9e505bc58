"""The official PDF of a học bạ: the TT27 template typeset with Typst (DESIGN, hocba.render).

PDF/A-3a, tagged, with the record's canonical JSON and XML attached (``record.json``,
``record.xml``), the verification token ``HOCBA:1:<id>:<version>:<sha256>`` in the keywords and
the QR code, packaged OFL fonts only, and one empty signature field per planned signer.
"""

from hocba.render.errors import RenderError
from hocba.render.fields import SignatureArea, declare_signature_fields
from hocba.render.renderer import DEFAULT_VERIFY_URL, Renderer, Typeset, render_pdf
from hocba.render.view import record_view, verification_token
from hocba.spec.token import verification_url

__all__ = [
    "DEFAULT_VERIFY_URL",
    "RenderError",
    "Renderer",
    "SignatureArea",
    "Typeset",
    "declare_signature_fields",
    "record_view",
    "render_pdf",
    "verification_token",
    "verification_url",
]
