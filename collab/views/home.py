"""The workspace's home page: what waits for the person, today's calendar, and the agency's
figures with charts for its leaders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.permissions import can
from collab.charts import grouped_bars
from collab.selectors.dashboard import agency_figures, calendar_figures, waiting_figures
from core.panels import home_panels
from qlvbdh.selectors.assignments import my_tasks_list


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    today_events, week_events = calendar_figures(reader=user)
    agency = agency_figures(reader=user)
    charts = []
    if agency is not None:
        months = [f"{m}" for m in range(1, 13)]
        charts.append(
            grouped_bars(
                title=_("Văn bản đến, đi theo tháng, năm %(year)s") % {"year": agency.year},
                labels=months,
                series=[(_("Đến"), agency.incoming_by_month), (_("Đi"), agency.outgoing_by_month)],
            )
        )
        charts.append(
            grouped_bars(
                title=_("Tiến độ xử lý (chủ trì)"),
                labels=[_("Đúng hạn"), _("Trễ hạn"), _("Đang xử lý, quá hạn"), _("Đang xử lý, trong hạn")],
                series=[
                    (_("Số việc"), [agency.on_time, agency.late, agency.open_overdue, agency.open_in_time])
                ],
            )
        )
        if agency.by_unit:
            charts.append(
                grouped_bars(
                    title=_("Việc theo đơn vị"),
                    labels=[name[:18] for name, _open, _done in agency.by_unit],
                    series=[
                        (_("Đang xử lý"), [n for _name, n, _done in agency.by_unit]),
                        (_("Đã xong"), [n for _name, _open, n in agency.by_unit]),
                    ],
                )
            )
    return render(
        request,
        "collab/home.html",
        {
            "figures": waiting_figures(reader=user),
            "panels": home_panels(request),  # other apps' (the province's reminders)
            "today_events": today_events,
            "week_events": week_events,
            "agency": agency,
            "charts": charts,
            "tasks": my_tasks_list(user=user)[:10] if can(user, "qlvbdh.process") else [],
        },
    )
