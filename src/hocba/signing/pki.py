"""A demo PKI for development, demos and tests (never for real records).

``init_pki(DIR, ...)`` creates, with ``cryptography``:
- a national root CA ("Bộ Giáo dục và Đào tạo — Demo Root CA") and an issuing CA;
- a personal certificate for each homeroom teacher (GVCN) and the principal, an organisation
  certificate for the school seal, a second (revoked) certificate of the first teacher, and a
  timestamping (TSA) certificate;
- CRLs of both CAs;
- ``DIR/trust/``: the root, the CRLs and ``constraints.toml`` (the seal's certificate must come
  from the issuing CA) — what ``hocba verify --trust`` reads;
- ``DIR/signers/*.p12``: one PKCS#12 file per signer, password ``DEMO_PASSWORD``;
- ``DIR/manifest.json``: which file is whose, marked ``"demo": true``.

Every certificate carries ``OU = DEMO — không có giá trị pháp lý``; with ``HOCBA_ENV=production``
``init_pki`` refuses to run, and signing and verification refuse demo certificates.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hocba.signing.demo import DEMO_MARK, is_production
from hocba.signing.errors import PkiError
from hocba.signing.pki_files import MANIFEST, DemoPki, PkiSigner, load_pki
from hocba.signing.trust import CONSTRAINTS_FILE
from hocba.spec.roles import SignerRole

__all__ = [
    "DEMO_PASSWORD",
    "DemoPki",
    "PkiSigner",
    "init_pki",
    "issue_for_public_key",
    "issue_signer",
    "load_pki",
]

DEMO_PASSWORD = "hocba-demo"
"""Password of every demo PKCS#12 file (documented on purpose: the PKI is for demos only)."""

KeyType = Literal["rsa", "ec"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
ROOT_NAME = "Bộ Giáo dục và Đào tạo — Demo Root CA"
ISSUING_NAME = "Demo CA cấp chứng thư số ngành Giáo dục"
TSA_NAME = "Demo TSA — Dịch vụ cấp dấu thời gian"
CRL_BASE = "http://hocba-demo.invalid/crl"  # declared (so CRLs are checked), never fetched


def init_pki(
    directory: Path | str,
    *,
    teachers: Sequence[str],
    principal: str,
    school: str,
    key_type: KeyType = "rsa",
    password: str = DEMO_PASSWORD,
    now: dt.datetime | None = None,
    valid_days: int = 730,
    force: bool = False,
) -> DemoPki:
    """Create a complete demo PKI in ``directory`` and return its manifest."""
    if is_production():
        raise PkiError(
            "Không được tạo PKI demo khi HOCBA_ENV=production.", code="pki.production_refused"
        )
    if not teachers:
        raise PkiError("Cần ít nhất một giáo viên chủ nhiệm.", code="pki.no_teachers")
    root_dir = Path(directory)
    if (root_dir / MANIFEST).exists() and not force:
        raise PkiError(
            f"Thư mục {root_dir} đã có PKI demo; dùng --force để tạo lại.", code="pki.exists"
        )
    for sub in ("trust", "ca", "signers", "tsa"):
        (root_dir / sub).mkdir(parents=True, exist_ok=True)
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    start = now - dt.timedelta(days=1)

    root_key = _new_key(key_type)
    root_subject = _name(ROOT_NAME, org="Bộ Giáo dục và Đào tạo")
    root = _build(
        root_subject, root_key, root_subject, root_key, None, start, _days(now, 7300), ca=1
    )
    _write_pem(root_dir / "trust" / "root-ca.pem", root)

    ica_key = _new_key(key_type)
    ica = _build(
        _name(ISSUING_NAME, org="Bộ Giáo dục và Đào tạo"),
        ica_key, root.subject, root_key, root, start, _days(now, 3650), ca=0, crl="root-ca.crl",
    )  # fmt: skip
    _write_pem(root_dir / "ca" / "issuing-ca.pem", ica)
    _write_key(root_dir / "ca" / "issuing-ca.key.pem", ica_key)

    manifest: dict[str, Any] = {
        "format": "hocba.demo-pki/1",
        "demo": True,
        "warning": f"PKI demo: {DEMO_MARK}. Mật khẩu mọi tệp .p12: {password}",
        "created_at": now.isoformat(),
        "school": school,
        "key_type": key_type,
        "password": password,
        "root": "trust/root-ca.pem",
        "issuing_ca": {"cert": "ca/issuing-ca.pem", "key": "ca/issuing-ca.key.pem"},
        "crls": ["trust/issuing-ca.crl", "trust/root-ca.crl"],
        "tsa": {"cert": "tsa/tsa.pem", "key": "tsa/tsa.key.pem"},
        "signers": [],
    }
    people = [(SignerRole.GVCN, t) for t in teachers]
    people += [(SignerRole.PRINCIPAL, principal), (SignerRole.SEAL, school)]
    until = _days(now, valid_days)
    for role, person in people:
        manifest["signers"].append(
            _issue(root_dir, manifest, ica, ica_key, role, person, start, until, school)
        )
    revoked = _issue(
        root_dir, manifest, ica, ica_key, SignerRole.GVCN, teachers[0], start, until, school,
        label_suffix="revoked",
    )  # fmt: skip
    revoked["revoked"] = True
    manifest["signers"].append(revoked)

    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # RFC 3161 TSA
    tsa = _build(
        _name(TSA_NAME, org="Bộ Giáo dục và Đào tạo"),
        tsa_key, ica.subject, ica_key, ica, start, _days(now, 3650), tsa=True, crl="issuing-ca.crl",
    )  # fmt: skip
    _write_pem(root_dir / "tsa" / "tsa.pem", tsa)
    _write_key(root_dir / "tsa" / "tsa.key.pem", tsa_key)

    revoked_serials = [int(revoked["serial"])]
    _write_crl(root_dir / "trust" / "issuing-ca.crl", ica, ica_key, revoked_serials, now)
    _write_crl(root_dir / "trust" / "root-ca.crl", root, root_key, [], now)
    _write_constraints(root_dir / "trust" / CONSTRAINTS_FILE, ica)
    (root_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    (root_dir / "README.txt").write_text(_README.format(mark=DEMO_MARK, password=password))
    return load_pki(root_dir)


def issue_signer(
    pki: DemoPki,
    role: SignerRole,
    name: str,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    label_suffix: str = "extra",
    school: str | None = None,
) -> PkiSigner:
    """Issue one more signer certificate from the demo issuing CA (e.g. an expired one);
    ``school``: a person's school when not the PKI's (another demo school)."""
    manifest = json.loads((pki.directory / MANIFEST).read_text())
    ica = x509.load_pem_x509_certificate(pki.issuing_ca_cert.read_bytes())
    ica_key = serialization.load_pem_private_key(pki.issuing_ca_key.read_bytes(), None)
    assert isinstance(ica_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    entry = _issue(
        pki.directory, manifest, ica, ica_key, role, name, not_before, not_after,
        school or pki.school, label_suffix=label_suffix,
    )  # fmt: skip
    manifest["signers"].append(entry)
    (pki.directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return load_pki(pki.directory).signers[-1]


def issue_for_public_key(
    pki: DemoPki,
    role: SignerRole,
    name: str,
    public_key: bytes | rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    """A demo certificate for a key held elsewhere (a token, a remote service): ``public_key``
    is a key object or a DER SubjectPublicKeyInfo. Nothing is written to the PKI directory."""
    if isinstance(public_key, bytes):
        loaded = serialization.load_der_public_key(public_key)
        if not isinstance(loaded, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise PkiError("Chỉ hỗ trợ khoá RSA hoặc ECDSA.", code="pki.bad_key_type")
        public_key = loaded
    ica = x509.load_pem_x509_certificate(pki.issuing_ca_cert.read_bytes())
    ica_key = serialization.load_pem_private_key(pki.issuing_ca_key.read_bytes(), None)
    assert isinstance(ica_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    person = unicodedata.normalize("NFC", name)
    subject = (
        _name(person, org=person) if role is SignerRole.SEAL else _name(person, locality=pki.school)
    )
    return _build(
        subject, public_key, ica.subject, ica_key, ica,
        not_before or now - dt.timedelta(days=1), not_after or _days(now, 730),
        crl="issuing-ca.crl",
    )  # fmt: skip


def _issue(
    root_dir: Path,
    manifest: dict[str, Any],
    ica: x509.Certificate,
    ica_key: PrivateKey,
    role: SignerRole,
    person: str,
    not_before: dt.datetime,
    not_after: dt.datetime,
    school: str,
    *,
    label_suffix: str = "",
) -> dict[str, Any]:
    person = unicodedata.normalize("NFC", person)
    key = _new_key(manifest["key_type"])
    if role is SignerRole.SEAL:
        subject = _name(person, org=person)  # organisation certificate: O = CN = school
    else:
        subject = _name(person, locality=school)
    cert = _build(
        subject, key, ica.subject, ica_key, ica, not_before, not_after, crl="issuing-ca.crl"
    )
    taken = {entry["p12"] for entry in manifest["signers"]}
    base = "-".join(filter(None, [role.value, _slug(person), label_suffix]))
    label, n = base, 1
    while f"signers/{label}.p12" in taken:
        n += 1
        label = f"{base}-{n}"
    root = x509.load_pem_x509_certificate((root_dir / manifest["root"]).read_bytes())
    p12 = pkcs12.serialize_key_and_certificates(
        label.encode(), key, cert, [ica, root],
        serialization.BestAvailableEncryption(manifest["password"].encode()),
    )  # fmt: skip
    (root_dir / "signers" / f"{label}.p12").write_bytes(p12)
    _write_pem(root_dir / "signers" / f"{label}.pem", cert)
    return {
        "role": role.value,
        "name": person,
        "p12": f"signers/{label}.p12",
        "cert": f"signers/{label}.pem",
        "serial": str(cert.serial_number),
        "revoked": False,
        "not_after": not_after.isoformat(),
    }


def _days(start: dt.datetime, days: int) -> dt.datetime:
    return start + dt.timedelta(days=days)


def _new_key(key_type: str) -> PrivateKey:
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise PkiError(f"Loại khoá không hỗ trợ: {key_type}.", code="pki.bad_key_type")


def _name(cn: str, *, org: str | None = None, locality: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if locality:
        attrs.append(x509.NameAttribute(NameOID.LOCALITY_NAME, locality))
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_MARK))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _build(
    subject: x509.Name,
    key: PrivateKey | rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    issuer: x509.Name,
    issuer_key: PrivateKey,
    issuer_cert: x509.Certificate | None,
    not_before: dt.datetime,
    not_after: dt.datetime,
    *,
    ca: int | None = None,
    tsa: bool = False,
    crl: str | None = None,
) -> x509.Certificate:
    """One certificate; ``ca`` is the path length of a CA certificate."""
    public = (
        key if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey) else key.public_key()
    )
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca is not None, path_length=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    if issuer_cert is not None:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    b = b.add_extension(
        x509.KeyUsage(
            digital_signature=ca is None,
            content_commitment=ca is None and not tsa,  # non-repudiation, for signers
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=ca is not None,
            crl_sign=ca is not None,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    if tsa:  # RFC 3161: exactly id-kp-timeStamping, critical
        b = b.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    if crl:
        point = x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(f"{CRL_BASE}/{crl}")],
            relative_name=None, reasons=None, crl_issuer=None,
        )  # fmt: skip
        b = b.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _write_crl(
    path: Path,
    issuer: x509.Certificate,
    key: PrivateKey,
    serials: Sequence[int],
    now: dt.datetime,
) -> None:
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + dt.timedelta(days=365))
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    for serial in serials:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(now - dt.timedelta(minutes=10))
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
        b = b.add_revoked_certificate(entry)
    path.write_bytes(b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


def _write_constraints(path: Path, ica: x509.Certificate) -> None:
    """Per-role issuer constraints: the school seal must come from the demo issuing CA (pinned
    by fingerprint; its name is accepted too). Teachers and principals stay free to use any
    trusted CA (they buy certificates from commercial providers)."""
    fingerprint = ica.fingerprint(hashes.SHA256()).hex()
    path.write_text(
        "# Ràng buộc CA cấp chứng thư theo vai trò (PKI demo). Xem docs/trust.md.\n"
        f"# Con dấu nhà trường chỉ do CA này cấp: {ISSUING_NAME}\n"
        f'seal = ["{fingerprint}"]\n',
        encoding="utf-8",
    )


def _write_pem(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_key(path: Path, key: PrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = text.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:40] or "x"


_README = """PKI DEMO của hocba — {mark}.

Chỉ dùng để thử nghiệm. Không dùng để ký học bạ thật; khi HOCBA_ENV=production,
hocba từ chối tạo PKI này và từ chối chữ ký bằng các chứng thư số này.

trust/      chứng thư gốc (root CA) và danh sách thu hồi (CRL) — dùng cho: hocba verify --trust
signers/    tệp PKCS#12 của từng người ký; mật khẩu: {password}
tsa/        chứng thư và khoá của dịch vụ cấp dấu thời gian demo
ca/         CA cấp chứng thư (kèm khoá, để cấp thêm chứng thư demo)
manifest.json   tệp nào của ai, vai trò nào
"""
