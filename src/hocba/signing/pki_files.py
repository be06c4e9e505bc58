"""Reading a demo PKI directory written by ``hocba.signing.pki.init_pki``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hocba.signing.errors import PkiError
from hocba.signing.identity import normalise_name
from hocba.spec.roles import SignerRole

if TYPE_CHECKING:
    from hocba.signing.backends import Pkcs12Signer
    from hocba.signing.trust import TrustConfig
    from hocba.signing.tsa import LocalTimestamper

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class PkiSigner:
    """One signer's files in the demo PKI."""

    role: SignerRole
    name: str
    p12: Path
    cert: Path
    serial: int
    revoked: bool


@dataclass(frozen=True)
class DemoPki:
    """A demo PKI on disk (see ``manifest.json``); every file it names is demo material."""

    directory: Path
    school: str
    password: str
    root_cert: Path
    issuing_ca_cert: Path
    issuing_ca_key: Path
    tsa_cert: Path
    tsa_key: Path
    signers: tuple[PkiSigner, ...]

    @property
    def trust_dir(self) -> Path:
        return self.directory / "trust"

    def signer_entry(
        self, role: SignerRole, name: str | None = None, *, revoked: bool = False
    ) -> PkiSigner:
        """The first signer of ``role`` (and ``name``, if given) that is (not) revoked."""
        for entry in self.signers:
            same_name = name is None or normalise_name(entry.name) == normalise_name(name)
            if entry.role is role and entry.revoked is revoked and same_name:
                return entry
        who = f"{role.label_vi} “{name}”" if name else role.label_vi
        raise PkiError(f"PKI demo không có chứng thư cho {who}.", code="pki.no_such_signer")

    def load_signer(
        self, role: SignerRole, name: str | None = None, *, revoked: bool = False
    ) -> Pkcs12Signer:
        from hocba.signing.backends import Pkcs12Signer

        entry = self.signer_entry(role, name, revoked=revoked)
        return Pkcs12Signer.load(entry.p12, self.password)

    def timestamper(self) -> LocalTimestamper:
        from hocba.signing.tsa import LocalTimestamper

        return LocalTimestamper.load(self.tsa_cert, self.tsa_key, [self.issuing_ca_cert])

    def trust(self) -> TrustConfig:
        from hocba.signing.trust import TrustConfig

        return TrustConfig.from_dir(self.trust_dir)


def load_pki(directory: Path | str) -> DemoPki:
    """Read ``DIR/manifest.json``; raises ``PkiError`` when it is missing or not a demo PKI."""
    root = Path(directory)
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        signers = tuple(
            PkiSigner(
                role=SignerRole(item["role"]),
                name=item["name"],
                p12=root / item["p12"],
                cert=root / item["cert"],
                serial=int(item["serial"]),
                revoked=bool(item.get("revoked", False)),
            )
            for item in data["signers"]
        )
        return DemoPki(
            directory=root,
            school=data["school"],
            password=data["password"],
            root_cert=root / data["root"],
            issuing_ca_cert=root / data["issuing_ca"]["cert"],
            issuing_ca_key=root / data["issuing_ca"]["key"],
            tsa_cert=root / data["tsa"]["cert"],
            tsa_key=root / data["tsa"]["key"],
            signers=signers,
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PkiError(
            f"Không đọc được PKI demo ở {root}: thiếu hoặc hỏng {MANIFEST}.",
            detail=f"cannot load demo PKI at {root}: {exc!r}",
            code="pki.unreadable",
        ) from exc


def find_pki_for(path: Path | str) -> DemoPki | None:
    """The demo PKI a file belongs to (a ``manifest.json`` in a parent directory), if any."""
    for parent in Path(path).resolve().parents:
        if (parent / MANIFEST).is_file():
            try:
                return load_pki(parent)
            except PkiError:
                return None
    return None
