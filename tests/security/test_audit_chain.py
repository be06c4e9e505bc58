"""Issue #11, finding 8: the audit chain covers every column and its end cannot be cut off.

Before the fix ``actor_label`` (who acted; the only trace of which API token acted) was outside
the row hash, and deleting the last rows left a perfect, shorter chain. Now every column is
hashed (formula v2, old rows keep v1) and signed checkpoints of the head, kept in a file
outside the database, make ``hocba audit verify`` notice rows cut off after a checkpoint.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from django.db import connection, transaction

from hocba.apps.audit import chain, checkpoints
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.services import record, verify_chain
from hocba.apps.audit.tags import EventTag
from hocba.cli import main

pytestmark = pytest.mark.django_db

KEY = "k" * 64


@pytest.fixture(autouse=True)
def checkpoint_settings(settings, tmp_path):
    settings.HOCBA_AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.HOCBA_AUDIT_CHECKPOINT_KEY = KEY
    settings.HOCBA_AUDIT_CHECKPOINT_EVERY = "0"
    return settings


@pytest.fixture
def token_agent(django_user_model):
    # An API token acts as an agent whose username is the token's label: the only trace of it.
    return django_user_model.objects.create_user("token:abc123", password="x")


@pytest.fixture
def log(token_agent):
    for i in range(6):
        record(
            EventTag.RECORD_VIEWED, actor=token_agent, subject=token_agent,
            scope_path="/1/2/", data={"version": i, "channel": "api"},
        )  # fmt: skip
    return list(AuditEvent.objects.order_by("seq"))


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", *args])
    return result.exit_code, result.output


def checkpoint_lines() -> list[dict]:
    path = checkpoints.checkpoint_dir() / checkpoints.FILE_NAME
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


# --- every column is hashed ------------------------------------------------------------


def test_every_column_of_an_audit_row_is_in_the_hash_or_deliberately_left_out():
    columns = {f.attname for f in AuditEvent._meta.concrete_fields}
    hashed, left_out = set(chain.HASHED_FIELDS_V2), set(chain.NOT_HASHED)
    assert hashed.isdisjoint(left_out)
    # A new column fails here until it is hashed (a new formula version) or justified.
    assert columns == hashed | left_out
    assert left_out == {"id", "hash"}


def test_a_changed_actor_label_is_detected_by_hocba_audit_verify(log):
    AuditEvent.objects.filter(seq=3).update(actor_label="hieutruong")
    assert (verify_chain().seq, verify_chain().kind) == (3, "content")
    code, output = cli("verify")
    assert code == 1 and "#3" in output and "bị sửa" in output


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("at", "2020-01-01T00:00:00+00:00"),
        ("tag", "account:login:succeeded"),
        ("actor_id", None),
        ("actor_label", ""),
        ("subject_type", "Other"),
        ("subject_id", "999"),
        ("scope_path", "/9/"),
        ("data", {"version": 0, "channel": "web"}),
        ("hash_version", 1),
    ],
)
def test_editing_any_stored_column_of_a_row_breaks_the_chain_at_that_row(log, column, value):
    AuditEvent.objects.filter(seq=4).update(**{column: value})
    broken = verify_chain()
    assert broken is not None and broken.seq == 4


def test_downgrading_a_row_to_the_v1_formula_with_a_fresh_v1_hash_is_detected(log):
    # v1 leaves actor_label out; marking a v2 row v1 and re-hashing it must not launder an edit.
    row = log[-1]
    fields = {**_stored(row), "actor_label": "someone-else", "hash_version": 1}
    AuditEvent.objects.filter(seq=row.seq).update(
        actor_label="someone-else", hash_version=1, hash=chain.row_hash(1, fields)
    )
    broken = verify_chain()
    assert (broken.seq, broken.kind) == (row.seq, "version")


# --- v1 rows (written before the fix) still verify ----------------------------------------


def _stored(event):
    return {f.attname: getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields}


def _legacy_rows(n: int) -> None:
    """Rows as the old code wrote them: formula v1 (no actor_label), marked v1 by the migration."""
    prev = chain.GENESIS
    for seq in range(1, n + 1):
        event = AuditEvent(
            seq=seq, at=_now(), tag="account:login:succeeded", actor_id=7,
            actor_label="gvcn1a", subject_type="User", subject_id="7", scope_path="",
            data={"n": seq}, prev_hash=prev, hash_version=1,
        )  # fmt: skip
        event.hash = chain.row_hash(1, _stored(event))
        event.save()
        prev = event.hash


def _now():
    from django.utils import timezone

    return timezone.now()


def test_the_v1_formula_gives_the_digest_the_old_code_gave():
    # Digest computed with ``row_hash`` of the code before this change (commit a9040a2).
    fields = {
        "seq": 42, "at": dt.datetime(2026, 11, 29, 3, 43, 1, 123456, tzinfo=dt.UTC),
        "tag": "record:version:viewed", "actor_id": 7, "actor_label": "not hashed in v1",
        "subject_type": "RecordVersion", "subject_id": "12", "scope_path": "/1/2/",
        "data": {"z": 1, "a": ["Điểm", 2.5], "n": None}, "prev_hash": "ab" * 32,
    }  # fmt: skip
    old = "c205bcbe9e4b08a8c981d5fd6bfca7309d312afd9e7b4b2064c2ea36637ee8e7"
    assert chain.row_hash(1, fields) == old
    assert chain.row_hash(2, {**fields, "hash_version": 2}) != old


def test_v1_rows_still_verify_and_new_rows_continue_the_chain_with_v2(token_agent):
    _legacy_rows(3)
    record(EventTag.RECORD_VIEWED, actor=token_agent, data={"channel": "api"})
    versions = list(AuditEvent.objects.order_by("seq").values_list("hash_version", flat=True))
    assert versions == [1, 1, 1, 2]
    assert verify_chain() is None
    assert cli("verify")[0] == 0


def test_an_altered_v1_row_is_still_detected_by_its_own_formula(token_agent):
    _legacy_rows(3)
    AuditEvent.objects.filter(seq=2).update(data={"n": 99})
    assert verify_chain().seq == 2


def test_a_v1_row_after_a_v2_row_is_refused(token_agent):
    record(EventTag.RECORD_VIEWED, actor=token_agent)
    head = AuditEvent.objects.get()
    event = AuditEvent(
        seq=2, at=_now(), tag="account:login:succeeded", actor_id=None, actor_label="",
        subject_type="", subject_id="", scope_path="", data={}, prev_hash=head.hash,
        hash_version=1,
    )  # fmt: skip
    event.hash = chain.row_hash(1, _stored(event))
    event.save()
    assert (verify_chain().seq, verify_chain().kind) == (2, "version")


# --- truncation: signed checkpoints outside the database ---------------------------------


def test_cutting_off_the_last_rows_after_a_checkpoint_is_detected(log):
    assert cli("checkpoint")[0] == 0
    AuditEvent.objects.filter(seq__gte=5).delete()
    assert verify_chain() is None  # the chain alone cannot tell: 4 rows, perfectly linked
    code, output = cli("verify")
    assert code == 1 and "#5–#6" in output and "bị cắt" in output


def test_an_edit_and_a_cut_end_are_both_reported(log):
    assert cli("checkpoint")[0] == 0
    AuditEvent.objects.filter(seq=2).update(actor_label="someone-else")
    AuditEvent.objects.filter(seq__gte=5).delete()
    code, output = cli("verify")
    assert code == 1 and "#2" in output and "#5–#6" in output


def test_deleting_every_row_after_a_checkpoint_is_detected(log):
    assert cli("checkpoint")[0] == 0
    AuditEvent.objects.all().delete()
    code, output = cli("verify")
    assert code == 1 and "#1–#6" in output


def test_deleting_a_middle_row_is_detected(log):
    assert cli("checkpoint")[0] == 0
    AuditEvent.objects.filter(seq=3).delete()
    code, output = cli("verify")
    assert code == 1 and "#3" in output and "xóa" in output


def test_rewriting_the_whole_chain_after_an_edit_is_caught_by_the_checkpoint(log):
    # The attacker edits row 2 and recomputes every later hash: a valid chain, another head.
    assert cli("checkpoint")[0] == 0
    prev = log[0].hash
    for event in AuditEvent.objects.order_by("seq")[1:]:
        if event.seq == 2:
            event.actor_label = "someone-else"
        event.prev_hash = prev
        event.hash = chain.row_hash(2, _stored(event))
        event.save()
        prev = event.hash
    code, output = cli("verify")
    assert code == 1 and "#6" in output and "điểm chốt" in output


def test_rows_appended_after_a_checkpoint_verify(log, token_agent):
    assert cli("checkpoint")[0] == 0
    record(EventTag.RECORD_VIEWED, actor=token_agent)
    code, output = cli("verify")
    assert code == 0 and "7 sự kiện" in output and "1 điểm chốt khớp" in output


def test_a_checkpoint_signed_with_another_key_is_refused(log, checkpoint_settings):
    assert cli("checkpoint")[0] == 0
    checkpoint_settings.HOCBA_AUDIT_CHECKPOINT_KEY = "not-the-key"
    checkpoints.append(100, 100, "f" * 64)  # claims rows the log never had
    checkpoint_settings.HOCBA_AUDIT_CHECKPOINT_KEY = KEY
    found = checkpoints.read()
    assert [cp.seq for cp in found.checkpoints] == [6] and [n for n, _ in found.refused] == [2]
    code, output = cli("verify")
    assert code == 1 and "dòng 2" in output and "GIẢ MẠO" in output
    assert "bị cắt" not in output  # the forged head is not believed either


def test_an_edited_checkpoint_line_is_refused(log):
    assert cli("checkpoint")[0] == 0
    path = checkpoints.checkpoint_dir() / checkpoints.FILE_NAME
    line = checkpoint_lines()[0]
    line["count"], line["seq"] = 3, 3  # hide rows 4..6 from the checkpoint
    path.write_text(json.dumps(line) + "\n", "utf-8")
    code, output = cli("verify")
    assert code == 1 and "dòng 1" in output


def test_verify_without_the_key_cannot_judge_checkpoints_and_exits_2(log, checkpoint_settings):
    assert cli("checkpoint")[0] == 0
    checkpoint_settings.HOCBA_AUDIT_CHECKPOINT_KEY = ""  # and no key file under HOCBA_HOME
    checkpoint_settings.HOCBA_HOME = checkpoints.checkpoint_dir().parent
    code, output = cli("verify")
    assert code == 2 and "khóa" in output


def test_the_checkpoint_command_appends_a_signed_head_without_touching_earlier_lines(log):
    assert cli("checkpoint")[0] == 0
    first = checkpoint_lines()
    code, output = cli("checkpoint")
    assert code == 0 and "6 sự kiện, dòng cuối #6" in output
    lines = checkpoint_lines()
    assert lines[0] == first[0]
    assert len(lines) == 2 and lines[0] == {
        **lines[1],
        "at": lines[0]["at"],
        "mac": lines[0]["mac"],
    }
    assert {k: lines[1][k] for k in ("count", "seq", "hash")} == {
        "count": 6, "seq": 6, "hash": log[-1].hash,
    }  # fmt: skip
    mode = (checkpoints.checkpoint_dir() / checkpoints.FILE_NAME).stat().st_mode & 0o777
    assert mode == 0o600


def test_an_empty_log_can_be_checkpointed_and_then_verifies():
    assert cli("checkpoint")[0] == 0
    assert checkpoint_lines()[0]["seq"] == 0
    assert cli("verify")[0] == 0


def test_a_checkpoint_is_written_every_n_events_once_committed(
    checkpoint_settings, token_agent, django_capture_on_commit_callbacks
):
    checkpoint_settings.HOCBA_AUDIT_CHECKPOINT_EVERY = "3"
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(7):
            record(EventTag.RECORD_VIEWED, actor=token_agent)
    assert [(cp["seq"], cp["count"]) for cp in checkpoint_lines()] == [(3, 3), (6, 6)]
    AuditEvent.objects.filter(seq__gte=6).delete()
    assert cli("verify")[0] == 1


def test_a_rolled_back_event_leaves_no_checkpoint(checkpoint_settings, token_agent):
    checkpoint_settings.HOCBA_AUDIT_CHECKPOINT_EVERY = "1"

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        record(EventTag.RECORD_VIEWED, actor=token_agent)
        raise Abort
    assert not (checkpoints.checkpoint_dir() / checkpoints.FILE_NAME).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_appenders_keep_one_chain_and_checkpoints_match_it(checkpoint_settings):
    import threading

    checkpoint_settings.HOCBA_AUDIT_CHECKPOINT_EVERY = "4"
    threads_n = 4 if connection.vendor == "postgresql" else 1  # see tests/apps/audit
    start = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def append() -> None:
        try:
            start.wait()
            for i in range(6):
                record(EventTag.ACCOUNT_USER_CREATED, data={"i": i})
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=append) for _ in range(threads_n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    total = 6 * threads_n
    assert sorted(cp["seq"] for cp in checkpoint_lines()) == list(range(4, total + 1, 4))
    found = checkpoints.read()
    assert found.refused == [] and verify_chain(against=found.checkpoints) is None


def test_every_checkpoint_setting_is_documented():
    import re
    from pathlib import Path

    source = Path(checkpoints.__file__).read_text("utf-8")
    names = set(re.findall(r'"(HOCBA_[A-Z_]+)"', source))
    docs = Path(__file__).parents[2] / "docs"
    settings_md = (docs / "settings.md").read_text("utf-8")
    assert names == {
        "HOCBA_AUDIT_CHECKPOINT_DIR", "HOCBA_AUDIT_CHECKPOINT_EVERY", "HOCBA_AUDIT_CHECKPOINT_KEY",
    }  # fmt: skip
    assert {n for n in names if f"`{n}`" not in settings_md} == set()
    assert "## `hocba audit checkpoint`" in (docs / "cli.md").read_text("utf-8")


def test_the_audit_models_and_migrations_agree():
    from django.core.management import call_command

    call_command("makemigrations", "audit", check=True, dry_run=True, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_rows_written_before_it_v1_and_they_verify():
    from django.db.migrations.executor import MigrationExecutor

    before = [("audit", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_event = executor.loader.project_state(before).apps.get_model("audit", "AuditEvent")
        fields = {
            "seq": 1, "at": _now(), "tag": "account:login:succeeded", "actor_id": 7,
            "actor_label": "gvcn1a", "subject_type": "", "subject_id": "", "scope_path": "",
            "data": {"n": 1}, "prev_hash": chain.GENESIS,
        }  # fmt: skip
        old_event.objects.create(**fields, hash=chain.row_hash(1, fields))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert AuditEvent.objects.get().hash_version == 1
    assert verify_chain() is None


def test_without_a_configured_key_one_is_generated_once_under_hocba_home(
    log, checkpoint_settings, tmp_path
):
    checkpoint_settings.HOCBA_AUDIT_CHECKPOINT_KEY = ""
    checkpoint_settings.HOCBA_HOME = tmp_path / "home"
    (tmp_path / "home").mkdir()
    assert cli("checkpoint")[0] == 0
    key_file = tmp_path / "home" / checkpoints.KEY_FILE
    key = key_file.read_text("ascii").strip()
    assert len(bytes.fromhex(key)) == 32 and key_file.stat().st_mode & 0o777 == 0o600
    assert cli("checkpoint")[0] == 0 and key_file.read_text("ascii").strip() == key
    assert cli("verify")[0] == 0
    key_file.write_text("f" * 64 + "\n", "ascii")  # someone swaps the key: lines no longer hold
    assert cli("verify")[0] == 1
