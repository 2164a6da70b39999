"""Tenant isolation through real hosts: the rule is that no request ever sees another tenant's data."""

from __future__ import annotations

import pytest

from accounts.tests.factories import bearer
from core.tenancy import in_tenant
from tenants import services
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def test_row_created_in_tenant_a_is_invisible_from_tenant_b_host_and_api(
    tenant, other_tenant, make_user, client_for, host_of
):
    # given: an account that exists only in tenant A, and an admin in each tenant
    make_user(tenant, "alice", full_name="Nguyễn Thị An")
    admin_a = make_user(tenant, "admin_a", roles=("deputy_head",))
    admin_b = make_user(other_tenant, "admin_b", roles=("deputy_head",))

    # when: each admin lists accounts through its own host's API
    seen_by_b = client_for(host_of(other_tenant)).get(
        "/api/v1/users/", **bearer(admin_b, tenant=other_tenant)
    )
    seen_by_a = client_for(host_of(tenant)).get("/api/v1/users/", **bearer(admin_a, tenant=tenant))

    # then
    assert seen_by_b.status_code == 200
    assert "alice" not in {row["username"] for row in seen_by_b.json()["results"]}
    assert "alice" in {row["username"] for row in seen_by_a.json()["results"]}


def test_user_of_tenant_a_cannot_sign_in_on_tenant_b_host(
    tenant, other_tenant, make_user, client_for, host_of
):
    alice = make_user(tenant, "alice")

    on_b = client_for(host_of(other_tenant))
    response = on_b.post("/login/", {"username": "alice", "password": PASSWORD})
    api = on_b.get("/api/v1/me/", **bearer(alice, tenant=tenant))

    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in on_b.session
    assert api.status_code in (401, 403)


def test_session_from_tenant_a_is_not_accepted_on_tenant_b(
    tenant, other_tenant, make_user, client_for, host_of
):
    make_user(tenant, "alice")
    browser = client_for(host_of(tenant))
    assert browser.post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    assert browser.get("/").status_code == 200

    # the same cookie jar, sent to tenant B's host (the test client does not scope cookies by host)
    response = browser.get("/", HTTP_HOST=host_of(other_tenant))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "host", ["nope.gialai.localhost", "evil.example.com", "127.0.0.1", "gialai.localhost.evil"]
)
def test_unknown_host_gets_plain_404_and_no_data(tenant, province, make_user, client_for, host):
    headers = bearer(make_user(tenant, "alice"), tenant=tenant)

    for path in ("/", "/api/v1/users/", "/api/v1/tenants/", "/admin/", "/login/"):
        response = client_for(host).get(path, **headers)
        assert response.status_code == 404
        body = response.content.decode()
        assert tenant.name not in body
        assert "alice" not in body


def test_archived_tenant_host_gets_404_and_keeps_its_schema(tenant, make_user, client_for, host_of):
    headers = bearer(make_user(tenant, "admin_a", roles=("deputy_head",)), tenant=tenant)
    host = host_of(tenant)

    services.tenant_archive(actor=services.Actor(label="test"), tenant=tenant, reason="merged")

    assert client_for(host).get("/").status_code == 404
    assert client_for(host).get("/api/v1/users/", **headers).status_code == 404
    with in_tenant(tenant):
        from accounts.models import User

        assert User.objects.filter(username="admin_a").exists()


def test_suspended_tenant_shows_suspended_page_and_its_data_survives_resume(
    tenant, make_user, client_for, host_of
):
    admin_a = make_user(tenant, "admin_a", roles=("deputy_head",), full_name="Trần Đình Nguyên")
    headers = bearer(admin_a, tenant=tenant)
    actor = services.Actor(label="test")

    services.tenant_suspend(actor=actor, tenant=tenant, reason="overdue")
    page = client_for(host_of(tenant)).get("/")
    api = client_for(host_of(tenant)).get("/api/v1/users/", **headers)

    assert page.status_code == 503
    assert "Tạm ngừng" in page.content.decode()
    assert "Trần Đình Nguyên" not in page.content.decode()
    assert api.status_code == 503

    services.tenant_resume(actor=actor, tenant=tenant)
    after = client_for(host_of(tenant)).get("/api/v1/users/", **headers)

    assert after.status_code == 200
    assert [row["full_name"] for row in after.json()["results"]] == ["Trần Đình Nguyên"]
    assert Tenant.objects.get(pk=tenant.pk).events.filter(action__in=["suspend", "resume"]).count() == 2


def test_workspace_host_does_not_serve_the_console_or_portal_urls(tenant, province, client_for, host_of):
    workspace = client_for(host_of(tenant))
    portal = client_for(host_of(tenant, "portal"))

    assert workspace.get("/api/v1/tenants/").status_code == 404
    assert portal.get("/api/v1/users/").status_code == 404
    assert portal.get("/").status_code == 200


def test_user_list_query_count_does_not_grow_with_rows(
    tenant, make_user, client_for, host_of, django_assert_max_num_queries
):
    headers = bearer(make_user(tenant, "admin_a", roles=("deputy_head",)), tenant=tenant)
    client = client_for(host_of(tenant))
    client.get("/api/v1/me/", **headers)  # the token's first use of the day is written once
    for i in range(30):
        make_user(tenant, f"user{i:02d}")

    with django_assert_max_num_queries(11):
        response = client.get("/api/v1/users/", **headers)

    assert response.status_code == 200
    assert response.json()["count"] == 31
