"""Figures for inspectors, read from the public schema only (never from a tenant's own data):
the tenants and the rolled-up usage figures (oversight.rollup)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.figures import figure_get
from core.tenancy import in_public
from core.text import fold
from oversight.models import UsageFigure
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


def period_totals(
    tenant_uuids: Iterable[Any], codes: Iterable[str], start: date, end: date
) -> dict[str, dict[str, tuple[float, int]]]:
    """{tenant uuid: {figure: (total over [start, end], days rolled up)}} from the public schema.
    A `last` figure (a level) totals as its value on the newest rolled-up day of the period."""
    uuids = list(tenant_uuids)
    wanted = sorted(set(codes))
    sums = [c for c in wanted if (f := figure_get(c)) is not None and f.total == "sum"]
    levels = [c for c in wanted if c not in sums]
    result: dict[str, dict[str, tuple[float, int]]] = defaultdict(dict)
    with in_public():
        base = UsageFigure.objects.filter(tenant_uuid__in=uuids, day__gte=start, day__lte=end)
        for row in (
            base.filter(figure__in=sums)
            .values("tenant_uuid", "figure")
            .annotate(total=Sum("value"), days=Count("id"))
            .order_by()
        ):
            result[str(row["tenant_uuid"])][row["figure"]] = (row["total"], row["days"])
        if levels:
            newest = (
                base.filter(figure__in=levels)
                .values("tenant_uuid", "figure")
                .annotate(last=Max("day"), days=Count("id"))
                .order_by()
            )
            last_day = {(r["tenant_uuid"], r["figure"]): (r["last"], r["days"]) for r in newest}
            for uuid, figure, day, value in base.filter(figure__in=levels).values_list(
                "tenant_uuid", "figure", "day", "value"
            ):
                newest_day, days = last_day[(uuid, figure)]
                if day == newest_day:
                    result[str(uuid)][figure] = (value, days)
    return result


# --- the inspectors' dashboard --------------------------------------------------------------------

# The league table's columns: (key, label, numerator figures, denominator figures, scale).
MEASURES: tuple[tuple[str, Any, tuple[str, ...], tuple[str, ...], float], ...] = (
    ("documents", _("Văn bản đến và đi"), ("docs_in", "docs_out"), (), 1.0),
    (
        "electronic",
        _("Tỷ lệ điện tử (%)"),
        ("docs_in_electronic", "docs_out_electronic"),
        ("docs_in", "docs_out"),
        100.0,
    ),
    ("hub", _("Tỷ lệ qua trục (%)"), ("docs_in_hub", "docs_out_hub"), ("docs_in", "docs_out"), 100.0),
    ("signed", _("Tỷ lệ có chữ ký số (%)"), ("docs_signed",), ("docs_in", "docs_out"), 100.0),
    ("on_time", _("Tỷ lệ đúng hạn (%)"), ("docs_on_time",), ("docs_on_time", "docs_late"), 100.0),
    (
        "processing_days",
        _("Thời gian xử lý TB (ngày)"),
        ("processing_seconds",),
        ("docs_on_time", "docs_late"),
        1 / 86400,
    ),
    ("logins", _("Lượt đăng nhập"), ("logins",), (), 1.0),
    ("active", _("Người dùng hoạt động (%)"), ("people_active",), ("accounts",), 100.0),
    ("backups", _("Bản sao lưu"), ("backups_complete",), (), 1.0),
)
MEASURE_KEYS = tuple(key for key, *_rest in MEASURES)
# What the dashboard's trend chart draws, per day over the province (or one agency).
TREND_FIGURES = ("docs_in", "docs_out", "docs_in_electronic", "docs_out_electronic", "logins")


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    kind: str = ""

    @classmethod
    def from_query(cls, query: Any) -> Period:
        """From ?start=&end=&kind=; anything unreadable falls back to the last 30 rolled-up days."""
        end = timezone.localdate() - timedelta(days=1)
        start = end - timedelta(days=29)
        try:
            start = date.fromisoformat(query.get("start") or "") if query.get("start") else start
            end = date.fromisoformat(query.get("end") or "") if query.get("end") else end
        except ValueError:
            pass
        if start > end:
            start, end = end, start
        if (end - start).days > 3 * 366:  # a dashboard of at most three years
            start = end - timedelta(days=3 * 366)
        kind = query.get("kind") or ""
        return cls(start=start, end=end, kind=kind if kind in agency_kinds() else "")

    def as_query(self) -> str:
        return f"start={self.start.isoformat()}&end={self.end.isoformat()}&kind={self.kind}"


def agency_kinds() -> list[str]:
    return [kind for kind in Tenant.Kind.values if kind != Tenant.Kind.PROVINCE]


def agencies(kind: str = "") -> list[Tenant]:
    """The agencies the dashboards show (not the archived), in Vietnamese name order."""
    with in_public():
        found = Tenant.objects.exclude(kind=Tenant.Kind.PROVINCE).exclude(status=Tenant.Status.ARCHIVED)
        if kind:
            found = found.filter(kind=kind)
        return sorted(found, key=lambda t: (fold(t.name), t.org_code))


@dataclass
class AgencyRow:
    tenant: Tenant
    values: dict[str, float | None] = field(default_factory=dict)
    days: int = 0


def measures_of(totals: dict[str, tuple[float, int]]) -> dict[str, float | None]:
    values: dict[str, float | None] = {}
    for key, _label, top, bottom, scale in MEASURES:
        numerator = sum(totals.get(code, (0.0, 0))[0] for code in top)
        if bottom:
            denominator = sum(totals.get(code, (0.0, 0))[0] for code in bottom)
            values[key] = None if denominator == 0 else round(numerator / denominator * scale, 2)
        else:
            values[key] = round(numerator * scale, 2)
    return values


def league_table(period: Period) -> list[AgencyRow]:
    """Every agency of the period's kind with its measures, most electronic first."""
    found = agencies(period.kind)
    codes = {code for _key, _label, top, bottom, _scale in MEASURES for code in (*top, *bottom)}
    totals = period_totals([t.uuid for t in found], codes, period.start, period.end)
    rows = []
    for tenant in found:
        mine = totals.get(str(tenant.uuid), {})
        rows.append(
            AgencyRow(
                tenant=tenant, values=measures_of(mine), days=max((d for _v, d in mine.values()), default=0)
            )
        )
    rows.sort(key=lambda r: (-(r.values["electronic"] or -1), -(r.values["documents"] or 0)))
    return rows


def outliers(rows: list[AgencyRow], key: str = "electronic") -> list[AgencyRow]:
    """Agencies more than one standard deviation below the mean of `key`, or without any value."""
    known = [value for r in rows if (value := r.values[key]) is not None]
    if len(known) < 3:
        return [r for r in rows if r.values[key] is None]
    mean, spread = statistics.fmean(known), statistics.pstdev(known)
    return [r for r in rows if r.values[key] is None or r.values[key] < mean - spread]  # type: ignore[operator]


def lagging(rows: list[AgencyRow], key: str, threshold: float) -> list[AgencyRow]:
    """Agencies under `threshold` on `key` (lower is worse; for processing days, higher is worse).
    An agency with no value at all (nothing rolled up) lags too."""
    if key == "processing_days":
        return [r for r in rows if r.values[key] is None or r.values[key] > threshold]  # type: ignore[operator]
    return [r for r in rows if r.values[key] is None or r.values[key] < threshold]  # type: ignore[operator]


def trend(
    period: Period, tenant_uuids: Iterable[Any], codes: Iterable[str] = TREND_FIGURES
) -> dict[str, Any]:
    """Daily sums of `codes` over the tenants: a chart's labels (days) and one series per figure."""
    wanted = list(codes)
    with in_public():
        rows = (
            UsageFigure.objects.filter(
                tenant_uuid__in=list(tenant_uuids),
                figure__in=wanted,
                day__gte=period.start,
                day__lte=period.end,
            )
            .values("day", "figure")
            .annotate(total=Sum("value"))
            .order_by()
        )
        by_day: dict[date, dict[str, float]] = defaultdict(dict)
        for row in rows:
            by_day[row["day"]][row["figure"]] = row["total"]
    days = [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]
    labels = {code: str(figure.label) if (figure := figure_get(code)) else code for code in wanted}
    return {
        "type": "line",
        "labels": [day.isoformat() for day in days],
        "datasets": [
            {"label": labels[code], "data": [by_day.get(day, {}).get(code, 0) for day in days]}
            for code in wanted
        ],
    }


def league_chart(rows: list[AgencyRow], key: str = "electronic", limit: int = 20) -> dict[str, Any]:
    label = next(str(lbl) for k, lbl, *_rest in MEASURES if k == key)
    shown = [r for r in rows if r.values[key] is not None][:limit]
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [r.tenant.name for r in shown],
        "datasets": [{"label": label, "data": [r.values[key] for r in shown]}],
    }


def agency_figures(tenant: Tenant, period: Period) -> list[dict[str, Any]]:
    """One agency's total of every figure over the period, with the figure's label."""
    from core.figures import figures_all

    every = figures_all()
    totals = period_totals([tenant.uuid], [f.code for f in every], period.start, period.end).get(
        str(tenant.uuid), {}
    )
    return [
        {
            "code": f.code,
            "label": str(f.label),
            "value": totals.get(f.code, (0.0, 0))[0],
            "days": totals.get(f.code, (0.0, 0))[1],
        }
        for f in every
    ]
