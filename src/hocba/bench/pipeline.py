"""Render, sign, verify and a whole school: hocba's public functions against the bare libraries
doing the same work on the same data, in the same process (no Django).

Per-record stages are timed in CPU seconds of this process (records/s per core); every
repetition uses records not compiled before, as Typst memoises what it has seen.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from hocba.bench.stats import Figure, Row, cpu_seconds
from hocba.demo.generate import DemoSchool, demo_school
from hocba.spec import Record, SignerRole, canonical_json, load_record

ROLES = (SignerRole.GVCN, SignerRole.PRINCIPAL, SignerRole.SEAL)


@dataclass(frozen=True)
class Plan:
    """How much work each stage does."""

    repeat: int = 5  # repetitions of each per-record stage
    batch: int = 10  # records per repetition
    school_repeat: int = 3  # repetitions of the whole school


def demo_records(n: int, seed: int = 2025) -> tuple[DemoSchool, list[Record]]:
    """At least ``n`` distinct demo records of one school (grades 1–5, ≤ 40 per class)."""
    per_grade = math.ceil(n / 5)
    classes = max(1, math.ceil(per_grade / 40))
    school = demo_school(
        seed, classes_per_grade=classes, students_per_class=math.ceil(per_grade / classes)
    )
    records = [s.record for c in school.classes for s in c.students]
    return school, records[:n]


def make_pki(directory: Path, school: DemoSchool) -> Any:
    from hocba.signing import init_pki

    return init_pki(
        directory,
        teachers=sorted({c.homeroom_teacher for c in school.classes}),
        principal=school.principal,
        school=school.school.name,
    )


class Keys:
    """hocba's signers of each (role, name), loaded once as the web worker keeps them."""

    def __init__(self, pki: Any) -> None:
        self.pki = pki
        self._loaded: dict[tuple[SignerRole, str], Any] = {}

    def for_record(self, record: Record) -> dict[SignerRole, Any]:
        out = {}
        for s in record.signers:
            if (s.role, s.full_name) not in self._loaded:
                self._loaded[s.role, s.full_name] = self.pki.load_signer(s.role, s.full_name)
            out[s.role] = self._loaded[s.role, s.full_name]
        return out


# --- the bare libraries --------------------------------------------------------------------------


class BareTypst:
    """A Typst compiler of the same template and fonts, fed the same inputs, nothing else."""

    def __init__(self) -> None:
        import typst

        from hocba.render.renderer import FONT_DIR, TEMPLATE

        fonts = typst.Fonts(
            include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONT_DIR)]
        )
        self._compiler = typst.Compiler(
            str(TEMPLATE), root=str(TEMPLATE.parent), font_paths=fonts, ignore_system_fonts=True
        )

    def compile(self, inputs: dict[str, str], record: Record) -> bytes:
        from hocba.render.renderer import PDF_STANDARD, creation_time

        pdf = self._compiler.compile(
            sys_inputs=inputs, pdf_standards=[PDF_STANDARD], timestamp=creation_time(record)
        )
        assert isinstance(pdf, bytes)
        return pdf


def typst_inputs(renderer: Any, record: Record) -> dict[str, str]:
    """The data hocba hands Typst for ``record`` (prepared outside the baseline's timing)."""
    from hocba.render import DEFAULT_VERIFY_URL

    inputs: dict[str, str] = renderer._inputs(record, DEFAULT_VERIFY_URL)
    return inputs


async def bare_sign(pdf: bytes, pki: Any, record: Record, tsa: Any) -> bytes:
    """The three planned signatures with bare pyHanko, each with a freshly loaded key."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    for planned in record.signers:
        entry = pki.signer_entry(planned.role, planned.full_name)
        key = signers.SimpleSigner.load_pkcs12(entry.p12, passphrase=pki.password.encode())
        meta = signers.PdfSignatureMetadata(
            field_name=planned.role.field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        out = await signers.PdfSigner(meta, key, timestamper=tsa).async_sign_pdf(
            IncrementalPdfFileWriter(BytesIO(pdf)), existing_fields_only=True
        )
        pdf = out.getvalue()
    return pdf


async def bare_verify(pdf: bytes, trust: Any) -> int:
    """pyHanko's validation of every signature (same roots, certificates and CRLs, offline);
    returns how many are intact, valid and trusted."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(
        trust_roots=list(trust.roots), other_certs=list(trust.certs), crls=list(trust.crls),
        allow_fetching=False, revocation_mode="hard-fail",
    )  # fmt: skip
    good = 0
    for sig in PdfFileReader(BytesIO(pdf)).embedded_signatures:
        status = await async_validate_pdf_signature(
            sig, signer_validation_context=context, ts_validation_context=context
        )
        good += bool(status.bottom_line)
    return good


# --- the per-record stages -----------------------------------------------------------------------


@dataclass
class Pipeline:
    """Rendered, signed and verified records of one demo school, with both sides timed."""

    pki: Any
    records: list[Record]
    plan: Plan

    def __post_init__(self) -> None:
        from hocba.render import Renderer

        self.renderer = Renderer()
        self.bare_typst = BareTypst()
        self.keys = Keys(self.pki)
        self.tsa, self.trust = self.pki.timestamper(), self.pki.trust()
        self.rows: list[Row] = []
        self.per_record: dict[str, float] = {}  # bare CPU seconds per record, by stage

    def _slices(self) -> tuple[list[list[Record]], list[list[Record]]]:
        """Disjoint record batches: one per repetition for hocba and one for the baseline."""
        b, r = self.plan.batch, self.plan.repeat
        need = 2 * b * r + 2
        if len(self.records) < need:
            raise ValueError(f"the render stage needs {need} records, got {len(self.records)}")
        batches = [self.records[2 + i * b : 2 + (i + 1) * b] for i in range(2 * r)]
        return batches[:r], batches[r:]

    def render(self) -> list[bytes]:
        """Render stage; returns hocba's PDFs (input of the signing stage)."""
        ours, theirs = self._slices()
        self.renderer.render(self.records[0])  # warm-up: fonts and template loaded once
        self.bare_typst.compile(typst_inputs(self.renderer, self.records[1]), self.records[1])
        pdfs: list[bytes] = []
        hocba, bare = [], []
        for mine, other in zip(ours, theirs, strict=True):
            hocba.append(
                cpu_seconds(lambda m=mine: pdfs.extend(self.renderer.render(x) for x in m))
            )
            inputs = [(typst_inputs(self.renderer, x), x) for x in other]
            bare.append(cpu_seconds(lambda i=inputs: [self.bare_typst.compile(*p) for p in i]))
        self._add("render", "Kết xuất một học bạ (PDF/A-3a)", hocba, bare,
                  "typst compile trần, cùng mẫu và dữ liệu")  # fmt: skip
        self.signed_inputs = list(zip(pdfs, [x for m in ours for x in m], strict=True))
        return pdfs

    def sign(self) -> list[bytes]:
        """GVCN → principal → seal, each B-T with the local TSA; returns the signed PDFs."""
        from hocba.signing import async_sign_all

        b = self.plan.batch
        items = self.signed_inputs
        signed: list[bytes] = []

        async def ours(batch: Sequence[tuple[bytes, Record]]) -> None:
            for pdf, record in batch:
                keys = self.keys.for_record(record)
                signed.append(await async_sign_all(pdf, keys, self.tsa, trust=self.trust))

        async def theirs(batch: Sequence[tuple[bytes, Record]]) -> None:
            for pdf, record in batch:
                await bare_sign(pdf, self.pki, record, self.tsa)

        asyncio.run(ours(items[:1]))  # warm-up (keys loaded once, as a worker keeps them)
        signed.clear()
        hocba, bare = [], []
        for i in range(self.plan.repeat):
            batch = items[i * b : (i + 1) * b]
            hocba.append(cpu_seconds(lambda x=batch: asyncio.run(ours(x))))
            bare.append(cpu_seconds(lambda x=batch: asyncio.run(theirs(x))))
        self._add("sign", "Ký GVCN → hiệu trưởng → con dấu (mỗi chữ ký B-T, TSA cục bộ)",
                  hocba, bare, "3 chữ ký pyHanko trần, khoá nạp lại mỗi lần")  # fmt: skip
        return signed

    def verify(self, signed: Sequence[bytes]) -> None:
        from hocba.verify import async_verify_pdf

        b = self.plan.batch

        async def ours(batch: Sequence[bytes]) -> None:
            for pdf in batch:
                report = await async_verify_pdf(pdf, self.trust)
                if report.verdict.value != "VALID":
                    raise RuntimeError(f"a benchmark record did not verify: {report.verdict}")

        async def theirs(batch: Sequence[bytes]) -> None:
            for pdf in batch:
                if await bare_verify(pdf, self.trust) != len(ROLES):
                    raise RuntimeError("pyHanko did not validate a benchmark record")

        asyncio.run(ours(signed[:1]))
        asyncio.run(theirs(signed[:1]))
        hocba, bare = [], []
        for i in range(self.plan.repeat):
            batch = signed[i * b : (i + 1) * b]
            hocba.append(cpu_seconds(lambda x=batch: asyncio.run(ours(x))))
            bare.append(cpu_seconds(lambda x=batch: asyncio.run(theirs(x))))
        self._add("verify", "Xác minh đầy đủ một học bạ đã ký", hocba, bare,
                  "kiểm tra chữ ký của pyHanko, cùng tệp")  # fmt: skip

    def _add(self, key: str, stage: str, hocba: list[float], bare: list[float], label: str) -> None:
        n = self.plan.batch
        self.per_record[key] = Figure.of(bare).median / n
        self.rows.append(
            Row(
                key,
                stage,
                "học bạ/giây/lõi",
                Figure.of(hocba).rate(n),
                Figure.of(bare).rate(n),
                label,
                note=f"{self.plan.repeat} lần × {n} học bạ",
            )
        )


# --- the whole school, in worker processes -------------------------------------------------------

_worker: dict[str, Any] = {}


def _init_worker(pki_dir: str) -> None:
    """Each spawned worker installs the speed-ups (as ``hocba worker``), makes its own Typst
    compiler and loads the keys once."""
    from hocba.render import Renderer
    from hocba.signing import load_pki, speedups

    speedups.install()

    pki = load_pki(pki_dir)
    _worker.update(renderer=Renderer(), keys=Keys(pki), tsa=pki.timestamper(), trust=pki.trust())


def _school_chunk(chunk: list[bytes]) -> Counter[str]:
    """Render → sign ×3 → verify each record (canonical JSON) of ``chunk``; verdict counts."""
    from hocba.signing import async_sign_all
    from hocba.verify import async_verify_pdf

    w = _worker

    async def run() -> Counter[str]:
        verdicts: Counter[str] = Counter()
        for data in chunk:
            record = load_record(data)
            pdf = w["renderer"].render(record)
            pdf = await async_sign_all(
                pdf, w["keys"].for_record(record), w["tsa"], trust=w["trust"]
            )
            verdicts[(await async_verify_pdf(pdf, w["trust"])).verdict.value] += 1
        return verdicts

    return asyncio.run(run())


def run_school(records: Sequence[Record], pki_dir: Path, workers: int) -> float:
    """Wall seconds to render, sign and verify every record with ``workers`` spawned processes
    (pool start-up included: a fork after the Typst compiler exists can deadlock)."""
    data = [canonical_json(r) for r in records]
    chunk = max(1, min(25, math.ceil(len(data) / (4 * workers))))
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(str(pki_dir),)) as pool:
        verdicts: Counter[str] = Counter()
        for counts in pool.imap_unordered(_school_chunk, chunks):
            verdicts.update(counts)
    wall = time.perf_counter() - started
    if verdicts != Counter({"VALID": len(data)}):
        raise RuntimeError(f"school run: verdicts {dict(verdicts)}")
    return wall


def school_row(
    records: Sequence[Record],
    pki_dir: Path,
    workers: int,
    repeat: int,
    per_record: dict[str, float],
) -> Row:
    walls = [run_school(records, pki_dir, workers) for _ in range(repeat)]
    floor = len(records) * sum(per_record.values()) / workers
    return Row(
        "school", f"Cả trường: {len(records)} học bạ, {workers} tiến trình (kết xuất + 3 chữ ký + xác minh)",
        "giây (thời gian thực)", Figure.of(walls), Figure.of([floor]),
        "tổng các mức sàn trần ÷ số tiến trình",
        note=f"{repeat} lần; sàn = N × (typst + 3 ký pyHanko + kiểm pyHanko) / W",
        extra={"records": len(records), "workers": workers},
    )  # fmt: skip
