"""Figures for inspectors, read from the public schema only (never from a tenant's own data)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from tenants.models import Tenant


def tenant_statistics() -> dict[str, Any]:
    """Tenants by kind and status. Usage snapshots and the yearly ranking join this later (R12)."""
    counts = (
        Tenant.objects.exclude(kind=Tenant.Kind.PROVINCE)
        .values("kind", "status")
        .annotate(n=Count("id"))
        .order_by("kind", "status")
    )
    statuses = list(Tenant.Status.values)
    rows: dict[str, dict[str, int]] = {
        kind: dict.fromkeys(statuses, 0) for kind in Tenant.Kind.values if kind != Tenant.Kind.PROVINCE
    }
    for row in counts:
        rows[row["kind"]][row["status"]] = row["n"]
    kind_labels = dict(Tenant.Kind.choices)
    status_labels = dict(Tenant.Status.choices)
    table: list[dict[str, Any]] = [
        {
            "kind": kind,
            "label": str(kind_labels[kind]),
            "counts": [by_status[status] for status in statuses],
            "total": sum(by_status.values()),
        }
        for kind, by_status in rows.items()
    ]
    totals = [sum(row["counts"][i] for row in table) for i in range(len(statuses))]
    return {
        "statuses": [{"code": s, "label": str(status_labels[s])} for s in statuses],
        "rows": table,
        "totals": totals,
        "total": sum(totals),
    }
