from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_committed_migrations_match_the_models() -> None:
    call_command("makemigrations", "directory", check=True, dry_run=True, verbosity=0)
