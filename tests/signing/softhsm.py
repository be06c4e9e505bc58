"""A private SoftHSM2 token for the PKCS#11 tests: its own config and token directory (no
system-wide state), an RSA key GENERATED ON THE TOKEN, and certificates for that key from the
demo PKI's issuing CA written back onto the token.

SoftHSM2 reads ``SOFTHSM2_CONF`` once, when the module is first loaded into the process, so
``make_token`` sets it before anything opens the module; one token per test session.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from hocba.signing.pki import DemoPki, issue_for_public_key
from hocba.spec import SignerRole
from tests.tools import require

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN = "hocba-school"
PIN = "246810"
SO_PIN = "13579111"
KEY = "seal"


@dataclass(frozen=True)
class Token:
    conf: Path
    module: str
    label: str
    pin: str
    key: str
    certs: dict[str, str]
    """Certificate labels on the token by purpose: good, expired, wrong_person."""


def _run(*argv: str) -> bytes:
    done = subprocess.run(argv, capture_output=True, check=False, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


_TOKEN: list[Token] = []


def session_token(directory: Path, pki: DemoPki) -> Token:
    """The test session's one token (``SOFTHSM2_CONF`` cannot change once the module is
    loaded), made on first use in ``directory``."""
    if not _TOKEN:
        _TOKEN.append(make_token(directory, pki))
    return _TOKEN[0]


def make_token(directory: Path, pki: DemoPki) -> Token:
    """Create the token and its objects; sets ``SOFTHSM2_CONF`` for this process."""
    softhsm, p11tool = require("softhsm2-util"), require("pkcs11-tool")
    if not Path(MODULE).is_file():
        import pytest

        pytest.fail(f"{MODULE} is missing: apt-get install softhsm2")
    (directory / "tokens").mkdir(parents=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {directory / 'tokens'}\n"
        "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)  # before the module is loaded in this process
    _run(softhsm, "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", SO_PIN)
    tool = [p11tool, "--module", MODULE, "--token-label", TOKEN]
    login = [*tool, "--login", "--pin", PIN]
    _run(*login, "--keypairgen", "--key-type", "rsa:2048", "--id", "01", "--label", KEY)
    public_der = directory / "seal.pub.der"
    _run(*tool, "--read-object", "--type", "pubkey", "--id", "01", "-o", str(public_der))
    public = public_der.read_bytes()
    now = dt.datetime.now(dt.UTC)
    issued = {
        "good": issue_for_public_key(pki, SignerRole.SEAL, pki.school, public),
        "expired": issue_for_public_key(
            pki,
            SignerRole.SEAL,
            pki.school,
            public,
            not_before=now - dt.timedelta(days=800),
            not_after=now - dt.timedelta(days=30),
        ),
        # a personal certificate on the school's token: not an organisation (seal) certificate
        "wrong_person": issue_for_public_key(pki, SignerRole.PRINCIPAL, "Trần Văn Sai", public),
    }
    labels = {"good": KEY, "expired": f"{KEY}-expired", "wrong_person": f"{KEY}-wrong"}
    for n, (purpose, cert) in enumerate(issued.items(), start=1):
        path = directory / f"{labels[purpose]}.der"
        path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
        _run(*login, "--write-object", str(path), "--type", "cert",
             "--id", f"{n:02x}", "--label", labels[purpose])  # fmt: skip
    return Token(conf, MODULE, TOKEN, PIN, KEY, labels)


def add_certificate(token: Token, cert_der_or_pem: bytes, label: str, object_id: str) -> None:
    """Write one more certificate onto the session token (a CA of the chain, or a certificate
    for the token's key issued by another PKI); nothing happens if ``label`` is already there.
    ``object_id``: two hex digits, distinct per certificate."""
    from cryptography import x509

    directory = token.conf.parent
    path = directory / f"{label}.der"
    if path.exists():
        return
    data = cert_der_or_pem
    if data.lstrip().startswith(b"-----"):
        data = x509.load_pem_x509_certificate(data).public_bytes(serialization.Encoding.DER)
    path.write_bytes(data)
    tool = [require("pkcs11-tool"), "--module", token.module, "--token-label", token.label,
            "--login", "--pin", token.pin]  # fmt: skip
    _run(*tool, "--write-object", str(path), "--type", "cert", "--id", object_id,
         "--label", label)  # fmt: skip


def token_public_key(token: Token) -> bytes:
    """DER SubjectPublicKeyInfo of the key generated on the token."""
    return (token.conf.parent / "seal.pub.der").read_bytes()
