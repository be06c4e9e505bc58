"""The trust list: root certificates and CRLs read from a directory, used offline.

A trust directory holds certificate files (``.pem``, ``.crt``, ``.cer``, ``.der``; several
PEM certificates per file are fine) and CRLs (``.crl``, DER or PEM). Self-signed certificates
are trust anchors; other certificates help build chains. Nothing is fetched from the network:
revocation is judged from the CRLs supplied here. An optional ``constraints.toml`` limits which
CA may issue the certificate of each signer role (e.g. the school seal), see docs/trust.md.
"""

from __future__ import annotations

import datetime as dt
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import crl, ocsp, pem, x509
from pyhanko_certvalidator import ValidationContext

from hocba.signing.errors import SigningError
from hocba.spec.roles import SignerRole

TRUST_DIR_ENV = "HOCBA_TRUST_DIR"
CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
CRL_SUFFIXES = {".crl"}
CONSTRAINTS_FILE = "constraints.toml"


@dataclass(frozen=True)
class Revocation:
    """A certificate listed as revoked by a CRL of its issuer."""

    serial: int
    revoked_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class EmbeddedRevocationData:
    """Validation data read from a document's DSS (PAdES B-LT)."""

    certs: tuple[x509.Certificate, ...] = ()
    crls: tuple[crl.CertificateList, ...] = ()
    ocsps: tuple[ocsp.OCSPResponse, ...] = ()


@dataclass(frozen=True)
class TrustConfig:
    """Trust anchors, helper certificates and CRLs for offline validation."""

    roots: tuple[x509.Certificate, ...] = ()
    certs: tuple[x509.Certificate, ...] = ()
    crls: tuple[crl.CertificateList, ...] = ()
    source: str = ""
    constraints: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Per-role issuer constraints from ``constraints.toml``: (role value, allowed CAs)."""

    @classmethod
    def from_dir(cls, directory: Path | str) -> TrustConfig:
        """Read a trust directory (or a demo PKI directory, whose ``trust/`` is used)."""
        path = Path(directory)
        if (path / "trust").is_dir() and (path / "manifest.json").is_file():
            path = path / "trust"
        if not path.is_dir():
            raise SigningError(
                f"Không tìm thấy thư mục danh sách tin cậy: {path}.", code="trust.not_found"
            )
        roots: list[x509.Certificate] = []
        others: list[x509.Certificate] = []
        crls: list[crl.CertificateList] = []
        for file in sorted(path.iterdir()):
            suffix = file.suffix.lower()
            try:
                if suffix in CERT_SUFFIXES:
                    for cert in _load_certs(file.read_bytes()):
                        (roots if cert.self_signed != "no" else others).append(cert)
                elif suffix in CRL_SUFFIXES:
                    crls.extend(_load_crls(file.read_bytes()))
            except ValueError as exc:
                raise SigningError(
                    f"Tệp {file.name} trong danh sách tin cậy bị hỏng.",
                    detail=f"bad trust file {file}: {exc}",
                    code="trust.bad_file",
                ) from exc
        constraints = _load_constraints(path / CONSTRAINTS_FILE)
        return cls(
            tuple(roots), tuple(others), tuple(crls), source=str(path), constraints=constraints
        )

    def allowed_issuers(self, role: str) -> tuple[str, ...]:
        """The CAs (subject name, CN, or SHA-256 fingerprint) allowed for ``role``; () = any."""
        return dict(self.constraints).get(str(role), ())

    def issuer_allowed(
        self, role: str, cert: x509.Certificate, chain: Iterable[x509.Certificate] = ()
    ) -> bool:
        """Whether ``cert`` (the signer's) satisfies the constraint of ``role``: its issuer,
        or a CA of its chain (``chain`` plus the trust list's certificates), is listed."""
        allowed = {_normalise(entry) for entry in self.allowed_issuers(role)}
        if not allowed:
            return True
        cas = {c.sha256: c for c in (*chain, *self.roots, *self.certs) if c.ca}
        by_subject: dict[bytes, list[x509.Certificate]] = {}
        for ca in cas.values():
            by_subject.setdefault(ca.subject.dump(), []).append(ca)
        names: set[str] = set()
        child, seen = cert, 0
        while seen < 8:  # walk up by issuer, as far as the known CAs go
            issuer_name = child.issuer
            names |= {_normalise(issuer_name.human_friendly), _normalise(_cn(issuer_name))}
            issuer = _issuer_of(child, by_subject.get(issuer_name.dump(), []))
            if issuer is None:
                break
            names.add(issuer.sha256.hex())
            if issuer.self_signed != "no":
                break
            child, seen = issuer, seen + 1
        return bool(allowed & names)

    @property
    def empty(self) -> bool:
        return not self.roots

    def validation_context(
        self,
        *,
        moment: dt.datetime | None = None,
        embedded: EmbeddedRevocationData | None = None,
    ) -> ValidationContext:
        """Offline context: revocation must be known for certificates that declare a CRL.
        ``embedded``: certificates, CRLs and OCSP responses a B-LT/B-LTA record carries in
        its DSS — they never add trust anchors, only evidence."""
        extra = embedded or EmbeddedRevocationData()
        return ValidationContext(
            trust_roots=list(self.roots),
            other_certs=[*self.certs, *extra.certs],
            crls=[*self.crls, *extra.crls],
            ocsps=list(extra.ocsps),
            allow_fetching=False,
            revocation_mode="hard-fail",
            moment=moment,
        )

    def revocation(self, cert: x509.Certificate) -> Revocation | None:
        """The entry revoking ``cert`` in a CRL of its issuer, if any."""
        for item in self.crls:
            if item.issuer != cert.issuer:
                continue
            for entry in item["tbs_cert_list"]["revoked_certificates"]:
                if entry["user_certificate"].native == cert.serial_number:
                    reason = entry.crl_reason_value
                    return Revocation(
                        serial=cert.serial_number,
                        revoked_at=entry["revocation_date"].native,
                        reason=reason.native if reason is not None else "unspecified",
                    )
        return None

    def has_crl_for(self, cert: x509.Certificate) -> bool:
        return any(item.issuer == cert.issuer for item in self.crls)


def _cn(name: x509.Name) -> str:
    return str(name.native.get("common_name", "")) if isinstance(name.native, dict) else ""


def _normalise(entry: str) -> str:
    """Fingerprints compare as lowercase hex without separators; names NFC, stripped."""
    text = unicodedata.normalize("NFC", entry.strip())
    compact = text.replace(":", "").replace(" ", "").lower()
    if len(compact) == 64 and all(ch in "0123456789abcdef" for ch in compact):
        return compact
    return text


def _load_constraints(file: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``constraints.toml``: ``<role> = ["<CA subject, CN or SHA-256 fingerprint>", ...]``."""
    if not file.is_file():
        return ()
    try:
        data = tomllib.loads(file.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SigningError(
            f"Tệp {file.name} trong danh sách tin cậy bị hỏng.",
            detail=f"bad constraints file {file}: {exc}",
            code="trust.bad_constraints",
        ) from exc
    roles = {role.value for role in SignerRole}
    result = []
    for key, value in data.items():
        if key not in roles or not (
            isinstance(value, list) and value and all(isinstance(v, str) for v in value)
        ):
            raise SigningError(
                f"Tệp {file.name}: mục “{key}” không hợp lệ (vai trò: "
                f"{', '.join(sorted(roles))}; giá trị: danh sách tên hoặc vân tay SHA-256 của CA).",
                code="trust.bad_constraints",
            )
        result.append((key, tuple(value)))
    return tuple(result)


def _load_certs(data: bytes) -> Iterable[x509.Certificate]:
    if pem.detect(data):
        return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [x509.Certificate.load(data)]


def _load_crls(data: bytes) -> Iterable[crl.CertificateList]:
    if pem.detect(data):
        return [crl.CertificateList.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [crl.CertificateList.load(data)]


def _issuer_of(
    child: x509.Certificate, candidates: list[x509.Certificate]
) -> x509.Certificate | None:
    """The CA among ``candidates`` (same subject name as ``child``'s issuer) that issued
    ``child``: two CAs may share a name (two demo PKIs, or a rogue copy), so the key identifier
    decides, and a candidate whose key does not match is never taken."""
    wanted = child.authority_key_identifier
    if wanted is None:
        return candidates[0] if len(candidates) == 1 else None
    for candidate in candidates:
        if candidate.key_identifier == wanted:
            return candidate
    return None
