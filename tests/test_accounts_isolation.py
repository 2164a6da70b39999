"""Accounts never cross hosts: a tenant's person is nobody on another tenant's host, API or the console;
an inspector reads the console's figures and writes nothing."""

from __future__ import annotations

import pytest

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory, bearer
from core.tenancy import in_tenant
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_user_of_tenant_a_is_refused_on_tenant_b_host_api_and_console(
    tenant, other_tenant, province, make_user, client_for, host_of
):
    lananh = bearer(make_user(tenant, "lananh", roles=("deputy_head",)), tenant=tenant)
    make_user(other_tenant, "someone_b")

    for host in (host_of(other_tenant), host_of(other_tenant, "portal"), "console.gialai.localhost"):
        browser = client_for(host)
        response = browser.post("/login/", {"username": "lananh", "password": PASSWORD})
        assert response.status_code == 200, host
        assert "_auth_user_id" not in browser.session
    # the workspace and the console have an API; lananh's token means nothing there
    for host in (host_of(other_tenant), "console.gialai.localhost"):
        assert client_for(host).get("/api/v1/me/", **lananh).status_code == 401
    assert client_for(host_of(other_tenant)).get("/api/v1/users/", **lananh).status_code == 401
    assert client_for(host_of(tenant)).get("/api/v1/users/", **lananh).status_code == 200


def test_same_account_name_in_two_tenants_are_two_people(
    tenant, other_tenant, make_user, client_for, host_of
):
    make_user(tenant, "admin2", password="mật khẩu của A 2026", roles=("deputy_head",))
    make_user(other_tenant, "admin2", password="mật khẩu của B 2026", roles=("deputy_head",))

    on_b = client_for(host_of(other_tenant))
    assert on_b.post("/login/", {"username": "admin2", "password": "mật khẩu của A 2026"}).status_code == 200
    assert on_b.post("/login/", {"username": "admin2", "password": "mật khẩu của B 2026"}).status_code == 302


def test_it_officer_of_a_cannot_manage_or_see_accounts_of_b(
    tenant, other_tenant, make_user, sign_in, host_of
):
    make_user(tenant, "itofficer", roles=("it_officer",))
    victim = make_user(other_tenant, "victim")
    browser = sign_in(tenant, "itofficer")

    # B's account UUID, sent to A's host: A's schema has no such row
    assert browser.get(f"/accounts/{victim.uuid}/").status_code == 404
    assert browser.post(f"/api/v1/users/{victim.uuid}/lock/", {"reason": "x"}).status_code == 404
    with in_tenant(other_tenant):
        assert User.objects.get(pk=victim.pk).locked_at is None


def test_inspector_reads_console_statistics_but_writes_nothing(province, tenant, signed_in, client):
    inspector = signed_in(client, UserFactory.create(tenant=province, roles=["inspector"]))

    # reads
    page = inspector.get("/statistics/")
    assert page.status_code == 200
    assert "Thống kê đơn vị" in page.content.decode()
    export = inspector.get("/statistics/export.csv")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    api = inspector.get("/api/v1/statistics/").json()
    assert api["total"] >= 1
    assert inspector.get("/").status_code == 200
    assert inspector.get("/api/v1/tenants/").status_code == 200

    # writes nothing
    assert inspector.get("/tenants/new/").status_code == 403
    assert (
        inspector.post(
            "/tenants/new/", {"name": "X", "kind": "department", "org_code": "000.00.77.H21"}
        ).status_code
        == 403
    )
    assert inspector.post(f"/tenants/{tenant.uuid}/suspend/", {"reason": "x"}).status_code == 403
    assert (
        inspector.post(
            "/api/v1/tenants/",
            {"name": "X", "kind": "department", "org_code": "000.00.77.H21"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        inspector.post(
            f"/api/v1/tenants/{tenant.uuid}/suspend/", {}, content_type="application/json"
        ).status_code
        == 403
    )
    assert inspector.get("/accounts/").status_code == 403
    assert inspector.post("/accounts/new/", {"full_name": "Nguyễn Văn A"}).status_code == 403
    assert (
        inspector.post(
            "/api/v1/users/", {"full_name": "Nguyễn Văn A"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert inspector.get("/statistics/", REQUEST_METHOD="POST").status_code in (403, 405)
    assert Tenant.objects.get(pk=tenant.pk).status == "active"
    assert not Tenant.objects.filter(org_code="000.00.77.H21").exists()
    assert not User.objects.filter(full_name="Nguyễn Văn A").exists()


def test_tenant_people_cannot_reach_console_statistics(tenant, province, make_user, client_for, host_of):
    lananh = bearer(make_user(tenant, "lananh", roles=("deputy_head",)), tenant=tenant)
    # the workspace host's /statistics/ is the agency's own (collab), never the console's figures
    own = client_for(host_of(tenant)).get("/api/v1/statistics/", **lananh)
    assert own.status_code == 200
    assert {"incoming", "outgoing", "processing"} <= set(own.json())
    assert client_for(host_of(tenant)).get("/api/v1/tenants/", **lananh).status_code == 404
    assert client_for("console.gialai.localhost").get("/api/v1/statistics/", **lananh).status_code == 401
