"""The audit log is a hash chain: altering, deleting or reordering any row is detected."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.db import connection

from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.services import record, verify_chain
from hocba.apps.audit.tags import EventTag
from hocba.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(django_user_model):
    user = django_user_model.objects.create_user("gvcn1a", password="x")
    for i in range(6):
        record(
            EventTag.EVALUATION_SUBJECT_CHANGED,
            actor=user,
            subject=user,
            scope_path="/1/2/",
            data={"enrolment": i, "fields": ["level"]},
        )
    return list(AuditEvent.objects.order_by("seq"))


def run_cli():
    result = CliRunner().invoke(main, ["audit", "verify"])
    return result.exit_code, result.output


def test_an_untouched_chain_verifies(chain):
    assert verify_chain() is None
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]


def test_the_cli_says_intact_and_exits_0(chain):
    code, output = run_cli()
    assert code == 0 and "nguyên vẹn: 6 sự kiện" in output


def test_an_altered_row_is_named(chain):
    AuditEvent.objects.filter(seq=3).update(data={"enrolment": 99, "fields": ["level"]})
    broken = verify_chain()
    assert (broken.seq, broken.kind) == (3, "content")
    code, output = run_cli()
    assert code == 1 and "#3" in output and "bị sửa" in output


def test_an_altered_timestamp_or_actor_is_detected(chain):
    AuditEvent.objects.filter(seq=2).update(actor_id=None)
    assert verify_chain().seq == 2


def test_a_deleted_row_is_named(chain):
    AuditEvent.objects.filter(seq=4).delete()
    broken = verify_chain()
    assert (broken.seq, broken.kind) == (4, "missing")
    code, output = run_cli()
    assert code == 1 and "#4" in output


def test_deleting_the_last_rows_and_renumbering_is_detected(chain):
    # An attacker deletes row 2 and renumbers the rest so the sequence has no gap.
    AuditEvent.objects.filter(seq=2).delete()
    for seq in range(3, 7):
        AuditEvent.objects.filter(seq=seq).update(seq=seq - 1)
    broken = verify_chain()
    assert (broken.seq, broken.kind) == (2, "link")


def test_reordered_rows_are_detected(chain):
    # Swap the sequence numbers of rows 2 and 5 directly in the table.
    table = AuditEvent._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET seq = 1000 WHERE seq = 2")
        cur.execute(f"UPDATE {table} SET seq = 2 WHERE seq = 5")
        cur.execute(f"UPDATE {table} SET seq = 5 WHERE seq = 1000")
    broken = verify_chain()
    assert broken is not None and broken.seq == 2
    assert run_cli()[0] == 1


def test_rows_hold_ids_not_personal_data(chain):
    assert chain[0].actor_label == "gvcn1a"
    assert set(chain[0].data) == {"enrolment", "fields"}
