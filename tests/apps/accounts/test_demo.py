"""Demo accounts are the demo school's people: each GVCN's and the principal's staff row is
linked to their login (the school page used to say every GVCN had no account)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hocba.apps.accounts.demo import create_demo_accounts
from hocba.apps.directory.models import SchoolClass, Staff
from hocba.apps.records.demo import load_demo_school
from hocba.demo.generate import demo_school

pytestmark = pytest.mark.django_db
NO_ACCOUNT = "(chưa có tài khoản)"


@pytest.fixture
def demo_db(db):
    load_demo_school(demo_school(seed=11, classes_per_grade=1, students_per_class=1))
    create_demo_accounts()


def test_every_current_gvcn_staff_member_is_linked_to_their_demo_login(demo_db):
    classes = SchoolClass.objects.filter(school_year__code="2024-2025").select_related(
        "homeroom_teacher__user"
    )
    assert classes
    for cls in classes:
        user = cls.homeroom_teacher.user
        assert user is not None and user.username == f"gvcn{cls.name.lower()}"
        assert user.get_full_name() == cls.homeroom_teacher.full_name


def test_the_principal_staff_member_is_the_hieutruong_login(demo_db):
    principal = Staff.objects.get(position=Staff.Position.PRINCIPAL)
    assert principal.user is not None and principal.user.username == "hieutruong"
    assert principal.user.get_full_name() == principal.full_name


def test_the_school_page_no_longer_says_the_demo_gvcn_have_no_account(demo_db):
    principal = Staff.objects.get(position=Staff.Position.PRINCIPAL)
    client = Client()
    client.force_login(principal.user)
    page = client.get(reverse("schooladmin:school", args=[principal.school_id])).text
    cls = SchoolClass.objects.filter(school_year__code="2024-2025").first()
    assert cls.homeroom_teacher.full_name in page
    assert NO_ACCOUNT not in page


def test_creating_the_accounts_again_links_the_new_logins(demo_db):
    create_demo_accounts()
    cls = SchoolClass.objects.filter(school_year__code="2024-2025").first()
    cls.homeroom_teacher.refresh_from_db()
    assert cls.homeroom_teacher.user.username == f"gvcn{cls.name.lower()}"
