"""Provisioning and lifecycle through the services, against the real database."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from core.errors import ApplicationError
from core.tenancy import in_tenant
from tenants import provisioning, services
from tenants.models import SpareSchema, Tenant

pytestmark = pytest.mark.django_db

CLI = services.Actor(label="test")


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def test_create_takes_a_spare_schema_from_the_pool(province):
    provisioning.spare_pool_refill(target=1)
    spare = SpareSchema.objects.get()

    tenant = services.tenant_create(
        actor=CLI, name="Sở Thông tin và Truyền thông", kind="department", org_code="000.00.15.H21"
    )

    assert tenant.events.get(action="create").detail["method"] == "pool"
    assert not SpareSchema.objects.exists()
    assert not provisioning.schema_exists(spare.name)
    assert "accounts_user" in _tables(tenant.schema_name)
    assert {d.domain for d in tenant.domains.all()} == {
        "qlvbdhstttt.gialai.localhost",
        "stttt.gialai.localhost",
    }
    with in_tenant(tenant):
        from accounts.models import User

        assert User.objects.count() == 0


def test_create_without_a_spare_migrates_a_new_schema(province):
    tenant = services.tenant_create(
        actor=CLI, name="UBND xã Mang Yang", kind="commune", org_code="000.01.33.H21"
    )

    assert tenant.events.get(action="create").detail["method"] == "migrate"
    assert tenant.schema_name == "qlvbdhmangyang"
    assert "accounts_user" in _tables("qlvbdhmangyang")


def test_spare_with_stale_migrations_is_never_used_and_is_dropped_on_refill(province, spare_pool):
    provisioning.schema_clone("test_alpha", "spare_stale")  # any schema will do: its fingerprint is stale
    SpareSchema.objects.create(name="spare_stale", fingerprint="0" * 64)
    (current,) = spare_pool(1)  # a current spare beside the stale one

    tenant = services.tenant_create(actor=CLI, name="Sở Y tế", kind="department", org_code="000.00.12.H21")
    provisioning.spare_pool_refill(target=0)

    assert tenant.events.get(action="create").detail["method"] == "pool"
    assert not provisioning.schema_exists(current)  # renamed: it is the tenant's schema now
    assert not provisioning.schema_exists("spare_stale")
    assert not SpareSchema.objects.exists()


def test_school_gets_a_portal_host_from_its_name_and_a_workspace(province, spare_pool):
    spare_pool(1)
    tenant = services.tenant_create(
        actor=CLI, name="Trường THPT Đạ Tông", kind="school", org_code="000.05.15.H21"
    )

    hosts = {d.purpose: d.domain for d in tenant.domains.all()}
    assert hosts == {
        "portal": "thptdatong.gialai.localhost",
        "workspace": "qlvbdhthptdatong.gialai.localhost",
    }


def test_proposals_are_unique_across_the_province(province, spare_pool):
    spare_pool(1)
    services.tenant_create(actor=CLI, name="Sở Tài chính", kind="department", org_code="000.00.20.H21")

    proposal = services.tenant_propose_hosts(name="Sở Tư pháp", kind="department")

    # "Sở Tài chính" and "Sở Tư pháp" both fold to initials "stc"/"stp": only identical ones clash
    assert proposal["workspace"] == "qlvbdhstp.gialai.localhost"
    assert services.tenant_propose_hosts(name="Sở Tài Chính", kind="department")["workspace"] == (
        "qlvbdhstc2.gialai.localhost"
    )


def test_operator_override_of_a_taken_host_is_refused_and_nothing_is_written(province, spare_pool):
    spare_pool(2)
    services.tenant_create(actor=CLI, name="Sở Tài chính", kind="department", org_code="000.00.20.H21")
    before = Tenant.objects.count()

    with pytest.raises(ValidationError) as exc:
        services.tenant_create(
            actor=CLI,
            name="Sở Xây dựng",
            kind="department",
            org_code="000.00.21.H21",
            hosts={"workspace": "qlvbdhstc"},
        )

    assert "qlvbdhstc.gialai.localhost" in str(exc.value.message_dict["hosts"])
    assert Tenant.objects.count() == before


@pytest.mark.parametrize("override", ["bad_label", "-x", "www", "a" * 64, "a..b.vn"])
def test_malformed_or_reserved_host_is_refused_with_a_message(province, override):
    with pytest.raises(ValidationError) as exc:
        services.tenant_create(
            actor=CLI,
            name="Sở Xây dựng",
            kind="department",
            org_code="000.00.21.H21",
            hosts={"portal": override},
        )

    assert exc.value.message_dict["hosts"]
    assert not Tenant.objects.filter(org_code="000.00.21.H21").exists()


def test_duplicate_or_malformed_org_code_is_refused(province, spare_pool):
    spare_pool(1)
    services.tenant_create(actor=CLI, name="Sở Tài chính", kind="department", org_code="000.00.20.H21")

    with pytest.raises(ValidationError) as taken:
        services.tenant_create(actor=CLI, name="Sở Nội vụ", kind="department", org_code="000.00.20.h21")
    with pytest.raises(ValidationError) as malformed:
        services.tenant_create(actor=CLI, name="Sở Nội vụ", kind="department", org_code="H21-20")

    assert "000.00.20.H21" in str(taken.value.message_dict["org_code"])
    assert malformed.value.message_dict["org_code"]


def test_name_is_stored_nfc_normalised(province, spare_pool):
    spare_pool(1)
    decomposed = "Sở Giáo dục và Đào tạo".replace("ở", "o\u031b\u0309")
    tenant = services.tenant_create(
        actor=CLI, name=f"  {decomposed}  ", kind="department", org_code="000.00.22.H21"
    )

    assert tenant.name == "Sở Giáo dục và Đào tạo"
    assert tenant.schema_name == "qlvbdhsgddt"


def test_lifecycle_transitions_and_refusals(tenant):
    services.tenant_suspend(actor=CLI, tenant=tenant)
    again = services.tenant_suspend(actor=CLI, tenant=tenant)  # a retry changes nothing
    services.tenant_resume(actor=CLI, tenant=tenant)
    services.tenant_archive(actor=CLI, tenant=tenant, reason="merged into another commune")

    with pytest.raises(ApplicationError):
        services.tenant_resume(actor=CLI, tenant=tenant)
    assert again.status == "suspended"
    assert list(tenant.events.order_by("id").values_list("action", flat=True)) == [
        "suspend",
        "resume",
        "archive",
    ]
    assert provisioning.schema_exists(tenant.schema_name)


def test_only_operators_may_create_or_change_tenants(tenant, make_user):
    clerk = make_user(None, "inspector1")

    with pytest.raises(PermissionDenied):
        services.tenant_suspend(actor=services.Actor(user=clerk), tenant=tenant)
    with pytest.raises(PermissionDenied):
        services.tenant_create(
            actor=services.Actor(user=clerk), name="Sở Y tế", kind="department", org_code="000.00.12.H21"
        )
    assert Tenant.objects.get(pk=tenant.pk).status == "active"


def test_create_enqueues_the_pool_refill_only_after_commit(
    province, spare_pool, django_capture_on_commit_callbacks
):
    spare_pool(1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.tenant_create(actor=CLI, name="Sở Y tế", kind="department", org_code="000.00.12.H21")

    # the refill, and the tenant-created event its subscribers (the portal's site) hear after commit
    assert [cb.__name__ for cb in callbacks] == ["_enqueue_refill", "announce_created"]


def _count(schema: str, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')  # noqa: S608 (fixed test names)
        return int(cursor.fetchone()[0])


def test_cloned_schema_has_the_same_tables_content_types_and_permissions(tenant_schemas):
    provisioning.schema_clone("test_alpha", "clone_check")

    assert _tables("clone_check") == _tables("test_alpha")
    for table in ("django_content_type", "auth_permission", "django_migrations"):
        assert _count("clone_check", table) == _count("test_alpha", table), table
