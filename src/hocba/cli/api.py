"""``hocba api-schema`` (the vendor API's OpenAPI document) and ``hocba token …`` (per-school
API tokens: create, list, revoke)."""

from __future__ import annotations

import sys

import click


@click.command("api-schema")
def api_schema() -> None:
    """In tài liệu OpenAPI của API /api/v1 (như docs/openapi.json)."""
    from hocba.cli.django import setup_django

    setup_django(migrate=False)
    from hocba.apps.api.api import openapi_json

    click.echo(openapi_json(), nl=False)


@click.group()
def token() -> None:
    """Mã truy cập API của một trường (cho phần mềm quản lý nhà trường)."""


def _school(code: str):  # type: ignore[no-untyped-def]
    from hocba.cli.django import setup_django

    setup_django()
    from hocba.apps.directory.models import School

    school = School.objects.select_related("org_unit").filter(school_code=code).first()
    if school is None:
        click.echo(f"Không có trường mã '{code}'.", err=True)
        sys.exit(2)
    return school


SCHOOL = click.option("--school", "school_code", required=True, help="Mã trường.")


@token.command("create")
@SCHOOL
@click.option("--name", required=True, help="Tên mã (ví dụ tên phần mềm sử dụng).")
def create(school_code: str, name: str) -> None:
    """Tạo mã mới; mã chỉ in ra một lần (trên stdout)."""
    school = _school(school_code)
    from hocba.apps.api import services

    try:
        row, raw = services.create_token(school, name)
    except services.TokenRefused as exc:
        click.echo(exc.message_vi, err=True)
        sys.exit(2)
    click.echo(
        f"Đã tạo mã #{row.pk} '{row.name}' cho {school.name}. Mã chỉ hiện một lần:", err=True
    )
    click.echo(raw)


@token.command("list")
@SCHOOL
def list_tokens(school_code: str) -> None:
    """Liệt kê các mã của trường (không bao giờ in khóa bí mật)."""
    school = _school(school_code)
    from hocba.apps.api import services

    for row in services.tokens_of(school):
        state = f"thu hồi {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "đang dùng"
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "chưa dùng"
        click.echo(f"#{row.pk}\thocba_{row.prefix}_…\t{row.name}\t{state}\t{used}")


@token.command("revoke")
@SCHOOL
@click.argument("token_ref")
def revoke(school_code: str, token_ref: str) -> None:
    """Thu hồi mã TOKEN_REF (số #id hoặc tiền tố) của trường."""
    school = _school(school_code)
    from hocba.apps.api import services

    tokens = services.tokens_of(school)
    ref = token_ref.lstrip("#")
    row = tokens.filter(pk=int(ref)).first() if ref.isdigit() else None
    row = row or tokens.filter(prefix=ref.removeprefix("hocba_").split("_")[0]).first()
    if row is None:
        click.echo(f"Trường {school_code} không có mã '{token_ref}'.", err=True)
        sys.exit(2)
    if services.revoke_token(row):
        click.echo(f"Đã thu hồi mã #{row.pk} '{row.name}'.")
    else:
        click.echo(f"Mã #{row.pk} đã bị thu hồi từ trước.")
