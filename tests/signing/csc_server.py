"""A real CSC signing service on loopback for the remote-signing tests: certomancer-csc-dummy
(PyPI ``certomancer-csc-dummy``) run as a subprocess with a certomancer PKI generated here.

The service's PKI is its own (certomancer issues the certificates from its config): a root,
an issuing CA publishing CRLs, and credentials ``hocba/<label>`` for the planned GVCN, a
revoked certificate of the same person and another teacher. ``CscPki.trust`` adds its root
and CRLs to a trust list, as a school adds a commercial CA's root.
"""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml
from asn1crypto import crl, x509
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, ServiceLabel
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ARCH = "hocba"
KEYS = ("root", "interm", "teacher", "revoked", "other")


@dataclass(frozen=True)
class CscPki:
    config: Path
    root: x509.Certificate
    crls: tuple[crl.CertificateList, ...]


def make_csc_pki(directory: Path, *, teacher: str, other: str, school: str) -> CscPki:
    """Write keys and a certomancer config; return the service PKI's root and current CRLs."""
    directory.mkdir(parents=True, exist_ok=True)
    for label in KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (directory / f"{label}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    now = dt.datetime.now(dt.UTC)
    fmt = "%Y-%m-%dT%H:%M:%S+0000"
    valid = {
        "valid-from": (now - dt.timedelta(days=10)).strftime(fmt),
        "valid-to": (now + dt.timedelta(days=730)).strftime(fmt),
    }
    usage = [
        {
            "id": "key_usage",
            "critical": True,
            "smart-value": {
                "schema": "key-usage",
                "params": ["digital_signature", "non_repudiation"],
            },
        },
        {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["interm"]}},
        },
    ]
    ca_usage = {
        "id": "key_usage",
        "critical": True,
        "smart-value": {
            "schema": "key-usage",
            "params": ["digital_signature", "key_cert_sign", "crl_sign"],
        },
    }
    config = {
        "external-url-prefix": "http://127.0.0.1:9",
        "keysets": {
            ARCH: {
                "path-prefix": str(directory),
                "keys": {k: {"path": f"{k}.key.pem"} for k in KEYS},
            }
        },
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "VN"},
                "entities": {
                    "root": {"common-name": "hocba test CSC Root CA", "organization-name": "CSC"},
                    "interm": {
                        "common-name": "hocba test CSC Issuing CA",
                        "organization-name": "CSC",
                    },
                    "teacher": {"common-name": teacher, "locality-name": school},
                    "revoked": {"common-name": teacher, "locality-name": school},
                    "other": {"common-name": other, "locality-name": school},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": valid,
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            ca_usage,
                        ],
                    },
                    "interm": {
                        "issuer": "root",
                        "validity": valid,
                        "extensions": [
                            {
                                "id": "basic_constraints",
                                "critical": True,
                                "value": {"ca": True, "path-len-constraint": 0},
                            },
                            ca_usage,
                            {
                                "id": "crl_distribution_points",
                                "smart-value": {
                                    "schema": "crl-dist-url",
                                    "params": {"crl-repo-names": ["root"]},
                                },
                            },
                        ],
                    },
                    "teacher": {"issuer": "interm", "validity": valid, "extensions": usage},
                    "revoked": {
                        "template": "teacher",
                        "subject": "revoked",
                        "revocation": {
                            "revoked-since": (now - dt.timedelta(days=5)).strftime(fmt),
                            "reason": "key_compromise",
                        },
                    },
                    "other": {"template": "teacher", "subject": "other"},
                },
                "services": {
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P90D",
                        },
                        "interm": {
                            "for-issuer": "interm",
                            "signing-key": "interm",
                            "simulated-update-schedule": "P1D",
                        },
                    },
                },
            }
        },
    }
    path = directory / "certomancer.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    arch = CertomancerConfig.from_file(str(path)).get_pki_arch(ArchLabel(ARCH))
    crls = tuple(
        arch.service_registry.get_crl(ServiceLabel(label), at_time=now)
        for label in ("interm", "root")
    )
    return CscPki(path, arch.get_cert(CertLabel("root")), crls)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class CscServer:
    """``with CscServer(config) as url:`` runs certomancer-csc on a free loopback port (SCAL 2:
    every authorization must name the hashes it allows)."""

    def __init__(self, config: Path, scal: int = 2) -> None:
        self.config, self.scal, self.port = config, scal, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> str:
        argv = [sys.executable, "-m", "csc_dummy", str(self.config), str(self.port), str(self.scal)]
        self.log = self.config.parent / f"csc-{self.port}.log"  # DEBUG output: not a pipe
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.config.parent
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"certomancer-csc exited: {err}")
            try:
                request = urllib.request.Request(
                    f"{self.url}/csc/v1/info",
                    data=b"{}",
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=1):
                    return self.url
            except OSError:
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError("certomancer-csc did not answer within 20 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
