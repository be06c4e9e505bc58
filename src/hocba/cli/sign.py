"""``hocba sign IN.pdf -o OUT.pdf --role ROLE (--p12 FILE | --pkcs11-token LABEL --pkcs11-key
LABEL [--pin-prompt])`` — add one planned signature."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from hocba.errors import HocbaError

log = logging.getLogger(__name__)
EXIT_OK, EXIT_REFUSED, EXIT_INPUT = 0, 1, 2
P12_PASSWORD_ENV = "HOCBA_P12_PASSWORD"


@click.command()
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Tệp đã ký, PDF hoặc XML như tệp vào (ghi mới; tệp vào không bị thay đổi).")  # fmt: skip
@click.option("--role", type=click.Choice(["gvcn", "principal", "seal"]), required=True,
              help="Vai trò ký: gvcn, principal (hiệu trưởng), seal (con dấu số).")  # fmt: skip
@click.option("--p12", "p12", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Tệp khoá PKCS#12 (.p12/.pfx).")  # fmt: skip
@click.option("--pkcs11-token", default=None,
              help="Ký bằng khoá trên token PKCS#11 (USB token, HSM): nhãn token.")  # fmt: skip
@click.option("--pkcs11-key", default=None, help="Nhãn khoá trên token.")
@click.option("--pkcs11-cert", default=None, help="Nhãn chứng thư số (mặc định: nhãn khoá).")
@click.option("--pkcs11-module", default=None,
              help="Mô-đun PKCS#11 (.so) (mặc định $HOCBA_PKCS11_MODULE hoặc SoftHSM2).")  # fmt: skip
@click.option("--pin-prompt", is_flag=True,
              help="Hỏi mã PIN của token (không hiện khi gõ) thay vì đọc $HOCBA_PKCS11_PIN.")  # fmt: skip
@click.option("--password-env", default=P12_PASSWORD_ENV, show_default=True,
              help="Biến môi trường chứa mật khẩu tệp .p12.")  # fmt: skip
@click.option("--tsa", "tsa_url", default=None,
              help="URL dịch vụ cấp dấu thời gian RFC 3161 (mặc định $HOCBA_TSA_URL).")  # fmt: skip
@click.option("--trust", "trust_dir", type=click.Path(path_type=Path), default=None,
              help="Thư mục CA gốc + CRL để kiểm tra thu hồi (mặc định $HOCBA_TRUST_DIR).")  # fmt: skip
def sign(
    source: Path,
    output: Path,
    role: str,
    p12: Path | None,
    pkcs11_token: str | None,
    pkcs11_key: str | None,
    pkcs11_cert: str | None,
    pkcs11_module: str | None,
    pin_prompt: bool,
    password_env: str,
    tsa_url: str | None,
    trust_dir: Path | None,
) -> None:
    """Ký học bạ SOURCE theo kế hoạch ký (GVCN → hiệu trưởng → con dấu số): PDF ký PAdES B-T,
    XML (hocba.spec.xml) ký XAdES-T.

    Khoá trong PKI demo (hocba pki init) dùng được ngay: mật khẩu, TSA và danh sách tin cậy
    lấy từ PKI demo. Mã thoát: 0 đã ký; 1 bị từ chối (sai thứ tự, sai người ký, chứng thư
    hết hạn/bị thu hồi, ô đã ký…); 2 không đọc được tệp, khoá hoặc không có TSA.
    """
    from hocba.signing.errors import DocumentError, KeyLoadError, TimestampError

    console = Console(soft_wrap=True, stderr=True)
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    if (p12 is None) == (pkcs11_token is None) or (pkcs11_token and not pkcs11_key):
        console.print("[red]Chọn một khoá ký: --p12 TỆP, hoặc --pkcs11-token NHÃN cùng "
                      "--pkcs11-key NHÃN.[/red]")  # fmt: skip
        sys.exit(EXIT_INPUT)
    token = None
    if pkcs11_token:
        from hocba.signing.pkcs11 import DEFAULT_MODULE, MODULE_ENV, Pkcs11Config

        token = Pkcs11Config(
            token_label=pkcs11_token,
            key_label=pkcs11_key or "",
            cert_label=pkcs11_cert,
            module=pkcs11_module or os.environ.get(MODULE_ENV, "").strip() or DEFAULT_MODULE,
        )
    # The PIN typed here lives in this process's memory only, for this one signature.
    pin = click.prompt("Mã PIN của token", hide_input=True, err=True) if pin_prompt else None
    try:
        signed, summary = _sign(source, role, p12 or token, password_env, tsa_url, trust_dir,
                                pin=pin)  # fmt: skip
        _write_atomically(output, signed)
    except (DocumentError, KeyLoadError, TimestampError) as exc:
        console.print(f"[red]{exc.message_vi}[/red] [dim]({exc.code})[/dim]")
        sys.exit(EXIT_INPUT)
    except HocbaError as exc:
        console.print(f"[red]Từ chối ký: {exc.message_vi}[/red] [dim]({exc.code})[/dim]")
        console.print("Tệp vào không bị thay đổi; không ghi tệp ra.")
        sys.exit(EXIT_REFUSED)
    except OSError as exc:
        console.print(f"[red]Không đọc/ghi được tệp: {exc.filename or ''} ({exc.strerror}).[/red]")
        sys.exit(EXIT_INPUT)
    except Exception as exc:  # never a traceback for a user; the bug is logged in English
        log.exception("hocba sign failed unexpectedly: %s", type(exc).__name__)
        console.print("[red]Lỗi không mong đợi khi ký; vui lòng báo cho quản trị.[/red]")
        sys.exit(EXIT_INPUT)
    Console(soft_wrap=True).print(f"[green]Đã ký[/green] {summary} → {output}")


def _sign(
    source: Path,
    role: str,
    key: Any,
    password_env: str,
    tsa_url: str | None,
    trust_dir: Path | None,
    *,
    pin: str | None = None,
) -> tuple[bytes, str]:
    """Sign with ``key``: a PKCS#12 path or a ``Pkcs11Config`` (the session closed after)."""
    if not isinstance(key, Path):
        from hocba.signing.pkcs11 import Pkcs11Signer

        with Pkcs11Signer.open(key, pin=pin) as token:
            return _sign_with(source, role, token, None, tsa_url, trust_dir)
    from hocba.signing.backends import Pkcs12Signer
    from hocba.signing.pki_files import find_pki_for

    demo = find_pki_for(key)
    password = os.environ.get(password_env) or (demo.password if demo else None)
    return _sign_with(source, role, Pkcs12Signer.load(key, password), demo, tsa_url, trust_dir)


def _sign_with(
    source: Path,
    role: str,
    signer: Any,
    demo: Any,
    tsa_url: str | None,
    trust_dir: Path | None,
) -> tuple[bytes, str]:
    from pyhanko.sign.timestamps import TimeStamper

    from hocba.signing.document import MAX_PDF_BYTES
    from hocba.signing.errors import DocumentError, TimestampError
    from hocba.signing.identity import common_name
    from hocba.signing.pades import sign_record
    from hocba.signing.tsa import TSA_URL_ENV, http_timestamper
    from hocba.signing.xades import sign_xml
    from hocba.spec.roles import SignerRole
    from hocba.verify.trust import load_trust
    from hocba.verify.xml import looks_like_xml

    if source.stat().st_size > MAX_PDF_BYTES:
        raise DocumentError("Tệp quá lớn để là một học bạ.", code="document.too_large")
    data = source.read_bytes()
    url = tsa_url or os.environ.get(TSA_URL_ENV, "").strip()
    timestamper: TimeStamper
    if url:
        timestamper = http_timestamper(url)
    elif demo is not None:
        timestamper = demo.timestamper()
    else:
        raise TimestampError(
            "Chưa cấu hình dịch vụ cấp dấu thời gian: dùng --tsa URL hoặc $HOCBA_TSA_URL.",
            code="signing.no_tsa",
        )
    if trust_dir is None and not os.environ.get("HOCBA_TRUST_DIR") and demo is not None:
        trust_dir = demo.trust_dir
    trust = load_trust(trust_dir)
    if looks_like_xml(data):
        signed = sign_xml(data, SignerRole(role), signer, timestamper, trust=trust)
    else:
        signed = sign_record(data, SignerRole(role), signer, timestamper, trust=trust)
    who = common_name(signer.certificate)
    return signed, f"{SignerRole(role).label_vi}: {who}"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
