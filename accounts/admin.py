# Read-only, as every model in the admin (core.adminsite): every change to an account goes
# through accounts.services, which checks, audits and keeps R8/R10 (never renamed, never deleted).
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import OrgUnit, Position, User


@admin.register(User)
class TinhsoUserAdmin(UserAdmin[User]):
    list_display = ("username", "full_name", "email", "is_active", "locked_at", "deactivated_at")
    search_fields = ("username", "full_name", "email")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("tinhso", {"fields": ("full_name", "birth_year", "unit", "position", "phone")}),
    )


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin[OrgUnit]):
    list_display = ("name", "kind", "parent", "is_active")


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin[Position]):
    list_display = ("name",)
