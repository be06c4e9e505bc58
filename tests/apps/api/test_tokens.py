"""Token lifecycle: created (shown once, only a SHA-256 at rest), used, revoked (401 from then
on); creating and revoking are audited without the secret; the CLI does the same."""

from __future__ import annotations

import hashlib

from click.testing import CliRunner

from hocba.apps.api import services
from hocba.apps.api.models import ApiToken
from hocba.apps.audit.models import AuditEvent
from hocba.cli import main
from tests.apps.api.conftest import ApiClient, assert_error

BASE = "/api/v1"


def test_only_the_hash_of_the_secret_is_stored(world):
    prefix, secret = world.token.split("_", 2)[1:]
    row = ApiToken.objects.get(prefix=prefix)
    assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.values_list())
    assert secret not in stored and world.token not in stored
    assert len(secret) >= 43  # 32 random bytes, base64


def test_create_use_revoke(world):
    token, raw = services.create_token(world.school, "  Phần mềm   C ")
    assert token.name == "Phần mềm C" and raw.startswith(f"hocba_{token.prefix}_")
    client = ApiClient(raw)
    assert client.get(f"{BASE}/classes").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert services.revoke_token(token) is True
    assert services.revoke_token(token) is False  # already revoked: nothing written
    assert_error(client.get(f"{BASE}/classes"), 401, "unauthorized")
    assert ApiClient(world.token).get(f"{BASE}/classes").status_code == 200  # others unaffected


def test_token_events_are_audited_without_the_secret(world):
    token, raw = services.create_token(world.school, "Phần mềm D")
    services.revoke_token(token)
    events = AuditEvent.objects.filter(tag__startswith="api:token:", subject_id=str(token.pk))
    assert [e.tag for e in events.order_by("seq")] == ["api:token:created", "api:token:revoked"]
    assert all(e.data["prefix"] == token.prefix for e in events)
    assert all(e.scope_path == world.school.org_unit.path for e in events)
    dumped = " ".join(str(e.data) for e in AuditEvent.objects.all())
    assert raw.split("_", 2)[2] not in dumped


def test_a_token_needs_a_name(world):
    for name in ("", "   ", "x" * 101):
        try:
            services.create_token(world.school, name)
        except services.TokenRefused as exc:
            assert exc.message_vi
        else:
            raise AssertionError(f"name {name!r} was accepted")


def test_cli_create_list_revoke(world):
    runner = CliRunner()
    created = runner.invoke(main, ["token", "create", "--school", world.school.school_code,
                                   "--name", "Phần mềm CLI"])  # fmt: skip
    assert created.exit_code == 0, created.output
    raw = created.stdout.strip().splitlines()[-1]
    assert ApiClient(raw).get(f"{BASE}/classes").status_code == 200
    prefix = raw.split("_")[1]
    listed = runner.invoke(main, ["token", "list", "--school", world.school.school_code])
    assert listed.exit_code == 0 and f"hocba_{prefix}_…" in listed.output
    assert raw.split("_", 2)[2] not in listed.output and "Phần mềm CLI" in listed.output
    revoked = runner.invoke(main, ["token", "revoke", "--school", world.school.school_code,
                                   prefix])  # fmt: skip
    assert revoked.exit_code == 0 and "Đã thu hồi" in revoked.output
    assert_error(ApiClient(raw).get(f"{BASE}/classes"), 401)
    # another school's token cannot be revoked through this school
    other_prefix = world.other_token.split("_")[1]
    refused = runner.invoke(main, ["token", "revoke", "--school", world.school.school_code,
                                   other_prefix])  # fmt: skip
    assert refused.exit_code == 2
    assert ApiClient(world.other_token).get(f"{BASE}/classes").status_code == 200
    unknown = runner.invoke(main, ["token", "list", "--school", "NOPE"])
    assert unknown.exit_code == 2
