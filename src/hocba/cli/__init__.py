"""The ``hocba`` command. Sub-commands load lazily so ``hocba check`` never starts Django."""

from __future__ import annotations

import importlib

import click

from hocba import __version__

# name -> "module:attribute"; each module owns one command (or group).
COMMANDS: dict[str, str] = {
    "api-schema": "hocba.cli.api:api_schema",
    "archive": "hocba.cli.archive:archive",
    "audit": "hocba.cli.audit:audit",
    "bench": "hocba.cli.bench:bench",
    "check": "hocba.cli.check:check",
    "import": "hocba.cli.imports:import_",
    "import-template": "hocba.cli.imports:import_template",
    "schema": "hocba.cli.schema:schema",
    "serve": "hocba.cli.serve:serve",
    "demo": "hocba.cli.demo:demo",
    "manage": "hocba.cli.django:manage",
    "render": "hocba.cli.render:render",
    "pki": "hocba.cli.pki:pki",
    "sign": "hocba.cli.sign:sign",
    "status": "hocba.cli.status:status",
    "token": "hocba.cli.api:token",
    "transfer": "hocba.cli.transfer:transfer",
    "verify": "hocba.cli.verify:verify",
    "worker": "hocba.cli.worker:worker",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hocba")
def main() -> None:
    """hocba — học bạ số mở: nhập, tính kết quả, kết xuất, ký số và xác minh."""
