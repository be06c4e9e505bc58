"""``hocba manage …``: Django's management commands, and ``setup_django()`` for other commands
that need the database (``hocba demo``)."""

from __future__ import annotations

import os

import click

SETTINGS_MODULE = "hocba.server.settings"


def setup_django(*, migrate: bool = True) -> None:
    """Configure Django (settings from the environment) and, by default, migrate quietly."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)


@click.command(
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Chạy lệnh quản trị của Django (migrate, createsuperuser, runserver…)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hocba manage", *args])
