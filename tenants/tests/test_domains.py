"""A tenant's extra hosts (aliases), added and removed from the console: the service the admin's
inline used to stand in for, now permission-checked and audited (issue 12)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.test import Client

from core.models import AuditEntry
from tenants import services
from tenants.models import Domain, Tenant, TenantEvent

pytestmark = pytest.mark.django_db

ALIAS = f"vanthu-stttt.{settings.BASE_DOMAIN}"


def _add(client: Client, tenant: Tenant, host: str, purpose: str = "workspace") -> str:
    response = client.post(f"/tenants/{tenant.uuid}/domains/add/", {"purpose": purpose, "host": host})
    assert response.status_code == 302
    return [str(message) for message in get_messages(response.wsgi_request)][-1]  # this request's


def _remove(client: Client, tenant: Tenant, host: str) -> str:
    response = client.post(f"/tenants/{tenant.uuid}/domains/remove/", {"host": host})
    assert response.status_code == 302
    return [str(message) for message in get_messages(response.wsgi_request)][-1]  # this request's


def test_operator_adds_an_alias_that_then_serves_the_workspace_and_is_audited(operator, tenant, client_for):
    _add(operator, tenant, "vanthu-stttt")

    domain = Domain.objects.get(domain=ALIAS)
    assert (domain.tenant_id, domain.purpose, domain.is_primary) == (tenant.pk, "workspace", False)
    assert TenantEvent.objects.filter(tenant=tenant, action="domain_add", detail__host=ALIAS).count() == 1
    entry = AuditEntry.objects.get(action="tenant.domain_add")
    assert (entry.actor, entry.detail["host"]) == ("operator1", ALIAS)
    assert client_for(ALIAS).get("/login/").status_code == 200
    assert ALIAS in operator.get(f"/tenants/{tenant.uuid}/").content.decode()


def test_adding_the_same_alias_twice_writes_it_once(operator, tenant):
    _add(operator, tenant, "vanthu-stttt")
    _add(operator, tenant, ALIAS)  # the same host, typed whole

    assert Domain.objects.filter(domain=ALIAS).count() == 1
    assert TenantEvent.objects.filter(action="domain_add").count() == 1
    assert AuditEntry.objects.filter(action="tenant.domain_add").count() == 1


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("taken", "đã được dùng"),  # another tenant's host
        (settings.CONSOLE_HOST, "đã được dùng"),
        (settings.BASE_DOMAIN, "tên miền chung của tỉnh"),
        ("không hợp lệ!", ""),
    ],
)
def test_a_host_that_is_taken_reserved_or_malformed_is_refused_and_nothing_is_written(
    operator, tenant, other_tenant, province, host_of, host, said
):
    if host == "taken":
        host = host_of(other_tenant)
    before = (Domain.objects.count(), TenantEvent.objects.count(), AuditEntry.objects.count())

    message = _add(operator, tenant, host)

    assert said in message
    assert (Domain.objects.count(), TenantEvent.objects.count(), AuditEntry.objects.count()) == before


def test_the_primary_host_and_the_only_portal_host_cannot_be_removed(operator, tenant, host_of):
    primary = _remove(operator, tenant, host_of(tenant))
    only_portal = _remove(operator, tenant, host_of(tenant, "portal"))

    assert "tên miền chính" in primary
    assert "duy nhất" in only_portal
    assert tenant.domains.count() == 2
    assert not TenantEvent.objects.filter(action="domain_remove").exists()


def test_operator_removes_an_alias_whose_host_then_answers_404_and_is_audited(operator, tenant, client_for):
    _add(operator, tenant, "vanthu-stttt")

    _remove(operator, tenant, ALIAS)
    _remove(operator, tenant, ALIAS)  # a retry: nothing more

    assert not Domain.objects.filter(domain=ALIAS).exists()
    assert TenantEvent.objects.filter(action="domain_remove", detail__host=ALIAS).count() == 1
    assert AuditEntry.objects.filter(action="tenant.domain_remove").count() == 1
    assert client_for(ALIAS).get("/login/").status_code == 404


def test_removing_through_one_tenant_never_touches_another_tenants_host(
    operator, tenant, other_tenant, host_of
):
    other_host = host_of(other_tenant, "portal")

    _remove(operator, tenant, other_host)

    assert Domain.objects.filter(domain=other_host, tenant=other_tenant).exists()


def test_an_archived_tenant_gets_no_new_host(operator, tenant):
    services.tenant_archive(actor=services.Actor(label="test"), tenant=tenant)

    message = _add(operator, tenant, "vanthu-stttt")

    assert "lưu trữ" in message
    assert not Domain.objects.filter(domain=ALIAS).exists()


def test_an_inspector_may_not_add_or_remove_hosts(inspector, tenant, host_of):
    added = inspector.post(f"/tenants/{tenant.uuid}/domains/add/", {"purpose": "workspace", "host": "vanthu"})
    removed = inspector.post(f"/tenants/{tenant.uuid}/domains/remove/", {"host": host_of(tenant, "portal")})

    assert (added.status_code, removed.status_code) == (403, 403)
    assert tenant.domains.count() == 2


def test_an_agency_account_cannot_reach_the_service(tenant, make_user):
    from core.audit import Actor
    from core.tenancy import in_tenant

    with in_tenant(tenant):
        officer = make_user(tenant, "itofficer", roles=("it_officer",))
        with pytest.raises(PermissionDenied):
            services.tenant_domain_add(
                actor=Actor(user=officer), tenant=tenant, purpose="workspace", host="x"
            )
    assert not Domain.objects.filter(domain=f"x.{settings.BASE_DOMAIN}").exists()
