# Read-only, as every model in the admin (core.adminsite): tenants and their hosts change only
# through tenants.services (the console, the API, `manage.py tenants`), which check and audit.
from django.contrib import admin

from tenants.models import Domain, Tenant, TenantEvent


class DomainInline(admin.TabularInline[Domain, Tenant]):
    model = Domain
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin[Tenant]):
    list_display = ("name", "kind", "org_code", "status", "schema_name")
    list_filter = ("kind", "status")
    search_fields = ("name", "org_code", "schema_name")
    inlines = [DomainInline]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin[Domain]):
    list_display = ("domain", "tenant", "purpose", "is_primary")
    list_filter = ("purpose",)
    search_fields = ("domain", "tenant__name")


@admin.register(TenantEvent)
class TenantEventAdmin(admin.ModelAdmin[TenantEvent]):
    list_display = ("tenant", "action", "actor", "actor_ip", "at")
    list_filter = ("action",)
