"""An agency's usage report for a period (Điều 14), made from the same rolled-up figures the
inspectors read, and sent up; the province's consolidated report of all agencies (Điều 15)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.figures import figures_all
from core.tenancy import in_public
from core.text import nfc
from oversight.models import UsageReport
from oversight.selectors import MEASURES, agencies, measures_of, period_totals

if TYPE_CHECKING:
    from tenants.models import Tenant


def report_figures(tenant: Tenant, start: date, end: date) -> dict[str, float]:
    """Every figure's total over [start, end] for one agency (a level figure: its last value)."""
    codes = [f.code for f in figures_all()]
    totals = period_totals([tenant.uuid], codes, start, end).get(str(tenant.uuid), {})
    return {code: totals.get(code, (0.0, 0))[0] for code in codes}


def report_lines(figures: dict[str, float]) -> list[tuple[str, float | None]]:
    """The report's lines: each measure, then each figure, with its label."""
    measures = measures_of({code: (value, 1) for code, value in figures.items()})
    lines: list[tuple[str, float | None]] = [(str(label), measures[key]) for key, label, *_r in MEASURES]
    lines += [(str(f.label), figures.get(f.code, 0.0)) for f in figures_all()]
    return lines


def _check_period(start: date, end: date) -> None:
    if start > end:
        raise ApplicationError(_("Ngày bắt đầu sau ngày kết thúc."))
    if end >= timezone.localdate():
        raise ApplicationError(_("Kỳ báo cáo phải kết thúc trước hôm nay (số liệu được tổng hợp hằng đêm)."))


def usage_report_submit(
    *, actor: Actor, tenant: Tenant, start: date, end: date, note: str = ""
) -> UsageReport:
    """Send the agency's report of [start, end] up to the province. Sending the same period again
    returns the report already sent."""
    require_actor(actor, "oversight.report_usage")
    _check_period(start, end)
    figures = report_figures(tenant, start, end)
    with transaction.atomic():
        with in_public():
            report, created = UsageReport.objects.get_or_create(
                tenant_uuid=tenant.uuid,
                period_start=start,
                period_end=end,
                defaults={
                    "figures": figures,
                    "note": nfc(note or "").strip()[:2000],
                    "submitted_by": actor.name,
                },
            )
        if created:
            audit_record(
                actor=actor,
                action="usage_report.submit",
                target=report,
                start=start.isoformat(),
                end=end.isoformat(),
            )
    return report


def consolidated_report(start: date, end: date, kind: str = "") -> dict[str, Any]:
    """Điều 15: every agency with its figures over the period and whether it sent its own report."""
    found = agencies(kind)
    codes = [f.code for f in figures_all()]
    totals = period_totals([t.uuid for t in found], codes, start, end)
    with in_public():
        sent = {
            str(r.tenant_uuid): r
            for r in UsageReport.objects.filter(period_start__gte=start, period_end__lte=end).order_by(
                "submitted_at"
            )
        }
    rows = []
    province: dict[str, float] = dict.fromkeys(codes, 0.0)
    for tenant in found:
        mine = {code: totals.get(str(tenant.uuid), {}).get(code, (0.0, 0))[0] for code in codes}
        for code, value in mine.items():
            province[code] += value
        rows.append(
            {
                "tenant": tenant,
                "measures": measures_of({c: (v, 1) for c, v in mine.items()}),
                "report": sent.get(str(tenant.uuid)),
            }
        )
    return {
        "rows": rows,
        "province": measures_of({c: (v, 1) for c, v in province.items()}),
        "sent": sum(1 for row in rows if row["report"] is not None),
    }
