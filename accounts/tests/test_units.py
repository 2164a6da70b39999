"""The agency's tree of units: kept per tenant, edited only by the IT officer, never a cycle, never
closed while people still work in it."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import OrgUnit
from accounts.services.units import unit_create
from core.audit import Actor
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db

ACTOR = Actor(label="test")


@pytest.fixture
def officer(tenant, make_user, sign_in):
    make_user(tenant, "itofficer", roles=("it_officer",))
    return sign_in(tenant, "itofficer")


def _unit(tenant: Any, name: str, parent: Any = None) -> OrgUnit:
    with in_tenant(tenant):
        return unit_create(actor=ACTOR, name=name, kind="division", parent=parent)


def test_unit_list_shows_no_unit_of_another_tenant(tenant, other_tenant, officer):
    _unit(tenant, "Phòng Tổng hợp")
    _unit(other_tenant, "Phòng Bí mật của B")

    names = {row["name"] for row in officer.get("/api/v1/units/").json()}
    page = officer.get("/units/").content.decode()

    assert names == {"Phòng Tổng hợp"}
    assert "Phòng Bí mật của B" not in page


def test_unit_list_query_count_does_not_grow(tenant, officer, django_assert_max_num_queries):
    parent = _unit(tenant, "Văn phòng")
    for i in range(20):
        _unit(tenant, f"Tổ {i:02d}", parent=parent)
    with django_assert_max_num_queries(12):
        assert len(officer.get("/api/v1/units/").json()) == 21
    with django_assert_max_num_queries(14):
        assert officer.get("/units/").status_code == 200


def test_units_are_read_by_heads_and_edited_only_by_the_it_officer(tenant, make_user, sign_in, officer):
    unit = _unit(tenant, "Văn phòng")
    make_user(tenant, "pho", roles=("deputy_head",))
    make_user(tenant, "vanthu", roles=("clerk",))
    deputy, clerk = sign_in(tenant, "pho"), sign_in(tenant, "vanthu")

    assert deputy.get("/units/").status_code == 200
    assert deputy.post("/units/", {"name": "Phòng mới", "kind": "division"}).status_code == 403
    assert (
        deputy.patch(
            f"/api/v1/units/{unit.uuid}/", {"name": "Đổi"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert clerk.get("/api/v1/units/").status_code == 403
    assert (
        officer.patch(
            f"/api/v1/units/{unit.uuid}/", {"name": "Văn phòng Sở"}, content_type="application/json"
        ).json()["name"]
        == "Văn phòng Sở"
    )


def test_a_unit_never_moves_under_itself(tenant, officer):
    top = _unit(tenant, "Phòng Kỹ thuật")
    team = _unit(tenant, "Tổ Mạng", parent=top)

    response = officer.patch(
        f"/api/v1/units/{top.uuid}/", {"parent_unit": str(team.uuid)}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "parent" in response.json()
    with in_tenant(tenant):
        assert OrgUnit.objects.get(pk=top.pk).parent is None


def test_a_unit_with_people_cannot_be_closed_but_an_empty_one_can(tenant, officer, make_user):
    busy = _unit(tenant, "Phòng Hành chính")
    empty = _unit(tenant, "Phòng Cũ")
    with in_tenant(tenant):
        make_user(tenant, "lananh", unit=OrgUnit.objects.get(pk=busy.pk))

    refused = officer.patch(
        f"/api/v1/units/{busy.uuid}/", {"is_active": False}, content_type="application/json"
    )
    closed = officer.post(f"/units/{empty.uuid}/", {"name": "Phòng Cũ", "kind": "division", "parent": ""})

    assert refused.status_code == 400
    assert closed.status_code == 302
    with in_tenant(tenant):
        assert OrgUnit.objects.get(pk=busy.pk).is_active
        assert not OrgUnit.objects.get(pk=empty.pk).is_active


def test_same_name_twice_at_one_level_is_refused(tenant, officer):
    _unit(tenant, "Phòng Tổng hợp")
    again = officer.post("/api/v1/units/", {"name": "phòng  tổng HỢP"}, content_type="application/json")
    assert again.status_code == 400
