"""Between the province and its agencies: agencies that lag and the operator's reminders; usage
reports (an agency's own, Điều 14, and the province's consolidation, Điều 15); support requests.
Console pages and workspace pages, each checked for its side."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import can, require
from core.audit import actor_from
from core.responses import form_call, message_call
from oversight import reminders, reports, selectors, support
from oversight.exports import pdf_table, xlsx_table
from oversight.models import SupportRequest
from oversight.views.common import require_agency, require_province
from oversight.views.dashboard import XLSX, attachment, kind_choices, measure_labels

# --- agencies that lag (console) ------------------------------------------------------------------


def _threshold(request: HttpRequest) -> tuple[str, float]:
    data = request.POST if request.method == "POST" else request.GET
    measure = data.get("measure") or "electronic"
    if measure not in selectors.MEASURE_KEYS:
        measure = "electronic"
    try:
        threshold = float(data.get("threshold") or 50)
    except ValueError:
        threshold = 50.0
    return measure, max(-1e9, min(1e9, threshold))


@login_required
def lagging_view(request: HttpRequest) -> HttpResponse:
    require_province(request.user, "oversight.view_statistics")
    period = selectors.Period.from_query(request.POST if request.method == "POST" else request.GET)
    measure, threshold = _threshold(request)
    rows = selectors.lagging(selectors.league_table(period), measure, threshold)
    if request.method == "POST":
        require(request.user, "oversight.manage")
        chosen = set(request.POST.getlist("tenant"))
        message_call(
            request,
            reminders.reminders_send,
            actor=actor_from(request),
            rows=[row for row in rows if str(row.tenant.uuid) in chosen],
            measure=measure,
            threshold=threshold,
            period=period,
            message=request.POST.get("message", ""),
            success=_("Đã gửi nhắc nhở."),
        )
        return redirect(f"{request.path}?{period.as_query()}&measure={measure}&threshold={threshold:g}")
    sent = reminders.reminders_sent(period)
    return render(
        request,
        "oversight/lagging.html",
        {
            "period": period,
            "kinds": kind_choices(),
            "measures": measure_labels(),
            "measure": measure,
            "threshold": threshold,
            "rows": [(row, row.values[measure], sent.get(str(row.tenant.uuid), [])) for row in rows],
            "can_manage": can(request.user, "oversight.manage"),
            "default_message": _(
                "Đơn vị chưa đạt chỉ tiêu sử dụng hệ thống quản lý văn bản và điều hành trong kỳ. "
                "Đề nghị đơn vị khắc phục và báo cáo về Sở Thông tin và Truyền thông."
            ),
        },
    )


def reminders_panel(request: HttpRequest) -> dict[str, Any] | None:
    """The workspace home's panel of the province's reminders to this agency (core.panels)."""
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if tenant is None or user is None or not user.is_authenticated:
        return None
    found = list(reminders.reminders_for_agency(tenant.uuid)[:5])
    if not found:
        return None
    labels = dict(measure_labels())
    return {
        "template": "oversight/_reminders_panel.html",
        "reminders": [(r, labels.get(r.measure, r.measure)) for r in found],
    }


# --- usage reports --------------------------------------------------------------------------------


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("Từ ngày"))
    end = forms.DateField(label=gettext_lazy("Đến ngày"))
    note = forms.CharField(
        label=gettext_lazy("Ghi chú"), required=False, max_length=2000, widget=forms.Textarea
    )


def _period_of(request: HttpRequest) -> selectors.Period:
    return selectors.Period.from_query(request.POST if request.method == "POST" else request.GET)


@login_required
def usage_report_view(request: HttpRequest) -> HttpResponse:
    """The agency's own report (workspace): its figures for a period, exports, and sending it up."""
    require_agency(request.user, "oversight.report_usage")
    tenant: Any = request.tenant  # type: ignore[attr-defined]
    period = _period_of(request)
    form = PeriodForm(request.POST or None, initial={"start": period.start, "end": period.end})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = form_call(
            form,
            reports.usage_report_submit,
            actor=actor_from(request),
            tenant=tenant,
            start=data["start"],
            end=data["end"],
            note=data["note"],
        )
        if outcome.ok:
            return redirect(f"{request.path}?start={data['start']}&end={data['end']}&sent=1")
    lines = reports.report_lines(reports.report_figures(tenant, period.start, period.end))
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "pdf"):
        return _report_export(tenant.name, period.start, period.end, lines, fmt)
    from oversight.models import UsageReport

    return render(
        request,
        "oversight/usage_report.html",
        {
            "period": period,
            "form": form,
            "lines": lines,
            "sent": UsageReport.objects.filter(tenant_uuid=tenant.uuid).order_by("-period_end")[:20],
        },
    )


def _report_export(
    name: str, start: date, end: date, lines: list[tuple[str, float | None]], fmt: str
) -> HttpResponse:
    title = _("Báo cáo tình hình sử dụng hệ thống: %(name)s") % {"name": name}
    subtitle = _("Từ %(start)s đến %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}
    header = [_("Chỉ tiêu"), _("Giá trị")]
    body = [[label, value] for label, value in lines]
    filename = f"bao-cao-su-dung-{start.isoformat()}-{end.isoformat()}"
    if fmt == "xlsx":
        return attachment(xlsx_table(title, subtitle, header, body), XLSX, f"{filename}.xlsx")
    return attachment(pdf_table(title, subtitle, header, body), "application/pdf", f"{filename}.pdf")


@require_safe
@login_required
def consolidated_view(request: HttpRequest) -> HttpResponse:
    """The province's consolidated report (console): every agency, whether it reported."""
    require_province(request.user, "oversight.view_statistics")
    period = selectors.Period.from_query(request.GET)
    report = reports.consolidated_report(period.start, period.end, period.kind)
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "pdf"):
        require(request.user, "oversight.export_statistics")
        header = [_("Đơn vị"), _("Đã gửi báo cáo"), *(label for _k, label in measure_labels())]
        body: list[list[Any]] = [
            [row["tenant"].name, _("Có") if row["report"] else _("Chưa"), *row["measures"].values()]
            for row in report["rows"]
        ]
        body.append([_("Toàn tỉnh"), f"{report['sent']}/{len(report['rows'])}", *report["province"].values()])
        title = _("Báo cáo tổng hợp tình hình sử dụng hệ thống của tỉnh")
        subtitle = _("Từ %(start)s đến %(end)s") % {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        }
        filename = f"bao-cao-tong-hop-{period.start.isoformat()}-{period.end.isoformat()}"
        if fmt == "xlsx":
            return attachment(xlsx_table(title, subtitle, header, body), XLSX, f"{filename}.xlsx")
        return attachment(pdf_table(title, subtitle, header, body), "application/pdf", f"{filename}.pdf")
    return render(
        request,
        "oversight/consolidated.html",
        {
            "period": period,
            "kinds": kind_choices(),
            "measures": measure_labels(),
            "report": report,
            "can_export": can(request.user, "oversight.export_statistics"),
        },
    )


# --- support requests -----------------------------------------------------------------------------


class SupportForm(forms.Form):
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=gettext_lazy("Loại"), choices=SupportRequest.Kind.choices)
    subject = forms.CharField(label=gettext_lazy("Tiêu đề"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Nội dung"), max_length=10_000, widget=forms.Textarea)


class MessageForm(forms.Form):
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    body = forms.CharField(label=gettext_lazy("Nội dung"), max_length=10_000, widget=forms.Textarea)


@login_required
def agency_support_list_view(request: HttpRequest) -> HttpResponse:
    require_agency(request.user, "oversight.request_support")
    tenant: Any = request.tenant  # type: ignore[attr-defined]
    form = SupportForm(request.POST or None, initial={"submission_key": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        outcome = form_call(
            form, support.support_request_open, actor=actor_from(request), tenant=tenant, **form.cleaned_data
        )
        if outcome.ok and outcome.value is not None:
            return redirect("support-detail", key=outcome.value.uuid)
    return render(
        request,
        "oversight/support_list.html",
        {"requests": support.support_requests_of_agency(tenant.uuid)[:100], "form": form, "console": False},
    )


@login_required
def agency_support_detail_view(request: HttpRequest, key: str) -> HttpResponse:
    require_agency(request.user, "oversight.request_support")
    tenant: Any = request.tenant  # type: ignore[attr-defined]
    item = support.support_request_of_agency_or_404(tenant.uuid, key)
    return _support_detail(request, item, console=False)


def _support_detail(request: HttpRequest, item: SupportRequest, *, console: bool) -> HttpResponse:
    form = MessageForm(request.POST or None, initial={"submission_key": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        outcome = form_call(
            form,
            support.support_message_add,
            actor=actor_from(request),
            request=item,
            tenant=None if console else request.tenant,  # type: ignore[attr-defined]
            **form.cleaned_data,
        )
        if outcome.ok:
            return redirect(request.path)
    tenant_name = ""
    if console:
        from core.tenancy import tenant_by_key

        found = tenant_by_key(str(item.tenant_uuid))
        tenant_name = found.name if found is not None else str(item.tenant_uuid)
    return render(
        request,
        "oversight/support_detail.html",
        {
            "item": item,
            "messages_list": item.messages.all(),
            "form": form,
            "console": console,
            "tenant_name": tenant_name,
        },
    )


@require_safe
@login_required
def console_support_list_view(request: HttpRequest) -> HttpResponse:
    require_province(request.user, "oversight.manage")
    status = request.GET.get("status", "")
    from core.tenancy import tenant_model

    names = dict(tenant_model().objects.values_list("uuid", "name"))
    found = support.support_requests_all(status)[:200]
    return render(
        request,
        "oversight/support_list.html",
        {
            "requests": found,
            "names": {str(k): v for k, v in names.items()},
            "console": True,
            "status": status,
            "statuses": SupportRequest.Status.choices,
        },
    )


@login_required
def console_support_detail_view(request: HttpRequest, key: str) -> HttpResponse:
    require_province(request.user, "oversight.manage")
    return _support_detail(request, support.support_request_or_404(key), console=True)


@require_POST
@login_required
def console_support_close_view(request: HttpRequest, key: str) -> HttpResponse:
    require_province(request.user, "oversight.manage")
    item = support.support_request_or_404(key)
    message_call(
        request,
        support.support_request_close,
        actor=actor_from(request),
        request=item,
        success=_("Đã đóng yêu cầu."),
    )
    return redirect("oversight-support-detail", key=item.uuid)
