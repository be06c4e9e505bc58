"""Options shared by several commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from hocba import public_url
from hocba.cli.check import EXIT_UNREADABLE

public_url_option: Callable[[Any], Any] = click.option(
    "--public-url",
    "public_url_opt",
    default=None,
    metavar="URL",
    help=(
        "Địa chỉ công khai của hệ thống (mặc định: biến HOCBA_PUBLIC_URL; khi phát triển "
        f"{public_url.DEVELOPMENT_PUBLIC_URL}). Mã QR mở URL{public_url.VERIFY_PATH}."
    ),
)


def verify_url_or_exit(option: str | None) -> str:
    """The verify URL for ``--public-url`` (``hocba.public_url.from_environ``); a missing
    address in production, or a malformed one, ends the command (exit 2) with the reason."""
    try:
        return public_url.verify_url(public_url.from_environ(option=option))
    except public_url.PublicUrlError as exc:
        click.echo(exc.message_vi, err=True)
        sys.exit(EXIT_UNREADABLE)
