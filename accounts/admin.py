from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class TinhsoUserAdmin(UserAdmin[User]):
    list_display = ("username", "full_name", "email", "is_active", "is_staff")
    search_fields = ("username", "full_name", "email")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("tinhso", {"fields": ("full_name",)}))
