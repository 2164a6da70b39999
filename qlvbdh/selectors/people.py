"""People a QLVBĐH step goes to."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User


def heads_list() -> QuerySet[User]:
    """Active heads and deputies, who give direction, by name."""
    people = User.objects.filter(is_active=True, locked_at__isnull=True).order_by("folded_name")
    return people.filter(
        role_grants__role__in=["head", "deputy_head"], role_grants__revoked_at__isnull=True
    ).distinct()
