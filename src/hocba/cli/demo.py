"""``hocba demo`` — a whole demo school year on the embedded default, end to end.

The province has two schools in two wards: the first (files, PDFs, grade 1 issued) and a
smaller second one (one class per grade, in the database only, grade 1 issued too) whose
accounts end in ``_b``."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hocba.cli.options import public_url_option, verify_url_or_exit
from hocba.spec import OverallResult, Record, SignerRole, load_record, pretty_json

if TYPE_CHECKING:
    from hocba.demo.generate import DemoSchool


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Thư mục ghi kết quả (mặc định: <HOCBA_HOME>/demo, tức var/demo).",
)
@click.option("--seed", type=int, default=2025, show_default=True, help="Hạt giống ngẫu nhiên.")
@click.option("--year", "school_year", default="2024-2025", show_default=True, help="Năm học.")
@click.option("--classes-per-grade", type=click.IntRange(1, 8), default=2, show_default=True)
@click.option("--students-per-class", type=click.IntRange(1, 60), default=30, show_default=True)
@click.option(
    "--pdf/--no-pdf",
    "with_pdf",
    default=True,
    show_default=True,
    help="Kết xuất, ký số và xác minh học bạ PDF.",
)
@public_url_option
def demo(
    out_dir: Path | None,
    seed: int,
    school_year: str,
    classes_per_grade: int,
    students_per_class: int,
    with_pdf: bool,
    public_url_opt: str | None,
) -> None:
    """Tạo một trường tiểu học mẫu: học sinh, đánh giá, học bạ (JSON, XML) và bảng tổng hợp."""
    from hocba.cli.django import setup_django

    console = Console()
    verify_url = verify_url_or_exit(public_url_opt)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    setup_django()
    from django.conf import settings

    from hocba.apps.records.demo import load_demo_province
    from hocba.demo.generate import demo_school, demo_second_school
    from hocba.rules import tt27
    from hocba.spec.xml import to_xml

    out_dir = out_dir or Path(settings.HOCBA_HOME) / "demo"
    timings["Khởi tạo cơ sở dữ liệu"] = time.perf_counter() - started

    t = time.perf_counter()
    school = demo_school(seed, school_year, classes_per_grade, students_per_class)
    second = demo_second_school(seed + 1, school_year, min(students_per_class, SECOND_SIZE))
    total = sum(len(c.students) for s in (school, second) for c in s.classes)
    timings["Sinh dữ liệu mẫu"] = time.perf_counter() - t

    t = time.perf_counter()
    with _progress(console) as progress:
        task = progress.add_task("Lưu vào cơ sở dữ liệu", total=total)
        stored, second_stored = load_demo_province(
            (school, second), lambda n: progress.advance(task, n)
        )
    from hocba.apps.accounts.demo import create_demo_accounts

    accounts = create_demo_accounts()
    timings["Lưu và dựng học bạ từ CSDL"] = time.perf_counter() - t

    t = time.perf_counter()
    records = [load_record(bytes(version.canonical)) for _enrolment, version in stored]
    records_dir = out_dir / "records"
    by_class: dict[str, Counter[str]] = {}
    error_count = 0
    with _progress(console) as progress:
        task = progress.add_task("Kiểm tra, ghi học bạ JSON/XML", total=len(records))
        for record in records:
            error_count += sum(f.is_error for f in tt27.evaluate(record))
            stem = _stem(records_dir, record)
            stem.with_suffix(".json").write_text(pretty_json(record), encoding="utf-8")
            stem.with_suffix(".xml").write_bytes(to_xml(record))
            counts = by_class.setdefault(record.class_name, Counter())
            counts[record.overall_result.value if record.overall_result else "?"] += 1
            progress.advance(task)
    timings["Kiểm tra và ghi JSON/XML"] = time.perf_counter() - t

    if with_pdf:
        second_records = [
            load_record(bytes(version.canonical))
            for enrolment, version in second_stored
            if enrolment.school_class.grade == ISSUED_GRADE
        ]
        verdicts, issued_forms, second_verdicts = _render_sign_verify(
            console, school, records, out_dir, timings, second, second_records, verify_url
        )
        from hocba.apps.records.demo import issue_demo_classes

        issued = issue_demo_classes(ISSUED_GRADE, issued_forms)
        second_issued = sum(r.record_id in issued_forms for r in second_records)
        issued -= second_issued
        if set(second_verdicts) - {"VALID"}:
            error_count += 1
    _print_summary(console, school.school.name, school_year, by_class)
    timing_table = Table(
        "Công đoạn", "Thời gian (s)", "Học bạ/giây", title="Thời gian từng công đoạn"
    )
    for stage, seconds in timings.items():
        rate = f"{len(records) / seconds:.1f}" if stage in PER_RECORD_STAGES else ""
        timing_table.add_row(stage, f"{seconds:.2f}", rate)
    console.print(timing_table)
    console.print(f"Đã ghi {len(records)} học bạ vào [bold]{records_dir}[/bold].")
    state = (
        f"khối {ISSUED_GRADE} đã ban hành: {second_issued} học bạ" if with_pdf else "chưa ban hành"
    )
    console.print(
        f"Trường thứ hai cùng tỉnh: {second.school.name} ({len(second_stored)} học sinh, chỉ "
        f"trên web; {state}; tài khoản có hậu tố _b)."
    )
    if with_pdf:
        line = ", ".join(f"{verdict}: {n}" for verdict, n in sorted(verdicts.items()))
        console.print(f"Xác minh các tệp PDF đã ký: {line}.")
        console.print(
            f"Trên web: {issued} học bạ khối {ISSUED_GRADE} đã ban hành (phụ huynh, cán bộ xem "
            f"được); các khối khác chờ giáo viên nhập, chốt và ký. Chạy [bold]hocba serve[/bold] "
            "và [bold]hocba worker[/bold]."
        )
        if set(verdicts) != {"VALID"}:
            error_count += 1
    from hocba.cli.serve import print_demo_accounts

    print_demo_accounts(console, accounts)
    if error_count:
        console.print(f"[red]{error_count} lỗi trong dữ liệu mẫu.[/red]")
        raise SystemExit(1)


ISSUED_GRADE = 1
"""The demo issues grade 1's records (as if the school had signed them on the web) so families
and officers have something to see; the other grades wait for their teachers on the web."""
SECOND_SIZE = 10
"""Students per class of the province's second demo school (one class per grade), so it costs
the demo a few seconds: it is there to give every role a counterpart in another school."""

PER_RECORD_STAGES = {"Kết xuất PDF", "Ký GVCN → hiệu trưởng → con dấu", "Xác minh"}


def _stem(records_dir: Path, record: Record) -> Path:
    folder = records_dir / record.class_name
    folder.mkdir(parents=True, exist_ok=True)
    return folder / record.student.student_code


def _render_sign_verify(
    console: Console,
    school: DemoSchool,
    records: list[Record],
    out_dir: Path,
    timings: dict[str, float],
    second: DemoSchool,
    second_records: list[Record],
    verify_url: str,
) -> tuple[Counter[str], dict[str, tuple[bytes, bytes]], Counter[str]]:
    """Demo PKI, then render → sign (GVCN → principal → seal, each B-T) → verify each PDF.
    The second school's ``second_records`` are signed by its own people (certificates from the
    same demo CA, so the web's trust list verifies them) and kept in memory only.
    Records of ``ISSUED_GRADE`` get what the web's issue step gives them: the XAdES-signed XML
    form too, and the check that PDF and XML both verify VALID with the same digest.
    Returns the first school's verdict counts, the issued (signed PDF, signed XML) of both by
    record id, and the second school's verdict counts."""
    import datetime as dt

    from hocba.apps.signing.services import verify_issued_pair
    from hocba.render import Renderer
    from hocba.signing import init_pki, issue_signer, load_pki, sign_all
    from hocba.signing.xades import sign_xml_all
    from hocba.spec.xml import to_xml
    from hocba.verify import verify_pdf

    t = time.perf_counter()
    pki = init_pki(
        out_dir / "pki",
        teachers=sorted({c.homeroom_teacher for c in school.classes}),
        principal=school.principal,
        school=school.school.name,
        force=True,
    )
    now = dt.datetime.now(dt.UTC)
    valid_for = {"not_before": now - dt.timedelta(days=1), "not_after": now + dt.timedelta(730)}
    for role, name in [
        *((SignerRole.GVCN, c.homeroom_teacher) for c in second.classes if c.grade == ISSUED_GRADE),
        (SignerRole.PRINCIPAL, second.principal),
        (SignerRole.SEAL, second.school.name),
    ]:
        issue_signer(pki, role, name, label_suffix="", school=second.school.name, **valid_for)
    pki = load_pki(pki.directory)
    trust, timestamper = pki.trust(), pki.timestamper()
    signers: dict[tuple[SignerRole, str], Any] = {}

    def signer(role: SignerRole, name: str) -> Any:
        if (role, name) not in signers:
            signers[role, name] = pki.load_signer(role, name)
        return signers[role, name]

    timings["Tạo PKI demo"] = time.perf_counter() - t
    renderer = Renderer()
    rendered: list[bytes] = []
    signed: list[bytes] = []
    verdicts: Counter[str] = Counter()
    valid: dict[str, tuple[bytes, bytes]] = {}

    def issue(record: Record, pdf: bytes, by_role: dict[SignerRole, Any]) -> str:
        """Sign the XML form as the web does and check the pair before issuing."""
        xml = sign_xml_all(to_xml(record), by_role, timestamper, trust=trust)
        verdict = verify_issued_pair(pdf, xml, trust).verdict.value
        if verdict == "VALID":
            valid[record.record_id] = (pdf, xml)
        return verdict

    with _progress(console) as progress:
        t = time.perf_counter()
        task = progress.add_task("Kết xuất PDF", total=len(records))
        for record in records:
            rendered.append(renderer.render(record, verify_url=verify_url))
            progress.advance(task)
        timings["Kết xuất PDF"] = time.perf_counter() - t

        t = time.perf_counter()
        task = progress.add_task("Ký số (GVCN → HT → con dấu)", total=len(records))
        for record, pdf in zip(records, rendered, strict=True):
            by_role = {s.role: signer(s.role, s.full_name) for s in record.signers}
            signed.append(sign_all(pdf, by_role, timestamper, trust=trust))
            progress.advance(task)
        timings["Ký GVCN → hiệu trưởng → con dấu"] = time.perf_counter() - t

        t = time.perf_counter()
        task = progress.add_task("Xác minh", total=len(records))
        for record, pdf in zip(records, signed, strict=True):
            if record.grade == ISSUED_GRADE:
                by_role = {s.role: signer(s.role, s.full_name) for s in record.signers}
                verdict = issue(record, pdf, by_role)
            else:
                verdict = verify_pdf(pdf, trust).verdict.value
            verdicts[verdict] += 1
            _stem(out_dir / "records", record).with_suffix(".pdf").write_bytes(pdf)
            progress.advance(task)
        timings["Xác minh"] = time.perf_counter() - t

        t = time.perf_counter()
        second_verdicts: Counter[str] = Counter()
        task = progress.add_task(
            "Trường thứ hai: kết xuất, ký, xác minh", total=len(second_records)
        )
        for record in second_records:
            by_role = {s.role: signer(s.role, s.full_name) for s in record.signers}
            pdf = sign_all(
                renderer.render(record, verify_url=verify_url), by_role, timestamper, trust=trust
            )
            second_verdicts[issue(record, pdf, by_role)] += 1
            progress.advance(task)
        timings[f"Trường thứ hai: khối {ISSUED_GRADE} (PDF, ký, xác minh)"] = (
            time.perf_counter() - t
        )
    return verdicts, valid, second_verdicts


def _print_summary(
    console: Console, school_name: str, school_year: str, by_class: dict[str, Counter[str]]
) -> None:
    results = list(OverallResult)
    table = Table(
        "Lớp",
        *(r.label_vi for r in results),
        "Tổng",
        title=f"{school_name} — năm học {school_year}: kết quả giáo dục cuối năm",
    )
    totals: Counter[str] = Counter()
    for class_name in sorted(by_class):
        counts = by_class[class_name]
        totals.update(counts)
        table.add_row(
            class_name, *(str(counts[r.value]) for r in results), str(sum(counts.values()))
        )
    table.add_section()
    table.add_row(
        "Toàn trường", *(str(totals[r.value]) for r in results), str(sum(totals.values()))
    )
    console.print(table)
