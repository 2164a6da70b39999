from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from accounts.models import OrgUnit, Position, User


@admin.register(User)
class TinhsoUserAdmin(UserAdmin[User]):
    list_display = ("username", "full_name", "email", "is_active", "locked_at", "deactivated_at")
    search_fields = ("username", "full_name", "email")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("tinhso", {"fields": ("full_name", "birth_year", "unit", "position", "phone")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # An account name once used never changes (R8); locks go through the IT officer's pages.
        fields = ("locked_at", "locked_reason", "deactivated_at", "deactivated_reason")
        return (*fields, "username") if obj is not None else fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin[OrgUnit]):
    list_display = ("name", "kind", "parent", "is_active")
    readonly_fields = ("folded_name",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin[Position]):
    list_display = ("name",)
