"""Making a school-transfer package: the manifest signed by the school seal, zipped with the
record files (format in ``hocba.spec.transfer`` and docs/transfer.md).

    data = build_package(manifest, {name: bytes, ...}, seal_signer)

The seal signer is any ``Signer`` backend; its certificate is checked to be an organisation
certificate named as the sending school before anything is signed.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Mapping

from asn1crypto import cms

from hocba.signing.backends import Signer
from hocba.signing.errors import CertificateError, SigningError
from hocba.signing.identity import signer_mismatch
from hocba.spec.roles import SignerRole
from hocba.spec.transfer import MANIFEST_NAME, SIGNATURE_NAME, TransferManifest, manifest_bytes

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


async def async_sign_manifest(data: bytes, signer: Signer) -> bytes:
    """A detached CMS SignedData (DER) over ``data``, signing certificate and chain included."""
    info: cms.ContentInfo = await signer.pyhanko_signer.async_sign_general_data(
        data, "sha256", detached=True
    )
    return info.dump()


def sign_manifest(data: bytes, signer: Signer) -> bytes:
    return asyncio.run(async_sign_manifest(data, signer))


def build_package(manifest: TransferManifest, files: Mapping[str, bytes], signer: Signer) -> bytes:
    """The zip: manifest, its seal signature, then every file the manifest lists (and only
    those). Raises ``SigningError`` when the files do not match the manifest or the signer is
    not the seal of the sending school."""
    reason = signer_mismatch(signer.certificate, SignerRole.SEAL, manifest.school.name)
    if reason is not None:
        raise CertificateError(reason, code="transfer.wrong_seal")
    listed = [f.name for record in manifest.records for f in record.files]
    if sorted(listed) != sorted(files) or len(set(listed)) != len(listed):
        raise SigningError(
            "Các tệp của gói chuyển trường không khớp danh sách trong manifest.",
            detail=f"listed {sorted(listed)} given {sorted(files)}",
            code="transfer.files_mismatch",
        )
    data = manifest_bytes(manifest)
    signature = sign_manifest(data, signer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, payload in [(MANIFEST_NAME, data), (SIGNATURE_NAME, signature)] + [
            (name, files[name]) for name in listed
        ]:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, payload)
    return out.getvalue()
