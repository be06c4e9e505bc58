"""Home-page links of the evaluation workflow for each grant (registered in ``ready``)."""

from __future__ import annotations

from django.urls import reverse

from hocba.apps.accounts.menu import Link
from hocba.apps.accounts.models import SCHOOL_LEADER_ROLES, Grant, Role
from hocba.apps.directory.models import School
from hocba.apps.records.review import catalog_of


def links(grant: Grant) -> list[Link]:
    cid = grant.school_class_id
    if grant.role == Role.SUBJECT_TEACHER and cid and grant.subject_code:
        url = reverse("records:subject_grid", args=[cid, grant.subject_code])
        catalog = catalog_of(grant.school_class) if grant.school_class else None
        spec = catalog.subject(grant.subject_code) if catalog else None
        return [Link(f"Nhập đánh giá môn {spec.name if spec else grant.subject_code}", url)]
    if grant.role == Role.HOMEROOM_TEACHER and cid:
        return [
            Link("Nhập đánh giá các môn", reverse("records:class", args=[cid])),
            Link("Phẩm chất, năng lực", reverse("records:rating_grid", args=[cid])),
            Link("Chiều cao, cân nặng, ngày nghỉ", reverse("records:summary_grid", args=[cid])),
            Link("Xem xét và chốt lớp", reverse("records:review", args=[cid])),
        ]
    if grant.role in SCHOOL_LEADER_ROLES and grant.org_unit_id:
        out = [Link("Các lớp của trường", reverse("records:classes"))]
        school = School.objects.filter(org_unit_id=grant.org_unit_id).first()
        if grant.role == Role.PRINCIPAL and school is not None:
            url = reverse("records:corrections", args=[school.pk])
            out.append(Link("Đề nghị điều chỉnh học bạ", url))
        return out
    return []
