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
    readonly_fields = ("schema_name", "uuid", "status", "status_changed_at", "created_at")
    inlines = [DomainInline]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # tenants are archived, never deleted


@admin.register(TenantEvent)
class TenantEventAdmin(admin.ModelAdmin[TenantEvent]):
    list_display = ("tenant", "action", "actor", "actor_ip", "at")
    list_filter = ("action",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
