"""Long-term validity (PAdES B-LT, B-LTA): revocation data embedded, document timestamps.

- ``add_validation_info(pdf, trust)`` (B-LT): an incremental update adding to the document
  security store (DSS) every certificate of every signature's and timestamp's chain and the
  trust list's CRLs of their issuers, so the record verifies with no network and no CRLs.
- ``add_document_timestamp(pdf, trust, timestamper)`` (B-LTA): DSS, then an RFC 3161 document
  timestamp over the whole file, then the DSS data of that timestamp.
- ``archive(pdf, trust, timestamper)``: upgrade a B-T record to B-LTA (same as above).
- ``refresh(pdf, trust, timestamper, older_than=, now=)``: add a fresh document timestamp when
  the newest timestamp in the file is older than ``older_than`` (the archive duty, DOMAIN §7).

Every step is an incremental update that pyHanko classes as an LTA update, so earlier
signatures stay intact and ``hocba.verify`` keeps them VALID.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from asn1crypto import cms, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from hocba.signing.backends import Signer
from hocba.signing.errors import SigningError, TimestampError
from hocba.signing.trust import TrustConfig
from hocba.signing.tsa import token_budget
from hocba.spec.roles import SignerRole

__all__ = [
    "RefreshSummary",
    "add_document_timestamp",
    "add_validation_info",
    "archive",
    "async_archive",
    "newest_timestamp",
    "refresh",
    "refresh_files",
    "sign_all_lta",
]

DOC_TIMESTAMP = "/DocTimeStamp"
MD_ALGORITHM = "sha256"


def _reader(pdf: bytes) -> PdfFileReader:
    try:
        return PdfFileReader(BytesIO(pdf), strict=False)
    except Exception as exc:  # pyHanko raises several kinds on garbage
        raise SigningError(
            "Tệp PDF bị hỏng, không lưu trữ được.",
            detail=f"unreadable PDF: {exc!r}",
            code="archive.unreadable",
        ) from exc


def _tst_time(signed_data: cms.SignedData) -> dt.datetime:
    return signed_data["encap_content_info"]["content"].parsed["gen_time"].native


def _signed_datas(sig: EmbeddedPdfSignature) -> list[cms.SignedData]:
    found = [sig.signed_data]
    found += extract_tst_data_iter(sig.signer_info, signed=False)
    found += extract_tst_data_iter(sig.signer_info, signed=True)
    return found


def timestamps_of(pdf: bytes) -> list[dt.datetime]:
    """Times of every signature timestamp and document timestamp in ``pdf``."""
    times = []
    for sig in _reader(pdf).embedded_signatures:
        if sig.sig_object_type == DOC_TIMESTAMP:
            times.append(_tst_time(sig.signed_data))
        else:
            times += [
                _tst_time(tst) for tst in extract_tst_data_iter(sig.signer_info, signed=False)
            ]
    return times


def newest_timestamp(pdf: bytes) -> dt.datetime | None:
    """The newest signature or document timestamp in ``pdf`` (None: no timestamp at all)."""
    times = timestamps_of(pdf)
    return max(times) if times else None


def _chain_material(
    reader: PdfFileReader, trust: TrustConfig
) -> tuple[list[x509.Certificate], list]:
    """Certificates of every signature/timestamp chain, and the trust list's CRLs of their
    issuers (the CRL of a revoked signer included: that is the evidence)."""
    certs: dict[bytes, x509.Certificate] = {}
    for sig in reader.embedded_signatures:
        for signed_data in _signed_datas(sig):
            for choice in signed_data["certificates"] or ():
                if choice.name == "certificate":
                    cert = choice.chosen
                    certs.setdefault(cert.sha256, cert)
    known = {c.subject.dump(): c for c in (*trust.roots, *trust.certs)}
    # close the chains with the trust list's own certificates (intermediates, roots)
    for cert in list(certs.values()):
        issuer = known.get(cert.issuer.dump())
        while issuer is not None and issuer.sha256 not in certs:
            certs[issuer.sha256] = issuer
            issuer = known.get(issuer.issuer.dump()) if issuer.self_signed == "no" else None
    issuers = {c.issuer.dump() for c in certs.values()}
    crls = [item for item in trust.crls if item.issuer.dump() in issuers]
    return list(certs.values()), crls


def add_validation_info(pdf: bytes, trust: TrustConfig) -> bytes:
    """B-LT: append a DSS update with the chains and CRLs of every signature in ``pdf``."""
    if trust.empty:
        raise SigningError(
            "Cần danh sách tin cậy (chứng thư gốc và CRL) để nhúng dữ liệu thu hồi.",
            code="archive.no_trust",
        )
    reader = _reader(pdf)
    certs, crls = _chain_material(reader, trust)
    if not certs:
        raise SigningError("Tệp PDF chưa có chữ ký số nào.", code="archive.unsigned")
    writer = IncrementalPdfFileWriter.from_reader(reader)
    DocumentSecurityStore.supply_dss_in_writer(writer, None, certs=certs, crls=crls)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


async def async_add_document_timestamp(
    pdf: bytes, trust: TrustConfig, timestamper: timestamps.TimeStamper
) -> bytes:
    """B-LTA: DSS for what is there, a document timestamp, then the DSS of that timestamp."""
    data = add_validation_info(pdf, trust)
    reader = _reader(data)
    count = len(reader.embedded_signatures)
    writer = IncrementalPdfFileWriter.from_reader(reader)
    stamper = signers.PdfTimeStamper(timestamper, field_name=f"DocTS{count + 1}")
    try:
        out = await stamper.async_timestamp_pdf(
            writer, MD_ALGORITHM, bytes_reserved=2 * token_budget(timestamper) + 2048
        )
    except timestamps.TimestampRequestError as exc:
        raise TimestampError(
            "Không lấy được dấu thời gian từ máy chủ TSA.", detail=f"TSA failed: {exc}"
        ) from exc
    except (TimeoutError, OSError) as exc:
        raise TimestampError(
            "Không kết nối được máy chủ cấp dấu thời gian (TSA).", detail=f"TSA: {exc!r}"
        ) from exc
    return add_validation_info(out.getvalue(), trust)


def add_document_timestamp(
    pdf: bytes, trust: TrustConfig, timestamper: timestamps.TimeStamper
) -> bytes:
    return asyncio.run(async_add_document_timestamp(pdf, trust, timestamper))


async def async_archive(
    pdf: bytes, trust: TrustConfig, timestamper: timestamps.TimeStamper
) -> bytes:
    """Upgrade a signed (B-T) record to B-LTA, keeping every earlier signature intact."""
    return await async_add_document_timestamp(pdf, trust, timestamper)


def archive(pdf: bytes, trust: TrustConfig, timestamper: timestamps.TimeStamper) -> bytes:
    return asyncio.run(async_archive(pdf, trust, timestamper))


def needs_refresh(pdf: bytes, *, older_than: dt.timedelta, now: dt.datetime) -> bool:
    """True when the newest timestamp of a signed ``pdf`` is older than ``older_than``."""
    newest = newest_timestamp(pdf)
    return newest is not None and now - newest > older_than


def refresh(
    pdf: bytes,
    trust: TrustConfig,
    timestamper: timestamps.TimeStamper,
    *,
    older_than: dt.timedelta,
    now: dt.datetime | None = None,
) -> bytes | None:
    """A fresh document timestamp (and DSS) when due; None when the record is recent enough."""
    now = now or dt.datetime.now(dt.UTC)
    if not needs_refresh(pdf, older_than=older_than, now=now):
        return None
    return archive(pdf, trust, timestamper)


@dataclass
class RefreshSummary:
    """What ``refresh_files`` did: paths refreshed, recent enough, not applicable, failed."""

    refreshed: list[Path] = field(default_factory=list)
    recent: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    """Unsigned or not a record PDF."""
    failed: list[tuple[Path, str]] = field(default_factory=list)
    """Path and Vietnamese reason."""


def record_files(paths: Iterable[Path | str]) -> list[Path]:
    """The PDF files named, and those under the directories named (recursively), sorted."""
    found: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found += sorted(p for p in item.rglob("*") if p.suffix.lower() == ".pdf")
        else:
            found.append(item)
    return found


def refresh_files(
    paths: Iterable[Path | str],
    trust: TrustConfig,
    timestamper: timestamps.TimeStamper,
    *,
    older_than: dt.timedelta,
    now: dt.datetime | None = None,
) -> RefreshSummary:
    """``refresh`` every record PDF in ``paths``, rewriting a file (atomically) only when a
    document timestamp was added; other files are not touched."""
    now = now or dt.datetime.now(dt.UTC)
    summary = RefreshSummary()
    for path in record_files(paths):
        try:
            data = path.read_bytes()
            if newest_timestamp(data) is None:
                summary.skipped.append(path)
                continue
            updated = refresh(data, trust, timestamper, older_than=older_than, now=now)
        except OSError as exc:
            summary.failed.append((path, f"không đọc/ghi được tệp ({exc.strerror})"))
            continue
        except SigningError as exc:
            if exc.code == "archive.unreadable":
                summary.skipped.append(path)
            else:
                summary.failed.append((path, exc.message_vi))
            continue
        if updated is None:
            summary.recent.append(path)
            continue
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_bytes(updated)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            summary.failed.append((path, f"không ghi được tệp ({exc.strerror})"))
            continue
        summary.refreshed.append(path)
    return summary


def sign_all_lta(
    pdf: bytes,
    signers_by_role: Mapping[SignerRole, Signer],
    timestamper: timestamps.TimeStamper,
    *,
    trust: TrustConfig,
    now: dt.datetime | None = None,
) -> bytes:
    """Every remaining planned signature (B-T, checked against ``trust``), then B-LTA."""
    from hocba.signing.pades import sign_all

    signed = sign_all(pdf, signers_by_role, timestamper, trust=trust, now=now)
    return archive(signed, trust, timestamper)
