from __future__ import annotations

from django.db.models import QuerySet

from core.tenancy import tenant_by_key
from tenants.models import Domain, Tenant


def tenant_list(*, status: str | None = None, kind: str | None = None) -> QuerySet[Tenant]:
    qs = (
        Tenant.objects.exclude(kind=Tenant.Kind.PROVINCE).select_related("parent").prefetch_related("domains")
    )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name", "id")


def tenant_get(*, key: str) -> Tenant | None:
    """By UUID, schema name or organisation code (what an operator types)."""
    return tenant_by_key(key)


def host_is_taken(host: str) -> bool:
    return Domain.objects.filter(domain=host).exists()
