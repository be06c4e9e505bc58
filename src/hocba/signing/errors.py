"""Errors of the signing pipeline: a machine ``code`` and a Vietnamese message each.

Every check runs before anything is written, so a ``SigningError`` always means the input
document is unchanged.
"""

from __future__ import annotations

from hocba.errors import HocbaError


class SigningError(HocbaError):
    """Signing was refused or failed; the document was not changed."""

    code = "signing.error"


class DocumentError(SigningError):
    """The input is not a readable record PDF (not a PDF, truncated, encrypted, too large)."""

    code = "document.unreadable"


class PlanError(SigningError):
    """The document's signature plan does not allow this signature now."""

    code = "signing.plan"


class CertificateError(SigningError):
    """The signer's certificate does not fit: wrong person or role, expired, revoked, demo."""

    code = "signing.certificate"


class KeyLoadError(SigningError):
    """A key file could not be opened (missing, wrong password, not PKCS#12)."""

    code = "signing.key_unreadable"


class TimestampError(SigningError):
    """The timestamp authority could not be reached or answered wrongly."""

    code = "signing.timestamp_failed"


class PkiError(HocbaError):
    """The demo PKI could not be created or read."""

    code = "pki.error"
