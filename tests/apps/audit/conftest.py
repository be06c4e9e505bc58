"""Each test checkpoints into its own directory: a checkpoint file left in the session's
``HOCBA_HOME`` by another test (whose database is gone) would fail ``hocba audit verify``."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_checkpoint_dir(settings, tmp_path):
    settings.HOCBA_AUDIT_CHECKPOINT_DIR = str(tmp_path / "audit-checkpoints")
