"""Django's admin only looks (core.adminsite): no side door around the services and the audit trail.

An operator who is also a Django superuser posts to every add, change, delete and password URL a
model form would accept; each is refused with 403 and nothing changes. The lists still render.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.models import AuditEntry
from core.tenancy import in_tenant
from tenants.models import Domain, Tenant, TenantEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(province: Any) -> User:
    """The province's operator as `make run` seeds it: operator role, Django staff and superuser."""
    user: User = UserFactory.create(
        tenant=province, username="rootop", roles=["operator"], is_staff=True, is_superuser=True
    )
    return user


@pytest.fixture
def console(root: User, signed_in: Any) -> Client:
    return signed_in(Client(), root)


def _admin_url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _audit_count() -> int:
    return AuditEntry.objects.count()


def test_every_registered_model_admin_refuses_add_change_and_delete_even_to_a_superuser(root):
    request = RequestFactory().get("/admin/")
    request.user = root

    assert admin.site._registry  # the check below would pass on an empty site
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        assert model_admin.has_view_permission(request), label  # still looks
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_add_permission(request, None), label
            assert not inline.has_change_permission(request), label
            assert not inline.has_delete_permission(request), label


def test_device_admins_of_django_otp_are_on_the_site_read_only(root):
    # Third-party registrations go through the same site: django-otp's own admins, made read-only.
    assert TOTPDevice in admin.site._registry
    assert StaticDevice in admin.site._registry


def test_every_admin_list_still_renders_for_the_superuser(console):
    for model in admin.site._registry:
        response = console.get(_admin_url(model, "changelist"))
        assert response.status_code == 200, model._meta.label
    assert console.get("/admin/").status_code == 200


def test_posting_a_tenant_change_is_refused_and_changes_nothing(console, tenant):
    before = _audit_count()
    url = _admin_url(Tenant, "change", tenant.pk)
    assert console.get(url).status_code == 200  # the record is shown

    response = console.post(
        url,
        {
            "name": "Đổi tên lén",
            "kind": "school",
            "org_code": "000.00.99.H21",
            "domains-TOTAL_FORMS": "1",
            "domains-INITIAL_FORMS": "0",
            "domains-0-domain": "lolen.gialai.localhost",
            "domains-0-purpose": "workspace",
            "domains-0-tenant": str(tenant.pk),
        },
    )

    assert response.status_code == 403
    fresh = Tenant.objects.get(pk=tenant.pk)
    assert (fresh.name, fresh.kind, fresh.org_code) == (tenant.name, tenant.kind, tenant.org_code)
    assert not Domain.objects.filter(domain="lolen.gialai.localhost").exists()
    assert _audit_count() == before


def test_adding_or_deleting_a_tenant_through_the_admin_is_refused(console, tenant):
    count = Tenant.objects.count()

    added = console.post(
        _admin_url(Tenant, "add"), {"name": "Đơn vị lén", "kind": "other", "org_code": "000.00.98.H21"}
    )
    deleted = console.post(_admin_url(Tenant, "delete", tenant.pk), {"post": "yes"})
    bulk = console.post(
        _admin_url(Tenant, "changelist"),
        {"action": "delete_selected", "_selected_action": [tenant.pk], "post": "yes"},
    )

    assert added.status_code == 403
    assert deleted.status_code == 403
    assert bulk.status_code in (200, 302)  # no such action offered: Django says so and does nothing
    assert Tenant.objects.count() == count
    assert not Tenant.objects.filter(org_code="000.00.98.H21").exists()


def test_a_domain_cannot_be_added_changed_or_deleted_through_the_admin(console, tenant, host_of):
    # Hosts change only through tenants.services (the console's tenant page), which check and audit.
    domain = Domain.objects.get(domain=host_of(tenant, "portal"))
    form = {"tenant": tenant.pk, "purpose": "portal", "is_primary": "on"}

    added = console.post(_admin_url(Domain, "add"), {**form, "domain": "lolen.gialai.localhost"})
    changed = console.post(
        _admin_url(Domain, "change", domain.pk), {**form, "domain": "doiten.gialai.localhost"}
    )
    deleted = console.post(_admin_url(Domain, "delete", domain.pk), {"post": "yes"})

    assert (added.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    fresh = Domain.objects.get(pk=domain.pk)
    assert (fresh.domain, fresh.is_primary) == (domain.domain, False)
    assert not Domain.objects.filter(domain="lolen.gialai.localhost").exists()


def test_tenant_history_cannot_be_written_through_the_admin(console, tenant):
    event = TenantEvent.objects.create(tenant=tenant, action="create", actor="test")

    changed = console.post(_admin_url(TenantEvent, "change", event.pk), {"action": "archive", "actor": "x"})
    deleted = console.post(_admin_url(TenantEvent, "delete", event.pk), {"post": "yes"})

    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert TenantEvent.objects.get(pk=event.pk).action == "create"


def test_a_second_factor_device_cannot_be_added_changed_or_deleted_through_the_admin(console, province):
    person = UserFactory.create(tenant=province, username="nguoikhac", roles=["operator"])
    device = TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    key = device.key

    # What django-otp's device form takes: an own key on add, a name and "unconfirmed" on change.
    form = {"user": person.pk, "step": 30, "t0": 0, "digits": 6, "tolerance": 1, "drift": 0}
    added = console.post(
        _admin_url(TOTPDevice, "add"),
        {**form, "name": "kẻ gian", "confirmed": "on", "key": "3132333435363738393031323334353637383930"},
    )
    changed = console.post(
        _admin_url(TOTPDevice, "change", device.pk), {**form, "name": "đổi", "confirmed": ""}
    )
    deleted = console.post(_admin_url(TOTPDevice, "delete", device.pk), {"post": "yes"})
    # The secret is never shown either: django-otp's QR views are off (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    qr_code = console.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/")

    assert (added.status_code, changed.status_code, deleted.status_code, qr_code.status_code) == (
        403,
        403,
        403,
        403,
    )
    fresh = TOTPDevice.objects.get(pk=device.pk)
    assert (fresh.name, fresh.confirmed, fresh.key) == ("app", True, key)
    assert TOTPDevice.objects.filter(user=person).count() == 1
    assert console.get(_admin_url(TOTPDevice, "change", device.pk)).status_code == 200  # looks only


def test_a_static_device_cannot_be_added_through_the_admin(console, province):
    person = UserFactory.create(tenant=province, username="nguoikhac2")

    response = console.post(
        _admin_url(StaticDevice, "add"),
        {
            "user": person.pk,
            "name": "mã dự phòng",
            "confirmed": "on",
            "token_set-TOTAL_FORMS": "1",
            "token_set-INITIAL_FORMS": "0",
            "token_set-0-token": "12345678",
        },
    )

    assert response.status_code == 403
    assert not StaticDevice.objects.filter(user=person).exists()


def test_an_account_password_or_flags_cannot_be_changed_through_the_admin(console, province):
    person = UserFactory.create(tenant=province, username="nguoikhac3")
    password_hash = person.password

    password = console.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"password1": "mat-khau-moi-2026!", "password2": "mat-khau-moi-2026!"},
    )
    flags = console.post(
        _admin_url(User, "change", person.pk),
        {"username": "nguoikhac3", "is_superuser": "on", "is_staff": "on", "is_active": "on"},
    )

    assert (password.status_code, flags.status_code) == (403, 403)
    fresh = User.objects.get(pk=person.pk)
    assert fresh.password == password_hash
    assert (fresh.is_superuser, fresh.is_staff) == (False, False)


def test_an_agency_superuser_cannot_change_devices_through_its_workspace_admin(tenant, signed_in):
    with in_tenant(tenant):
        root = UserFactory.create(tenant=tenant, username="rootws", is_staff=True, is_superuser=True)
        person = UserFactory.create(tenant=tenant, username="canbo")
        device = TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    client = signed_in(Client(), root, tenant=tenant)

    listed = client.get("/admin/otp_totp/totpdevice/")
    deleted = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})

    assert (listed.status_code, deleted.status_code) == (200, 403)
    with in_tenant(tenant):
        assert TOTPDevice.objects.filter(pk=device.pk).exists()
