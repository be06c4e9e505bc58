"""Officers' progress counts students waiting for the supplementary assessment apart."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocba.apps.accounts.models import Role
from hocba.apps.accounts.services import create_user
from hocba.apps.records.models import RecordVersion
from hocba.apps.reports import services

pytestmark = pytest.mark.django_db


def test_progress_shows_students_waiting_for_the_supplementary_assessment_as_their_own_count(
    client, class_3a
):
    (first, v1), _, _ = class_3a
    RecordVersion.objects.filter(pk=v1.pk).update(status=RecordVersion.Status.SUPPLEMENTARY)
    school = first.school_class.school
    user = create_user("lo", "pw-12345", role=Role.LOCAL_OFFICER, org_unit=school.org_unit.parent)
    (row,) = services.overview(user).schools
    by_name = {c.school_class.name: c.progress for c in row.classes}
    assert (by_name["3A"].supplementary, by_name["4A"].supplementary) == (1, 0)
    assert row.progress.supplementary == 1
    assert (by_name["3A"].gvcn_signed, by_name["3A"].issued) == (0, 0)
    client.force_login(user)
    body = client.get(reverse("reports:index")).content.decode()
    assert "Chờ đánh giá bổ sung <strong>1</strong>" in body
    body = client.get(reverse("reports:school", args=[school.pk])).content.decode()
    assert "Chờ đánh giá bổ sung" in body
