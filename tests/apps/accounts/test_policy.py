"""One policy decides (DOMAIN §3, DESIGN "Security model"): each allow is paired with a deny
for someone one step outside the scope."""

from __future__ import annotations

import pytest

from hocba.apps.accounts import policy
from hocba.apps.accounts.models import Grant, Role
from hocba.apps.accounts.permissions import Permission as P
from hocba.apps.accounts.services import add_grant, create_user, revoke_grant
from hocba.apps.audit.models import AuditEvent
from hocba.apps.directory import services as directory
from hocba.apps.directory.models import Enrolment, OrgUnit
from hocba.apps.records.demo import load_demo_school
from hocba.demo.generate import demo_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """The demo school (1 class per grade, 2 students each) and a second school in another
    department."""
    load_demo_school(demo_school(seed=1, classes_per_grade=1, students_per_class=2))
    ministry = OrgUnit.objects.get(kind="ministry")
    other_dept = directory.create_org_unit(
        kind="department", code="SGD-79", name="Sở GDĐT TP.HCM", parent=ministry
    )
    other_local = directory.create_org_unit(
        kind="local_office", code="UBND-79-1", name="UBND phường Bến Thành", parent=other_dept
    )
    other_school = directory.create_school(
        parent=other_local, school_code="79000001", name="Trường Tiểu học Bến Thành"
    )
    enrolments = list(
        Enrolment.objects.filter(school_class__school_year__code="2024-2025").select_related(
            "school_class__school__org_unit", "student"
        )
    )
    return {"enrolments": enrolments, "other_school": other_school, "ministry": ministry}


def user(role, **scope):
    n = Grant.objects.count()
    return create_user(f"u{n}-{role}", "mật-khẩu-dài-123", role=role, **scope)


def in_class(world, grade):
    return [e for e in world["enrolments"] if e.school_class.grade == grade]


def test_a_homeroom_teacher_sees_and_signs_only_their_class(world):
    mine, other = in_class(world, 1)[0], in_class(world, 2)[0]
    gvcn = user(Role.HOMEROOM_TEACHER, school_class=mine.school_class)
    assert policy.can(gvcn, P.CLASS_RECORD_SIGN, mine.school_class)
    assert not policy.can(gvcn, P.CLASS_RECORD_SIGN, other.school_class)
    assert set(policy.enrolments_visible_to(gvcn)) == set(in_class(world, 1))
    assert not policy.can(gvcn, P.SCHOOL_RECORD_SIGN, mine.school_class.school)


def test_a_subject_teacher_edits_only_their_subject_in_their_class(world):
    cls = in_class(world, 3)[0].school_class
    teacher = user(Role.SUBJECT_TEACHER, school_class=cls, subject_code="NN1")
    assert policy.can(teacher, P.CLASS_EVALUATION_EDIT, cls, subject="NN1")
    assert not policy.can(teacher, P.CLASS_EVALUATION_EDIT, cls, subject="TOAN")
    assert not policy.can(teacher, P.CLASS_RECORD_FINALISE, cls)
    other = in_class(world, 4)[0].school_class
    assert not policy.can(teacher, P.CLASS_EVALUATION_EDIT, other, subject="NN1")


def test_the_principal_signs_their_school_not_another(world):
    school = world["enrolments"][0].school_class.school
    principal = user(Role.PRINCIPAL, org_unit=school.org_unit)
    assert policy.can(principal, P.SCHOOL_RECORD_SEAL, school)
    assert not policy.can(principal, P.SCHOOL_RECORD_SEAL, world["other_school"])
    assert policy.schools_visible_to(principal).get() == school


def test_a_vice_principal_reviews_but_does_not_sign_or_unlock(world):
    school = world["enrolments"][0].school_class.school
    vice = user(Role.VICE_PRINCIPAL, org_unit=school.org_unit)
    assert policy.can(vice, P.CLASS_RECORD_REVIEW, world["enrolments"][0].school_class)
    assert not policy.can(vice, P.SCHOOL_RECORD_SIGN, school)
    assert not policy.can(vice, P.SCHOOL_CLASS_UNLOCK, school)


def test_officers_read_their_subtree_and_never_edit(world):
    school = world["enrolments"][0].school_class.school
    department = school.org_unit.parent.parent
    officer = user(Role.DEPARTMENT_OFFICER, org_unit=department)
    assert policy.can(officer, P.SUBTREE_PROGRESS_VIEW, school)
    assert policy.can(officer, P.STUDENT_RECORD_VIEW, world["enrolments"][0])
    assert not policy.can(officer, P.SUBTREE_PROGRESS_VIEW, world["other_school"])
    assert not policy.can(officer, P.CLASS_EVALUATION_EDIT, world["enrolments"][0].school_class)
    assert not policy.can(officer, P.STUDENT_PERSONAL_ID_VIEW, world["enrolments"][0])
    ministry = user(Role.MINISTRY_OFFICER, org_unit=world["ministry"])
    assert policy.can(ministry, P.SUBTREE_PROGRESS_VIEW, world["other_school"])
    everything_in_school = Enrolment.objects.filter(school_class__school=school).count()
    assert policy.enrolments_visible_to(officer).count() == everything_in_school


def test_a_parent_sees_only_their_child(world):
    child, other = world["enrolments"][0], world["enrolments"][1]
    parent = user(Role.PARENT, student=child.student)
    assert policy.can(parent, P.STUDENT_RECORD_VIEW, child)
    assert not policy.can(parent, P.STUDENT_RECORD_VIEW, other)
    assert list(policy.enrolments_visible_to(parent)) == [child]
    assert policy.classes_visible_to(parent).count() == 0


def test_a_user_without_grants_or_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    nobody = create_user("nobody", "mật-khẩu-dài-123")
    for who in (nobody, AnonymousUser()):
        assert policy.enrolments_visible_to(who).count() == 0
        assert not policy.can(who, P.STUDENT_RECORD_VIEW, world["enrolments"][0])


def test_a_revoked_grant_stops_working_and_both_changes_are_audited(world):
    cls = world["enrolments"][0].school_class
    gvcn = user(Role.HOMEROOM_TEACHER, school_class=cls)
    assert policy.can(gvcn, P.CLASS_RECORD_SIGN, cls)
    revoke_grant(gvcn.grants.get())
    assert not policy.can(gvcn, P.CLASS_RECORD_SIGN, cls)
    tags = list(AuditEvent.objects.values_list("tag", flat=True))
    assert "account:grant:added" in tags and "account:grant:revoked" in tags


def test_django_has_perm_agrees_with_the_policy(world):
    cls = world["enrolments"][0].school_class
    gvcn = user(Role.HOMEROOM_TEACHER, school_class=cls)
    assert gvcn.has_perm("class:record:sign", cls)
    assert not gvcn.has_perm("class:record:sign", in_class(world, 5)[0].school_class)


def test_permissions_are_alphabetised_and_documented():
    from pathlib import Path

    values = [p.value for p in P]
    assert values == sorted(values)
    docs = (Path(__file__).parents[3] / "docs" / "permissions.md").read_text("utf-8")
    assert [v for v in values if f"`{v}`" not in docs] == []


def test_add_grant_refuses_an_unknown_role(world):
    with pytest.raises(ValueError):
        add_grant(create_user("x", "mật-khẩu-dài-123"), role="janitor")
