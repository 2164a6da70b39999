"""Statistics: the page for any period with charts, and its XLSX and PDF exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.permissions import require
from collab.charts import grouped_bars
from collab.reports import statistics_pdf, statistics_xlsx
from collab.selectors.statistics import PERIOD_ERRORS, Statistics, period_of, statistics_for


def _agency(request: HttpRequest) -> str:
    return str(getattr(getattr(request, "tenant", None), "name", ""))


@login_required
@require_GET
def statistics_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.view_reports")
    start, end, problem = period_of(request.GET.get("start"), request.GET.get("end"))
    stats = None if problem else statistics_for(reader=request.user, start=start, end=end)
    charts = []
    if stats is not None and stats.by_type:
        charts.append(
            grouped_bars(
                title=_("Văn bản đến, đi theo loại"),
                labels=[e["type"] for e in stats.by_type[:12]],
                series=[
                    (_("Đến"), [e["incoming"] for e in stats.by_type[:12]]),
                    (_("Đi"), [e["outgoing"] for e in stats.by_type[:12]]),
                ],
            )
        )
    if stats is not None:
        charts.append(
            grouped_bars(
                title=_("Tiến độ xử lý (chủ trì)"),
                labels=[_("Đúng hạn"), _("Trễ hạn"), _("Quá hạn"), _("Trong hạn")],
                series=[(_("Số việc"), [stats.on_time, stats.late, stats.open_overdue, stats.open_in_time])],
            )
        )
    status = 400 if problem else 200
    return render(
        request,
        "collab/statistics.html",
        {
            "stats": stats,
            "start": start,
            "end": end,
            "error": str(PERIOD_ERRORS[problem]) if problem else "",
            "charts": charts,
        },
        status=status,
    )


def _export(request: HttpRequest) -> HttpResponse | Statistics:
    require(request.user, "qlvbdh.view_reports")
    start, end, problem = period_of(request.GET.get("start"), request.GET.get("end"))
    if problem:
        return HttpResponse(str(PERIOD_ERRORS[problem]), status=400, content_type="text/plain; charset=utf-8")
    stats = statistics_for(reader=request.user, start=start, end=end)
    if stats is None:  # require() above let only readers of reports through
        return HttpResponse(status=403)
    return stats


@login_required
@require_GET
def statistics_xlsx_view(request: HttpRequest) -> HttpResponse:
    stats = _export(request)
    if isinstance(stats, HttpResponse):
        return stats
    response = HttpResponse(
        statistics_xlsx(stats=stats, agency_name=_agency(request)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="thong-ke-{stats.start}-{stats.end}.xlsx"'
    return response


@login_required
@require_GET
def statistics_pdf_view(request: HttpRequest) -> HttpResponse:
    stats = _export(request)
    if isinstance(stats, HttpResponse):
        return stats
    response = HttpResponse(
        statistics_pdf(stats=stats, agency_name=_agency(request)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="thong-ke-{stats.start}-{stats.end}.pdf"'
    return response
