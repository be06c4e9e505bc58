"""One-approval batch signing: one role signs N record PDFs with ONE call to its backend.

    report = sign_batch(pdfs, SignerRole.GVCN, Pkcs12BatchSigner(p12), tsa, trust=trust)
    for item in report.items: item.record_id, item.status, item.code, item.message_vi, item.pdf

Three phases (pyHanko "interrupted signing"):
1. every document is checked exactly as ``pades.sign_record`` checks it (plan, data, order,
   the signer's certificate — the same functions), then prepared: the signature field is
   filled with a placeholder of fixed size (sized with the timestamper, so the B-T token
   fits) and the CMS signed attributes are computed once and kept;
2. ``BatchSigner.sign_digests`` receives the SHA-256 of every document's signed attributes in
   one list — one approval (one CSC authorize + signHash, one phone confirmation);
3. each returned signature is checked against the certificate, wrapped into CMS with its
   RFC 3161 timestamp and written into its document; the timestamps are fetched concurrently
   (a real TSA costs a network round trip each), at most ``concurrency`` at a time.

The result is a per-record report. A record whose slot for this role is already signed (read
from the PDF's fields) is reported ``already_signed`` and never signed again, so retrying a
partly failed batch with its outputs signs only the records that failed.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from asn1crypto import cms, x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.serialization import load_der_public_key
from pyhanko.sign import signers, timestamps
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hocba.signing.backends import Pkcs12Signer
from hocba.signing.csc import CscSigner, _raw_signature_size
from hocba.signing.errors import SigningError, TimestampError
from hocba.signing.pades import (
    MD_ALGORITHM,
    PlannedDocument,
    _SigningWriter,
    check_certificate,
    check_order,
    pdf_signer_for,
    read_plan,
    reserve_size,
)
from hocba.signing.plan import SignatureSlot
from hocba.signing.trust import TrustConfig
from hocba.spec.roles import SignerRole

log = logging.getLogger(__name__)

SIGNED = "signed"
ALREADY_SIGNED = "already_signed"
FAILED = "failed"


@runtime_checkable
class BatchSigner(Protocol):
    """A backend that signs a list of SHA-256 digests with one approval."""

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> list[x509.Certificate]:
        """Issuer certificates embedded in each CMS signature."""
        ...

    @property
    def signature_size(self) -> int:
        """Upper bound of one raw signature in bytes (sizes the placeholder)."""
        ...

    @property
    def pyhanko_signer(self) -> signers.Signer:
        """Also a ``Signer``: the same key one signature at a time."""
        ...

    @property
    def chain_size(self) -> int: ...

    async def sign_digests(self, digests: list[bytes]) -> list[bytes]:
        """Raw signatures (PKCS#1 v1.5 for RSA, DER ECDSA) of ``digests``, same order."""
        ...


@dataclass
class BatchItem:
    record_id: str
    status: str
    """``signed``, ``already_signed`` or ``failed``."""
    code: str = ""
    message_vi: str = ""
    pdf: bytes = b""
    """The signed document (signed/already_signed) or the unchanged input (failed)."""

    @property
    def ok(self) -> bool:
        return self.status != FAILED


@dataclass
class BatchReport:
    role: SignerRole
    items: list[BatchItem] = field(default_factory=list)
    signer_calls: int = 0
    """How many times the backend was asked for signatures (0 or 1)."""

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    def by_id(self) -> dict[str, BatchItem]:
        return {item.record_id: item for item in self.items}

    def failed(self) -> list[BatchItem]:
        return [item for item in self.items if not item.ok]


@dataclass
class _Prepared:
    item: BatchItem
    digest: object  # PreparedByteRangeDigest
    post_sign: object  # PostSignInstructions
    output: object  # the half-written output (IO)
    signed_attrs: cms.CMSAttributes
    tbs_hash: bytes


async def async_sign_batch(
    pdfs: Sequence[bytes],
    role: SignerRole,
    signer: BatchSigner,
    timestamper: timestamps.TimeStamper,
    *,
    trust: TrustConfig | None = None,
    now: dt.datetime | None = None,
    concurrency: int = 16,
) -> BatchReport:
    """Sign the ``role`` slot of every document with one call to ``signer``."""
    report = BatchReport(role)
    checked: list[tuple[BatchItem, PlannedDocument, SignatureSlot]] = []
    for index, pdf in enumerate(pdfs):
        item = BatchItem(record_id=f"#{index + 1}", status=FAILED, pdf=pdf)
        report.items.append(item)
        try:
            planned = read_plan(pdf)
            item.record_id = planned.record.record_id
            slot = planned.plan.slot(role)
            if slot.field_name in planned.pdf.signed:
                item.status, item.code = ALREADY_SIGNED, "signing.field_already_signed"
                item.message_vi = f"Học bạ đã có chữ ký của {role.label_vi.lower()}; bỏ qua."
                continue
            check_order(planned.pdf, planned.plan, slot)
            check_certificate(signer, slot, trust=trust, now=now)
        except SigningError as exc:
            _fail(item, exc)
            continue
        checked.append((item, planned, slot))

    prepared: list[_Prepared] = []
    registry = SimpleCertificateStore.from_certs(signer.chain)
    chain_size = len(signer.certificate.dump()) + sum(len(c.dump()) for c in signer.chain)
    reserve = reserve_size(chain_size, timestamper)
    for item, planned, slot in checked:
        placeholder = signers.ExternalSigner(
            signer.certificate, registry, signature_value=signer.signature_size
        )
        try:
            pdf_signer, text_params = pdf_signer_for(planned, slot, placeholder, timestamper)
            digest, tbs, output = await pdf_signer.async_digest_doc_for_signing(
                _SigningWriter.from_reader(planned.pdf.reader),
                existing_fields_only=True,
                bytes_reserved=reserve,
                appearance_text_params=text_params,
            )
            attrs = await placeholder.signed_attrs(
                digest.document_digest, MD_ALGORITHM, use_pades=True
            )
        except PyHankoSigningError as exc:
            _fail(item, SigningError("Không chuẩn bị được tệp PDF để ký.", detail=f"{exc}"))
            continue
        tbs_hash = hashlib.sha256(attrs.dump()).digest()
        prepared.append(
            _Prepared(item, digest, tbs.post_sign_instructions, output, attrs, tbs_hash)
        )
    if not prepared:
        return report

    report.signer_calls += 1
    try:
        signatures = await signer.sign_digests([p.tbs_hash for p in prepared])
        if len(signatures) != len(prepared):
            raise SigningError(
                "Dịch vụ ký số trả về sai số lượng chữ ký.",
                detail=f"expected {len(prepared)} signatures, got {len(signatures)}",
                code="signing.batch_count",
            )
    except SigningError as exc:
        for p in prepared:
            _fail(p.item, exc)
        return report

    limit = asyncio.Semaphore(max(1, concurrency))
    public_key = load_der_public_key(signer.certificate.public_key.dump())

    async def finish(p: _Prepared, signature: bytes) -> None:
        async with limit:
            try:
                _check_signature(public_key, signature, p.tbs_hash)
                ext = signers.ExternalSigner(
                    signer.certificate, registry, signature_value=signature
                )
                try:
                    content = await ext.async_sign_prescribed_attributes(
                        MD_ALGORITHM, signed_attrs=p.signed_attrs, timestamper=timestamper
                    )
                except timestamps.TimestampRequestError as exc:
                    raise TimestampError(
                        "Không lấy được dấu thời gian từ máy chủ TSA.", detail=f"TSA: {exc}"
                    ) from exc
                except (TimeoutError, OSError) as exc:
                    raise TimestampError(
                        "Không kết nối được máy chủ cấp dấu thời gian (TSA).",
                        detail=f"TSA: {exc!r}",
                    ) from exc
                try:
                    await PdfTBSDocument.async_finish_signing(
                        p.output,  # type: ignore[arg-type]
                        p.digest,  # type: ignore[arg-type]
                        content,
                        post_sign_instr=p.post_sign,  # type: ignore[arg-type]
                    )
                except PyHankoSigningError as exc:
                    raise SigningError(
                        "Không ghi được chữ ký vào tệp PDF.", detail=f"{exc}"
                    ) from exc
            except SigningError as exc:
                _fail(p.item, exc)
                return
            p.output.seek(0)  # type: ignore[attr-defined]
            p.item.pdf = p.output.read()  # type: ignore[attr-defined]
            p.item.status, p.item.code, p.item.message_vi = SIGNED, "", "Đã ký."

    await asyncio.gather(*(finish(p, s) for p, s in zip(prepared, signatures, strict=True)))
    return report


def sign_batch(
    pdfs: Sequence[bytes],
    role: SignerRole,
    signer: BatchSigner,
    timestamper: timestamps.TimeStamper,
    *,
    trust: TrustConfig | None = None,
    now: dt.datetime | None = None,
    concurrency: int = 16,
) -> BatchReport:
    """Synchronous ``async_sign_batch``."""
    return asyncio.run(
        async_sign_batch(
            pdfs, role, signer, timestamper, trust=trust, now=now, concurrency=concurrency
        )
    )


def _fail(item: BatchItem, exc: SigningError) -> None:
    item.status, item.code, item.message_vi = FAILED, exc.code, exc.message_vi
    log.warning("batch: %s not signed: %s (%s)", item.record_id, exc.code, exc.detail or "")


def _check_signature(public_key: object, signature: bytes, tbs_hash: bytes) -> None:
    """A returned signature must be the certificate's key signing this document's hash."""
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(
                signature, tbs_hash, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())
            )
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, tbs_hash, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        else:  # pragma: no cover — the demo PKI and the services issue RSA/ECDSA keys
            raise InvalidSignature
    except InvalidSignature as exc:
        raise SigningError(
            "Chữ ký trả về không khớp với chứng thư số của người ký.",
            detail="raw signature does not verify against the certificate",
            code="signing.bad_signature",
        ) from exc


def raw_signature_size(cert: x509.Certificate) -> int:
    return _raw_signature_size(cert)


class Pkcs12BatchSigner:
    """The PKCS#12 backend as a ``BatchSigner``: the local key signs every digest."""

    def __init__(self, signer: Pkcs12Signer) -> None:
        inner = signer.pyhanko_signer
        self._key = inner._pyca_key  # type: ignore[attr-defined]  # parsed once by Pkcs12Signer
        self._certificate = signer.certificate
        self._chain = list(inner.cert_registry)
        self._inner = signer
        self.calls = 0

    @property
    def pyhanko_signer(self) -> signers.Signer:
        """The PKCS#12 signer itself (a ``BatchSigner`` is also a ``Signer``)."""
        return self._inner.pyhanko_signer

    @property
    def chain_size(self) -> int:
        return self._inner.chain_size

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> list[x509.Certificate]:
        return self._chain

    @property
    def signature_size(self) -> int:
        return raw_signature_size(self._certificate)

    async def sign_digests(self, digests: list[bytes]) -> list[bytes]:
        self.calls += 1
        key = self._key
        prehashed = utils.Prehashed(hashes.SHA256())
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return [key.sign(d, ec.ECDSA(prehashed)) for d in digests]
        return [key.sign(d, padding.PKCS1v15(), prehashed) for d in digests]


class CscBatchSigner:
    """A CSC credential as a ``BatchSigner``: per batch of at most ``max_batch_size``
    digests, one ``credentials/authorize`` naming all of them and one ``signatures/signHash``."""

    def __init__(self, signer: CscSigner, *, max_batch_size: int = 500) -> None:
        self._inner = signer
        self.max_batch_size = max(1, max_batch_size)

    @property
    def certificate(self) -> x509.Certificate:
        return self._inner.certificate

    @property
    def chain(self) -> list[x509.Certificate]:
        return list(self._inner._auth.credential_info.chain)

    @property
    def pyhanko_signer(self) -> signers.Signer:
        return self._inner.pyhanko_signer

    @property
    def chain_size(self) -> int:
        return self._inner.chain_size

    @property
    def signature_size(self) -> int:
        return raw_signature_size(self._inner.certificate)

    @property
    def calls(self) -> tuple[int, int]:
        return self._inner.calls

    async def sign_digests(self, digests: list[bytes]) -> list[bytes]:
        out: list[bytes] = []
        size = min(len(digests), self.max_batch_size)
        for start in range(0, len(digests), size or 1):
            out.extend(await self._sign_chunk(digests[start : start + size]))
        return out

    async def _sign_chunk(self, digests: list[bytes]) -> list[bytes]:
        import aiohttp

        inner = self._inner._signer
        auth = self._inner._auth
        config = self._inner.config
        b64 = [base64.b64encode(d).decode("ascii") for d in digests]
        try:
            async with aiohttp.ClientSession() as session:
                inner.session = auth.session = session
                try:
                    request = await inner.format_csc_signing_req(b64, MD_ALGORITHM)
                    url = auth.csc_session_info.endpoint_url("signatures/signHash")  # type: ignore[no-untyped-call]
                    async with session.post(
                        url,
                        json=request,
                        headers=auth.auth_headers,
                        raise_for_status=True,
                        timeout=aiohttp.ClientTimeout(total=config.timeout),
                    ) as response:
                        data = await response.json()
                    inner.commits += 1
                finally:
                    inner.session = auth.session = None  # type: ignore[assignment]
            return [base64.b64decode(s) for s in data["signatures"]]
        except (PyHankoSigningError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise SigningError(
                f"Dịch vụ ký số {config.url} không ký được lô học bạ.",
                detail=f"CSC signHash: {exc!r}",
                code="signing.csc_failed",
            ) from exc
        except (KeyError, ValueError, TypeError) as exc:
            raise SigningError(
                f"Dịch vụ ký số {config.url} trả lời sai định dạng.",
                detail=f"CSC signHash response: {exc!r}",
                code="signing.csc_failed",
            ) from exc
