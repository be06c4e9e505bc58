"""A token's authority is decided by the one policy: a ``SchoolAgent`` holds the school's data
permissions on its own school only, never the people's acts (sign, seal, finalise, unlock)."""

from __future__ import annotations

from hocba.apps.accounts import policy
from hocba.apps.accounts.permissions import Permission as P
from hocba.apps.accounts.policy import AGENT_PERMISSIONS, SchoolAgent
from hocba.apps.directory.models import Enrolment, SchoolClass


def test_agent_permissions_on_its_own_school_only(world):
    agent = SchoolAgent(school=world.school, label="api:test")
    enrolment = Enrolment.objects.filter(school_class=world.cls).first()
    theirs = Enrolment.objects.filter(school_class=world.other_cls).first()
    for perm in P:
        expected = perm in AGENT_PERMISSIONS
        assert policy.can(agent, perm, world.cls) is expected, perm
        assert policy.can(agent, perm, enrolment) is expected, perm
        assert policy.can(agent, perm, world.other_cls) is False, perm
        assert policy.can(agent, perm, theirs) is False, perm
    for never in (
        P.CLASS_RECORD_SIGN,
        P.SCHOOL_RECORD_SEAL,
        P.SCHOOL_RECORD_SIGN,
        P.CLASS_RECORD_FINALISE,
        P.SCHOOL_CLASS_UNLOCK,
        P.SCHOOL_API_TOKEN_MANAGE,
    ):
        assert never not in AGENT_PERMISSIONS  # fmt: skip


def test_agent_lists_are_its_school(world):
    agent = SchoolAgent(school=world.school, label="api:test")
    assert set(policy.classes_visible_to(agent)) == set(
        SchoolClass.objects.filter(school=world.school)
    )
    assert not policy.enrolments_visible_to(agent).filter(school_class=world.other_cls).exists()
    assert list(policy.schools_visible_to(agent)) == [world.school]
    assert policy.grants_of(agent) == []
