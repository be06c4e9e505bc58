"""The class grids and the review page read every student's record in a fixed number of
queries: a class of 12 costs the same queries as a class of 2 (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hocba.apps.accounts.services import create_user
from hocba.apps.records.demo import load_demo_school
from hocba.demo.generate import demo_school

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-thu-nghiem-1"


def _queries(students: int, page: str) -> tuple[int, str]:
    stored = load_demo_school(
        demo_school(seed=11, classes_per_grade=1, students_per_class=students)
    )
    cls = next(e.school_class for e, _ in stored if e.school_class.grade == 3)
    user = create_user(f"gvcn-{students}", PASSWORD, role="homeroom_teacher", school_class=cls)
    client = Client()
    client.force_login(user)
    url = (
        reverse("records:subject_grid", args=[cls.pk, "TV"])
        if page == "grid"
        else reverse("records:review", args=[cls.pk])
    )
    client.get(url)  # warm caches (session, catalog) so both counts compare like with like
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert all(e.student.full_name in body for e, _ in stored if e.school_class == cls)
    return len(queries), body


@pytest.mark.parametrize("page", ["grid", "review"])
def test_the_query_count_does_not_grow_with_the_class(page):
    small, _ = _queries(2, page)
    large, _ = _queries(12, page)
    assert large == small, f"{page}: {small} queries for 2 students, {large} for 12"
    assert small < 40
