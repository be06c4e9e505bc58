"""``hocba verify FILE [--json] [--trust DIR] [--status-file F | --status-url URL]`` — judge a
signed record PDF, offline; with a status source, also say whether the version is current."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from hocba.errors import HocbaError

log = logging.getLogger(__name__)
_COLOURS = {"VALID": "green", "INVALID": "red", "INDETERMINATE": "yellow", "UNREADABLE": "red"}
_SEVERITY = {
    "error": "[red]LỖI[/red]",
    "warning": "[yellow]Chưa rõ[/yellow]",
    "info": "[dim]Lưu ý[/dim]",
}


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.option("--trust", "trust_dir", type=click.Path(path_type=Path), default=None,
              help="Thư mục danh sách tin cậy: CA gốc + CRL (mặc định $HOCBA_TRUST_DIR).")  # fmt: skip
@click.option("--pair", "pair", type=click.Path(path_type=Path), default=None,
              help="Bản còn lại (PDF hoặc XML) của cùng học bạ: cả hai phải hợp lệ và cùng mã băm.")  # fmt: skip
@click.option("--status-file", "status_file", type=click.Path(path_type=Path), default=None,
              help="Danh sách trạng thái xuất từ máy chủ (hocba status export): phiên bản này "
                   "còn hiện hành hay đã được thay thế.")  # fmt: skip
@click.option("--status-url", "status_url", default=None,
              help="Địa chỉ trạng thái của máy chủ (…/xac-minh/trang-thai/): hỏi qua mạng "
                   "phiên bản này còn hiện hành hay đã được thay thế.")  # fmt: skip
def verify(
    file: Path, as_json: bool, trust_dir: Path | None, pair: Path | None,
    status_file: Path | None = None, status_url: str | None = None,
) -> None:  # fmt: skip
    """Xác minh học bạ số (PDF hoặc XML): chữ ký, dấu thời gian, chuỗi tin cậy, thu hồi, dữ liệu.

    Không cần mạng. Mã thoát: 0 HỢP LỆ; 1 KHÔNG HỢP LỆ; 2 CHƯA XÁC ĐỊNH ĐƯỢC;
    3 không đọc được tài liệu. Với --status-file hoặc --status-url, báo thêm phiên bản còn
    hiện hành hay đã được thay thế (mã thoát vẫn theo chữ ký: bản bị thay thế vẫn là thật).
    """
    from hocba.verify import Problem, Verdict, VerificationReport, load_trust

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    console = Console(soft_wrap=True)
    try:
        trust = load_trust(trust_dir)
    except HocbaError as exc:
        Console(stderr=True).print(f"[red]{exc.message_vi}[/red] [dim]({exc.code})[/dim]")
        sys.exit(Verdict.INDETERMINATE.exit_code)
    if pair is None and _is_zip(file):  # a school-transfer package (docs/transfer.md)
        from hocba.cli.transfer import verify_package_file

        sys.exit(verify_package_file(console, file, trust, as_json=as_json))
    try:
        report = _verify_file(file, trust)
        if pair is not None:
            report = _pair(report, _verify_file(pair, trust), xml_first=_is_xml(file))
    except OSError as exc:
        message = f"Không đọc được tệp '{file}' ({exc.strerror})."
        report = VerificationReport(
            Verdict.UNREADABLE, problems=(Problem("file.unreadable", message),)
        )
    except Exception as exc:  # verify_pdf never raises; this is a last guard
        log.exception("hocba verify failed unexpectedly: %s", type(exc).__name__)
        message = "Lỗi không mong đợi khi xác minh; vui lòng báo cho quản trị."
        report = VerificationReport(
            Verdict.UNREADABLE, problems=(Problem("verify.internal_error", message),)
        )
    if status_file is not None and status_url is not None:
        raise click.UsageError("Chỉ dùng một trong --status-file và --status-url.")
    found, status_error = _status(report, status_file, status_url)
    if as_json:
        data = report.as_dict()
        if status_file is not None or status_url is not None:
            data["status"] = found.as_dict() if found else {"error": status_error}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print(console, file, report)
        if found is not None:
            colour = {"issued": "green", "superseded": "yellow"}.get(found.status, "dim")
            console.print(f"Trạng thái: [{colour}]{found.label_vi}[/{colour}]")
        elif status_error:
            console.print(f"Trạng thái: [yellow]không rõ[/yellow] — {status_error}")
    sys.exit(report.exit_code)


def _status(
    report: object, status_file: Path | None, status_url: str | None
) -> tuple[object | None, str]:
    """The version's status from the source given (``None``, "" without one); never changes
    the verdict: a superseded record is still authentic, just not current."""
    from hocba.verify import VerificationReport
    from hocba.verify.status import StatusUnavailable, fetch_status, load_status_list

    assert isinstance(report, VerificationReport)
    if status_file is None and status_url is None:
        return None, ""
    rec = report.record
    if not (rec.record_id and rec.version and rec.digest):
        return None, "tài liệu không có mã học bạ, phiên bản và mã băm để tra."
    try:
        if status_file is not None:
            return load_status_list(status_file).find(rec.record_id, rec.version, rec.digest), ""
        assert status_url is not None
        return fetch_status(status_url, rec.record_id, rec.version, rec.digest), ""
    except StatusUnavailable as exc:
        return None, exc.message_vi


def _is_zip(file: Path) -> bool:
    try:
        with file.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _is_xml(file: Path) -> bool:
    from hocba.verify.xml import looks_like_xml

    with file.open("rb") as fh:
        return looks_like_xml(fh.read(64))


def _verify_file(file: Path, trust: object) -> object:
    """PDF or XML, by content (``<`` first → XML)."""
    from hocba.signing.document import MAX_PDF_BYTES
    from hocba.verify import verify_pdf
    from hocba.verify.xml import looks_like_xml, verify_xml

    with file.open("rb") as fh:
        data = fh.read(MAX_PDF_BYTES + 1)
    return verify_xml(data, trust) if looks_like_xml(data) else verify_pdf(data, trust)  # type: ignore[arg-type]


def _pair(first: object, second: object, *, xml_first: bool) -> object:
    from hocba.verify.xml import compare_pair

    pdf, xml = (second, first) if xml_first else (first, second)
    return compare_pair(pdf, xml)  # type: ignore[arg-type]


def _print(console: Console, file: Path, report: object) -> None:
    from hocba.signing.pades import VIETNAM_TIME
    from hocba.verify import VerificationReport

    assert isinstance(report, VerificationReport)
    colour = _COLOURS[report.verdict.value]
    console.print(f"[bold]{file}[/bold]: [bold {colour}]{report.verdict.label_vi}[/bold {colour}]")
    record = report.record
    if record.present:
        who = (
            f"{record.student or '?'} — {record.school or '?'}, năm học {record.school_year or '?'}"
        )
        console.print(f"Học bạ: {who}; mã {record.record_id}, phiên bản {record.version}")
        qr = f" ({'khớp' if record.matches_qr else 'KHÔNG khớp'} mã QR)" if record.qr_token else ""
        console.print(f"Mã băm dữ liệu: {record.digest}{qr}")
    if report.signatures:
        table = Table(
            "Ô ký",
            "Vai trò",
            "Người ký",
            "Thời điểm ký (GMT+7)",
            "Nguyên vẹn",
            "Tin cậy",
            "Thu hồi",
        )
        for s in report.signatures:
            when = s.timestamp_time or s.signing_time
            table.add_row(
                s.field, s.role.label_vi if s.role else "—", s.signer,
                when.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M:%S") if when else "—",
                "có" if s.intact else "[red]KHÔNG[/red]", "có" if s.trusted else "[yellow]không[/yellow]",
                {"good": "chưa thu hồi", "revoked": "[red]ĐÃ THU HỒI[/red]"}.get(s.revocation.value, "không rõ"),
            )  # fmt: skip
        console.print(table)
    for p in report.problems:
        where = f" [{p.field}]" if p.field else ""
        console.print(
            f"  • {_SEVERITY[p.severity.value]}{where}: {p.message_vi} [dim]({p.code})[/dim]"
        )
    if report.trust_source:
        console.print(f"[dim]Danh sách tin cậy: {report.trust_source}[/dim]")
