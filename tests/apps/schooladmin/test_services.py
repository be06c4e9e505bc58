"""The school administration services write through the directory and account services, in
one transaction each, and audit with ids only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from hocba.apps.accounts.models import Grant, Role
from hocba.apps.audit.models import AuditEvent
from hocba.apps.audit.services import verify_chain
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.errors import AlreadyExists, InvalidGrade
from hocba.apps.directory.models import SchoolClass, Staff
from hocba.apps.schooladmin import services
from hocba.apps.schooladmin.errors import InvalidSubject, UsernameTaken

pytestmark = pytest.mark.django_db


def test_a_class_refused_after_its_new_teacher_was_made_leaves_no_teacher_behind(world):
    actor = world["users"]["principal"]
    users, staff = get_user_model().objects.count(), Staff.objects.count()
    with pytest.raises(AlreadyExists):
        services.create_class(
            actor, world["school"], school_year=world["year"], grade=1, name="1A",
            new_teacher=services.NewTeacher("Lê Minh", "gv.minh"),
        )  # fmt: skip
    with pytest.raises(InvalidGrade):
        services.create_class(
            actor, world["school"], school_year=world["year"], grade=7, name="7A",
            new_teacher=services.NewTeacher("Lê Minh", "gv.minh"),
        )  # fmt: skip
    assert (get_user_model().objects.count(), Staff.objects.count()) == (users, staff)


def test_a_taken_username_is_refused_whatever_its_case(world):
    with pytest.raises(UsernameTaken):
        services.create_parent_account(
            world["users"]["principal"], world["school"], student=world["student"],
            username="Parent", full_name="Ai Đó",
        )  # fmt: skip


def test_a_subject_outside_the_grade_s_catalog_is_refused(world):
    with pytest.raises(InvalidSubject):
        services.assign_subject_teacher(
            world["users"]["principal"], world["class"], subject_code="XYZ", staff=world["staff"]
        )
    assert not Grant.objects.filter(role=Role.SUBJECT_TEACHER).exists()


def test_creating_a_class_audits_ids_only_and_keeps_the_chain_intact(world):
    actor = world["users"]["principal"]
    result = services.create_class(
        actor, world["school"], school_year=world["year"], grade=3, name="3A",
        new_teacher=services.NewTeacher("Vũ Thị Hằng", "gv.hang"),
    )  # fmt: skip
    cls = SchoolClass.objects.get(name="3A")
    event = AuditEvent.objects.get(tag=EventTag.DIRECTORY_CLASS_CREATED)
    assert event.actor_id == actor.pk and event.subject_id == str(cls.pk)
    assert event.scope_path == world["school"].org_unit.path
    assert "Hằng" not in str(event.data) and result.account.password not in str(event.data)
    assert verify_chain() is None
