"""The org tree keeps a materialised path; a subtree is one prefix query."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from hocba.apps.directory import services
from hocba.apps.directory.errors import AlreadyExists, InvalidOrgTree
from hocba.apps.directory.models import OrgUnit, School

Kind = OrgUnit.Kind


def test_paths_follow_the_parents(ministry: OrgUnit, department: OrgUnit, school: School) -> None:
    node = school.org_unit
    assert ministry.path == f"/{ministry.pk}/"
    assert department.path == f"/{ministry.pk}/{department.pk}/"
    assert node.path == f"{node.parent.path}{node.pk}/"
    node.refresh_from_db()
    assert node.path.startswith(department.path)


def test_subtree_of_a_department_is_the_department_and_everything_below(
    department: OrgUnit, commune: OrgUnit, school: School
) -> None:
    other = services.create_org_unit(
        kind=Kind.DEPARTMENT, code="SGD79", name="Sở GDĐT TP Hồ Chí Minh", parent=department.parent
    )
    subtree = set(OrgUnit.objects.subtree_of(department))
    assert subtree == {department, commune, school.org_unit}
    assert other not in subtree
    assert set(OrgUnit.objects.subtree_of(school.org_unit)) == {school.org_unit}


def test_subtree_does_not_confuse_ids_with_a_common_prefix(ministry: OrgUnit) -> None:
    units = [
        services.create_org_unit(
            kind=Kind.DEPARTMENT, code=f"S{i}", name=f"Sở {i}", parent=ministry
        )
        for i in range(12)
    ]
    first = units[0]
    assert list(OrgUnit.objects.subtree_of(first)) == [first]


def test_moving_a_unit_moves_the_paths_of_all_its_descendants(
    ministry: OrgUnit, department: OrgUnit, commune: OrgUnit, school: School
) -> None:
    new_department = services.create_org_unit(
        kind=Kind.DEPARTMENT, code="SGD02", name="Sở GDĐT mới (sáp nhập)", parent=ministry
    )
    services.move_org_unit(commune, new_parent=new_department)
    commune.refresh_from_db()
    node = OrgUnit.objects.get(pk=school.org_unit_id)
    assert commune.path == f"{new_department.path}{commune.pk}/"
    assert node.path == f"{commune.path}{node.pk}/"
    assert set(OrgUnit.objects.subtree_of(new_department)) == {new_department, commune, node}
    assert set(OrgUnit.objects.subtree_of(department)) == {department}


def test_a_stale_object_still_moves_its_subtree(
    ministry: OrgUnit, department: OrgUnit, commune: OrgUnit, school: School
) -> None:
    stale_commune = OrgUnit.objects.get(pk=commune.pk)
    other = services.create_org_unit(
        kind=Kind.DEPARTMENT, code="SGD03", name="Sở khác", parent=ministry
    )
    services.move_org_unit(department, new_parent=None)  # the department runs on its own
    services.move_org_unit(stale_commune, new_parent=other)
    node = OrgUnit.objects.get(pk=school.org_unit_id)
    assert node.path == f"/{ministry.pk}/{other.pk}/{commune.pk}/{node.pk}/"


def test_a_unit_cannot_move_under_its_own_descendant(department: OrgUnit, commune: OrgUnit) -> None:
    with pytest.raises(InvalidOrgTree) as info:
        services.move_org_unit(department, new_parent=department)
    assert info.value.code == "directory.invalid_org_tree"


def test_kinds_sit_only_under_the_kinds_above_them(ministry: OrgUnit, school: School) -> None:
    with pytest.raises(InvalidOrgTree) as info:
        services.create_org_unit(
            kind=Kind.LOCAL_OFFICE, code="X1", name="UBND xã X", parent=school.org_unit
        )
    assert info.value.message_vi == (
        "Phòng GDĐT / UBND cấp xã không thể trực thuộc Trường; chỉ trực thuộc: Sở GDĐT."
    )
    with pytest.raises(InvalidOrgTree):
        services.create_org_unit(kind=Kind.MINISTRY, code="B2", name="Bộ 2", parent=ministry)
    assert not OrgUnit.objects.filter(code__in=["X1", "B2"]).exists()


def test_admin_validation_reports_a_bad_parent_on_the_parent_field(
    department: OrgUnit, commune: OrgUnit
) -> None:
    department.parent = commune
    with pytest.raises(ValidationError) as info:
        department.full_clean()
    assert "parent" in info.value.message_dict


def test_org_unit_codes_are_unique(department: OrgUnit) -> None:
    with pytest.raises(AlreadyExists):
        services.create_org_unit(kind=Kind.DEPARTMENT, code="SGD01", name="Trùng mã")


def test_valid_on_hides_units_that_ended(ministry: OrgUnit) -> None:
    import datetime as dt

    district = services.create_org_unit(
        kind=Kind.DEPARTMENT, code="OLD", name="Cũ", parent=ministry, valid_from=dt.date(2020, 1, 1)
    )
    district.valid_to = dt.date(2025, 6, 30)
    district.save()
    assert district in OrgUnit.objects.valid_on(dt.date(2024, 9, 5))
    assert district not in OrgUnit.objects.valid_on(dt.date(2025, 7, 1))
