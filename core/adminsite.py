"""Django's admin, looking only: no add, change or delete through it, for any model.

Every write in tinhso goes through a service that checks the actor's permission and appends to
the audit trail; a model form in the admin would do neither. So the default admin site is
replaced by one whose `register` makes each ModelAdmin (ours, and those third-party apps
register, e.g. django-otp's TOTPDevice and StaticDevice) and its inlines read-only. A POST to
an add, change, delete or password view is refused with 403 by Django's own checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Model
from django.http import HttpRequest


class ReadOnlyInlineMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def read_only(admin_class: type[admin.ModelAdmin[Any]]) -> type[admin.ModelAdmin[Any]]:
    """A subclass of `admin_class` that may only look, with read-only inlines."""
    inlines = [
        type(f"ReadOnly{inline.__name__}", (ReadOnlyInlineMixin, inline), {})
        for inline in admin_class.inlines
    ]
    return type(
        f"ReadOnly{admin_class.__name__}",
        (ReadOnlyAdminMixin, admin_class),
        {"__module__": admin_class.__module__, "inlines": inlines},
    )


class ReadOnlyAdminSite(admin.AdminSite):
    def register(
        self,
        model_or_iterable: type[Model] | Iterable[type[Model]],
        admin_class: type[admin.ModelAdmin[Any]] | None = None,
        **options: Any,
    ) -> None:
        if options:  # the same shortcut as Django's own register, so the subclass below sees them
            admin_class = type(
                "ModelAdminOptions", (admin_class or admin.ModelAdmin,), {"__module__": __name__, **options}
            )
        super().register(model_or_iterable, read_only(admin_class or admin.ModelAdmin))


class ReadOnlyAdminConfig(AdminConfig):
    """`django.contrib.admin` with the read-only site as `admin.site`."""

    default_site = "core.adminsite.ReadOnlyAdminSite"
