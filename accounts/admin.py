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

    # Read-only: every change to an account goes through accounts.services, which checks,
    # audits and keeps R8/R10 (never renamed, never deleted); the admin only looks.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin[OrgUnit]):
    list_display = ("name", "kind", "parent", "is_active")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin[Position]):
    list_display = ("name",)
