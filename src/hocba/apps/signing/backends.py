"""Where a signing batch gets its keys, timestamps and trust list.

One small protocol, ``SigningBackend``. ``backend_for_batch(batch, pins)`` builds a
``ConfiguredBackend``: each signer of the batch (GVCN, principal, school seal) comes from its
``SignerKey`` row (a PKCS#12 file, a PKCS#11 token, a CSC service or a phone gateway; the
requesting person's own row first, else the school's default for the role). A role without a
row signs with the demo PKI (``HOCBA_PKI_DIR``, default ``<HOCBA_HOME>/demo/pki``, written by
``hocba demo``) in development only; in production it is refused at batch start
(``missing_roles``). Timestamps: ``HOCBA_TSA_URL`` else (development) the demo PKI's TSA;
trust list: ``HOCBA_TRUST_DIR`` else (development) the demo PKI's.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db.models import Q
from pyhanko.sign import timestamps

from hocba.signing import DemoPki, Signer, TrustConfig, load_pki
from hocba.signing.demo import is_production
from hocba.signing.errors import KeyLoadError
from hocba.spec import SignerRole

log = logging.getLogger(__name__)


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
    """The demo PKI backend (development; tests and tools that read its trust list).

    Raises ``PkiError`` (code ``pki.unreadable``) when the PKI directory is missing."""
    return _demo_backend_now()


# --- configured signers (SignerKey rows) ------------------------------------------------------


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, "")).strip()


def signer_keys(school: Any, user: Any, roles: Iterable[SignerRole]) -> dict[SignerRole, Any]:
    """The ``SignerKey`` for each role: ``user``'s own row, else the school's default."""
    from hocba.apps.signing.models import SignerKey

    wanted = [r.value for r in roles]
    rows = SignerKey.objects.filter(school=school, role__in=wanted).filter(
        Q(user__isnull=True) | Q(user_id=getattr(user, "pk", None))
    )
    out: dict[SignerRole, Any] = {}
    for row in sorted(rows, key=lambda r: r.user_id is None):  # own row before the default
        out.setdefault(SignerRole(row.role), row)
    return out


def missing_roles(school: Any, user: Any, roles: Iterable[SignerRole]) -> list[SignerRole]:
    """Roles with no configured key; empty outside production (the demo PKI stands in)."""
    roles = list(roles)
    if not is_production():
        return []
    keys = signer_keys(school, user, roles)
    return [r for r in roles if r not in keys]


class ConfiguredBackend:
    """The signers of one batch: configured keys, opened on first use and kept for the batch
    (one PKCS#11 login, one CSC ``credentials/info``); ``close()`` ends token sessions.

    ``pins`` (role → PIN typed by the signer for this batch) live only in this object."""

    def __init__(
        self, school: Any, user: Any, roles: Iterable[SignerRole], pins: dict[str, str] | None
    ) -> None:
        self.keys = signer_keys(school, user, roles)
        self._pins = dict(pins or {})
        self._signers: dict[tuple[SignerRole, str], Signer] = {}
        self._batch: dict[tuple[SignerRole, str], Any] = {}
        self._demo: DemoPkiBackend | None = None
        self._timestamper: timestamps.TimeStamper | None = None
        self._trust: TrustConfig | None = None

    def _demo_pki(self) -> DemoPkiBackend:
        if is_production():
            raise KeyLoadError(
                "Chưa cấu hình khoá ký cho người ký này; máy chủ đang chạy chế độ chính thức nên "
                "không dùng PKI demo. Quản trị cần khai báo khoá ký của trường.",
                code="signing.not_configured",
            )
        if self._demo is None:
            self._demo = _demo_backend_now()
        return self._demo

    def needs_pin(self) -> list[SignerRole]:
        return [role for role, key in self.keys.items() if key.pin_at_batch]

    def open_all(self) -> None:
        """Open every configured signer now (a wrong PIN is reported at batch start)."""
        for role in self.keys:
            self._open(role, "")

    def _open(self, role: SignerRole, name: str) -> Signer:
        key = self.keys.get(role)
        cache = (role, "" if key is not None else name)
        if cache not in self._signers:
            if key is None:
                self._signers[cache] = self._demo_pki().signer(role, name)
            else:
                spec = key.spec()
                self._signers[cache] = spec.open(pin=self._pins.get(role.value))
                log.info("signer %s opened for %s", spec.label, role.value)
        return self._signers[cache]

    def signer(self, role: SignerRole, name: str) -> Signer:
        return self._open(role, name)

    def batch_signer(self, role: SignerRole, name: str) -> Any | None:
        """The one-approval form of the signer, ``None`` when it signs one by one."""
        from hocba.signing.backends_config import as_batch_signer

        signer = self._open(role, name)
        cache = (role, "" if role in self.keys else name)
        if cache not in self._batch:
            self._batch[cache] = as_batch_signer(signer)
        return self._batch[cache]

    def timestamper(self) -> timestamps.TimeStamper:
        if self._timestamper is None:
            url = _setting("HOCBA_TSA_URL")
            if url:
                from hocba.signing.tsa import http_timestamper

                self._timestamper = http_timestamper(url)
            elif is_production():
                raise KeyLoadError(
                    "Chưa cấu hình dịch vụ cấp dấu thời gian (HOCBA_TSA_URL).",
                    code="signing.no_tsa",
                )
            else:
                self._timestamper = self._demo_pki().timestamper()
        return self._timestamper

    def trust(self) -> TrustConfig:
        if self._trust is None:
            directory = _setting("HOCBA_TRUST_DIR")
            if directory:
                self._trust = TrustConfig.from_dir(directory)
            elif is_production():
                self._trust = TrustConfig()
            else:
                self._trust = self._demo_pki().trust()
        return self._trust

    def close(self) -> None:
        from hocba.signing.backends_config import close_signer

        for signer in self._signers.values():
            close_signer(signer)
        self._signers.clear()
        self._batch.clear()
        self._pins.clear()


def _demo_backend_now() -> DemoPkiBackend:
    directory = pki_dir()
    manifest = directory / "manifest.json"
    mtime = manifest.stat().st_mtime if manifest.exists() else 0.0
    return _demo_backend(str(directory), mtime)


def backend_for_batch(batch: Any, pins: dict[str, str] | None = None) -> ConfiguredBackend:
    """The backend of a ``SigningBatch``: its school, its requester, its stage's roles."""
    return ConfiguredBackend(batch.school, batch.requested_by, stage_roles(batch.stage), pins)


def stage_roles(stage: str) -> list[SignerRole]:
    return [SignerRole.GVCN] if stage == "gvcn" else [SignerRole.PRINCIPAL, SignerRole.SEAL]
