"""Validating the same certificate chain once, not for every record.

Every record of a school carries the same chains (teacher, principal and seal certificates
under the same CA; the same TSA): pyHanko validates each path — signatures of the chain, CRL
signatures and revocation, validity, policies — for every signature and every timestamp, a
third of a verification. Within a ``cached_chains(context, key)`` scope, a path that was
validated successfully under the same ``key`` is not validated again:

- ``key`` names everything the outcome depends on besides the path: the trust list (roots,
  helper certificates, CRLs: SHA-256 of their DER), the revocation data embedded in the
  document (DSS), and the validation time — the explicit ``now``, or the current minute when
  none is given (a result is reused for at most ``TTL_SECONDS``);
- the path is named by the DER of every certificate in it, anchor included;
- only successes are kept (a failure is validated again, and reported, every time); only the
  scope's own ``ValidationContext`` uses the cache, and only without PKIX parameters.

On a hit the path gets the qualified policies the first validation computed (what pyHanko's
validation sets on it), so the caller sees what a full validation would have produced.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pyhanko_certvalidator
from asn1crypto import x509
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.authority import AuthorityWithCert

from hocba.signing.trust import EmbeddedRevocationData, TrustConfig

TTL_SECONDS = 60
MAX_ENTRIES = 2048

_original = pyhanko_certvalidator.async_validate_path


@dataclass(frozen=True)
class _Scope:
    context: ValidationContext
    key: str


@dataclass(frozen=True)
class _Valid:
    policies: Any
    result: Any


_SCOPE: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("chains", default=None)
_VALID: dict[tuple[str, tuple[bytes, ...]], _Valid] = {}
stats = {"hits": 0, "misses": 0}


def scope_key(trust: TrustConfig, embedded: EmbeddedRevocationData, now: dt.datetime | None) -> str:
    """What a path's validation depends on besides the path (see the module docstring)."""
    digest = hashlib.sha256()
    for group in (trust.roots, trust.certs, trust.crls, embedded.certs, embedded.crls,
                  embedded.ocsps):  # fmt: skip
        digest.update(b"|%d|" % len(group))
        for item in group:
            digest.update(hashlib.sha256(item.dump()).digest())
    when = now.isoformat() if now is not None else f"now/{int(time.time() // TTL_SECONDS)}"
    return f"{digest.hexdigest()}@{when}"


@contextlib.contextmanager
def cached_chains(context: ValidationContext, key: str) -> Iterator[None]:
    """Within this block, paths validated by ``context`` are remembered under ``key``."""
    token = _SCOPE.set(_Scope(context, key))
    try:
        yield
    finally:
        _SCOPE.reset(token)


def _path_id(path: Any) -> tuple[bytes, ...] | None:
    authority = path.trust_anchor.authority
    if not isinstance(authority, AuthorityWithCert):
        return None
    certs: Iterable[x509.Certificate] = path.iter_certs(include_root=True)
    return tuple(cert.dump() for cert in certs)


async def async_validate_path(
    validation_context: ValidationContext, path: Any, parameters: Any = None
) -> Any:
    """pyHanko's ``async_validate_path``, remembered within a ``cached_chains`` scope."""
    scope = _SCOPE.get()
    if scope is None or scope.context is not validation_context or parameters is not None:
        return await _original(validation_context, path, parameters)
    path_id = _path_id(path)
    if path_id is None:
        return await _original(validation_context, path, parameters)
    key = (scope.key, path_id)
    valid = _VALID.get(key)
    if valid is not None:
        stats["hits"] += 1
        path._set_qualified_policies(valid.policies)
        return valid.result
    stats["misses"] += 1
    result = await _original(validation_context, path, parameters)
    if len(_VALID) >= MAX_ENTRIES:
        _VALID.clear()
    _VALID[key] = _Valid(path.qualified_policies(), result)
    return result


def install() -> None:
    """Idempotent: ``find_valid_path`` calls the remembering ``async_validate_path``."""
    pyhanko_certvalidator.async_validate_path = async_validate_path
