"""Where a signing batch gets its keys, timestamps and trust list.

One small protocol, ``SigningBackend``; ``backend_for(user)`` chooses it. Today the only
backend is the demo PKI directory (setting ``HOCBA_PKI_DIR``, default
``<HOCBA_HOME>/demo/pki``, written by ``hocba demo``); a PKCS#11 token or a remote signing
service per user plugs in here without touching the services.
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from pyhanko.sign import timestamps

from hocba.signing import DemoPki, Signer, TrustConfig, load_pki
from hocba.signing.demo import is_production
from hocba.spec import SignerRole


class SigningBackend(Protocol):
    """Keys of the planned signers, a timestamp source and the trust list to check against."""

    def signer(self, role: SignerRole, name: str) -> Signer: ...

    def timestamper(self) -> timestamps.TimeStamper: ...

    def trust(self) -> TrustConfig: ...


class DemoPkiBackend:
    """Development backend: PKCS#12 files of a demo PKI (never for real records)."""

    def __init__(self, pki: DemoPki) -> None:
        self.pki = pki
        self._signers: dict[tuple[SignerRole, str], Signer] = {}
        self._timestamper: timestamps.TimeStamper | None = None
        self._trust: TrustConfig | None = None

    def signer(self, role: SignerRole, name: str) -> Signer:
        key = (role, name)
        if key not in self._signers:
            self._signers[key] = self.pki.load_signer(role, name)
        return self._signers[key]

    def timestamper(self) -> timestamps.TimeStamper:
        if self._timestamper is None:
            self._timestamper = self.pki.timestamper()
        return self._timestamper

    def trust(self) -> TrustConfig:
        if self._trust is None:
            self._trust = self.pki.trust()
        return self._trust


def pki_dir() -> Path:
    """``HOCBA_PKI_DIR`` (Django setting, else environment), default ``<HOCBA_HOME>/demo/pki``."""
    configured = getattr(settings, "HOCBA_PKI_DIR", None) or os.environ.get("HOCBA_PKI_DIR")
    return Path(configured) if configured else Path(settings.HOCBA_HOME) / "demo" / "pki"


@lru_cache(maxsize=4)
def _demo_backend(directory: str, mtime: float) -> DemoPkiBackend:
    if is_production():
        warnings.warn("hocba: the demo PKI backend is for development only", stacklevel=2)
    return DemoPkiBackend(load_pki(directory))


def backend_for(user: Any) -> SigningBackend:
    """The signing backend for ``user`` (the same demo PKI for everyone, for now).

    Raises ``PkiError`` (code ``pki.unreadable``) when the PKI directory is missing."""
    directory = pki_dir()
    manifest = directory / "manifest.json"
    mtime = manifest.stat().st_mtime if manifest.exists() else 0.0
    return _demo_backend(str(directory), mtime)
