"""People and units a calendar event or a resource may name."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import OrgUnit, User


def active_people() -> QuerySet[User]:
    return User.objects.filter(is_active=True, locked_at__isnull=True, deactivated_at__isnull=True).order_by(
        "folded_name", "id"
    )


def active_units() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(is_active=True).order_by("folded_name")
