"""The inspectors' dashboards on the console: trends, league table, outliers, one agency's figures,
and their exports. Read-only (GET); every figure comes from the rolled-up tables."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.permissions import can, require
from oversight import selectors
from oversight.exports import pdf_table, xlsx_table
from oversight.views.common import require_province
from tenants.models import Tenant


def kind_choices() -> list[tuple[str, str]]:
    labels = dict(Tenant.Kind.choices)
    return [(kind, str(labels[kind])) for kind in selectors.agency_kinds()]


def measure_labels() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label, *_rest in selectors.MEASURES]


@require_safe
@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    require_province(request.user, "oversight.view_statistics")
    period = selectors.Period.from_query(request.GET)
    rows = selectors.league_table(period)
    return render(
        request,
        "oversight/dashboard.html",
        {
            "period": period,
            "kinds": kind_choices(),
            "measures": measure_labels(),
            "rows": rows,
            "outliers": selectors.outliers(rows),
            "trend_chart": json.dumps(selectors.trend(period, [r.tenant.uuid for r in rows])),
            "league_chart": json.dumps(selectors.league_chart(rows)),
            "can_export": can(request.user, "oversight.export_statistics"),
            "can_manage": can(request.user, "oversight.manage"),
        },
    )


def _agency_or_404(key: str) -> Tenant:
    from core.tenancy import tenant_by_key

    tenant = tenant_by_key(key)
    if tenant is None:
        raise Http404
    return tenant


@require_safe
@login_required
def agency_view(request: HttpRequest, key: str) -> HttpResponse:
    require_province(request.user, "oversight.view_statistics")
    tenant = _agency_or_404(key)
    period = selectors.Period.from_query(request.GET)
    figures = selectors.agency_figures(tenant, period)
    measures = selectors.measures_of({f["code"]: (f["value"], f["days"]) for f in figures})
    return render(
        request,
        "oversight/agency.html",
        {
            "tenant": tenant,
            "period": period,
            "figures": figures,
            "measures": [(label, measures[key]) for key, label in measure_labels()],
            "trend_chart": json.dumps(selectors.trend(period, [tenant.uuid])),
            "can_export": can(request.user, "oversight.export_statistics"),
        },
    )


def _league_export(period: selectors.Period) -> tuple[str, str, list[str], list[list[Any]]]:
    rows = selectors.league_table(period)
    header = [_("Đơn vị"), _("Mã định danh"), *(label for _key, label in measure_labels())]
    body = [
        [row.tenant.name, row.tenant.org_code, *(row.values[key] for key in selectors.MEASURE_KEYS)]
        for row in rows
    ]
    title = _("Thống kê sử dụng hệ thống của các đơn vị")
    subtitle = _("Từ %(start)s đến %(end)s") % {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }
    if period.kind:
        subtitle += f" · {dict(kind_choices())[period.kind]}"
    return title, subtitle, header, body


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_safe
@login_required
def dashboard_export_view(request: HttpRequest, fmt: str) -> HttpResponse:
    require_province(request.user, "oversight.view_statistics")
    require(request.user, "oversight.export_statistics")
    period = selectors.Period.from_query(request.GET)
    title, subtitle, header, body = _league_export(period)
    name = f"thong-ke-su-dung-{period.start.isoformat()}-{period.end.isoformat()}"
    if fmt == "xlsx":
        return attachment(xlsx_table(title, subtitle, header, body), XLSX, f"{name}.xlsx")
    return attachment(pdf_table(title, subtitle, header, body), "application/pdf", f"{name}.pdf")


@require_safe
@login_required
def agency_export_view(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    require_province(request.user, "oversight.view_statistics")
    require(request.user, "oversight.export_statistics")
    tenant = _agency_or_404(key)
    period = selectors.Period.from_query(request.GET)
    title = _("Số liệu sử dụng hệ thống: %(name)s") % {"name": tenant.name}
    subtitle = _("Từ %(start)s đến %(end)s") % {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }
    header = [_("Chỉ số"), _("Giá trị"), _("Số ngày có số liệu")]
    body = [[f["label"], f["value"], f["days"]] for f in selectors.agency_figures(tenant, period)]
    name = f"so-lieu-{tenant.schema_name}-{period.start.isoformat()}-{period.end.isoformat()}"
    if fmt == "xlsx":
        return attachment(xlsx_table(title, subtitle, header, body), XLSX, f"{name}.xlsx")
    return attachment(pdf_table(title, subtitle, header, body), "application/pdf", f"{name}.pdf")
