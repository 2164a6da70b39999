"""The operator's REST API on the console host."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants.models import Tenant

pytestmark = pytest.mark.django_db

CONSOLE = "console.gialai.localhost"


def _client(client: Client) -> Client:
    return client


def test_operator_creates_a_tenant_and_gets_its_hosts(operator, spare_pool):
    spare_pool(1)
    response = _client(operator).post(
        "/api/v1/tenants/",
        {"name": "Sở Thông tin và Truyền thông", "kind": "department", "org_code": "000.00.15.h21"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["org_code"] == "000.00.15.H21"
    assert {d["host"] for d in body["domains"]} == {"qlvbdhstttt.gialai.localhost", "stttt.gialai.localhost"}
    assert Tenant.objects.get(uuid=body["uuid"]).events.get().actor == "operator1"


def test_bad_input_gets_400_with_messages_and_writes_nothing(operator):
    response = _client(operator).post(
        "/api/v1/tenants/",
        {
            "name": "Sở Y tế",
            "kind": "department",
            "org_code": "not-a-code",
            "hosts": {"workspace": "Bad Host!"},
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert set(response.json()) >= {"org_code", "hosts"}
    assert not Tenant.objects.filter(name="Sở Y tế").exists()


def test_inspector_reads_but_cannot_write(inspector, tenant):
    client = _client(inspector)

    listing = client.get("/api/v1/tenants/")
    create = client.post(
        "/api/v1/tenants/",
        {"name": "Sở Y tế", "kind": "department", "org_code": "000.00.12.H21"},
        content_type="application/json",
    )
    suspend = client.post(f"/api/v1/tenants/{tenant.uuid}/suspend/", {}, content_type="application/json")

    assert listing.status_code == 200
    assert [t["schema_name"] for t in listing.json()["results"]] == ["test_alpha"]
    assert create.status_code == 403
    assert suspend.status_code == 403
    assert Tenant.objects.get(pk=tenant.pk).status == "active"


def test_anonymous_gets_nothing(province, tenant):
    response = Client(HTTP_HOST=CONSOLE).get("/api/v1/tenants/")

    assert response.status_code in (401, 403)
    assert "test_alpha" not in response.content.decode()


def test_tenant_user_cannot_use_the_console(province, tenant, make_user):
    make_user(tenant, "admin_a", is_staff=True, is_superuser=True)
    client = Client(HTTP_HOST=CONSOLE)

    response = client.post("/login/", {"username": "admin_a", "password": "correct horse battery"})

    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session
    assert client.get("/api/v1/tenants/").status_code in (401, 403)


def test_suspend_resume_archive_through_the_api(operator, tenant):
    client = _client(operator)

    suspended = client.post(
        f"/api/v1/tenants/{tenant.uuid}/suspend/", {"reason": "test"}, content_type="application/json"
    )
    resumed = client.post(f"/api/v1/tenants/{tenant.org_code}/resume/", {}, content_type="application/json")
    archived = client.post(
        f"/api/v1/tenants/{tenant.schema_name}/archive/", {}, content_type="application/json"
    )
    refused = client.post(f"/api/v1/tenants/{tenant.uuid}/resume/", {}, content_type="application/json")

    assert [suspended.json()["status"], resumed.json()["status"], archived.json()["status"]] == [
        "suspended",
        "active",
        "archived",
    ]
    assert refused.status_code == 400
    assert "detail" in refused.json()


def test_unknown_tenant_key_is_404(operator):
    assert _client(operator).get("/api/v1/tenants/no-such-tenant/").status_code == 404


def test_tenant_list_query_count_does_not_grow(operator, tenant, other_tenant, django_assert_max_num_queries):
    client = _client(operator)
    client.get("/api/v1/tenants/")  # warm the session

    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/tenants/")

    assert response.json()["count"] == 2


def test_openapi_schema_is_served(operator):
    response = _client(operator).get("/api/schema/")

    assert response.status_code == 200
    assert b"/api/v1/tenants/" in response.content


def test_console_page_lists_tenants_for_operator(operator, tenant):
    response = _client(operator).get("/")

    assert response.status_code == 200
    assert tenant.name in response.content.decode()
