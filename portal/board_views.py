"""The board's duty pages in the back office (/cms/portal/..., on the workspace host): the dashboard
of event deadlines and monthly quotas (P6), events and the kind -> unit mapping, the public's
feedback (assign, answer, publish: P8), consultations and their comments, and the activity report
with its charts and exports (P7). Thin: parse, call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can, permitted
from core.audit import actor_from
from core.errors import form_add_validation_errors
from core.input import refusal_response
from core.paging import CappedPaginator
from core.responses import form_call, message_call
from portal import deadlines
from portal.forms import (
    AnswerForm,
    AssignForm,
    ConsultationForm,
    EventArticleForm,
    EventForm,
    KindUnitForm,
    ModerateForm,
    QuotaGroupForm,
    ReportForm,
    SettingsForm,
)
from portal.models import (
    ArticlePage,
    Consultation,
    ConsultationComment,
    Event,
    EventKindUnit,
    Feedback,
    QuotaGroup,
)
from portal.services import consultation as consultations
from portal.services import duties
from portal.services import feedback as feedbacks


def _require(request: HttpRequest, code: Any) -> None:
    if not can(request.user, code):
        raise PermissionDenied


def dashboard_view(request: HttpRequest) -> HttpResponse:
    """Due, overdue and met event articles; each group's standing this month (local time)."""
    if not (can(request.user, "portal.view_reports") or can(request.user, "portal.manage_duties")):
        raise PermissionDenied
    today = timezone.localdate()
    context = {
        "grouped": [
            (status, deadlines.EventStatus.LABELS[status], rows)
            for status, rows in deadlines.events_dashboard().items()
        ],
        "standings": deadlines.quota_standings(today.year, today.month),
        "month": today,
        "settings": deadlines.duty_settings(),
        "can_manage": can(request.user, "portal.manage_duties"),
    }
    return TemplateResponse(request, "portal/admin/duties.html", context)


def event_edit_view(request: HttpRequest, event_id: int | None = None) -> HttpResponse:
    _require(request, "portal.manage_duties")
    event = get_object_or_404(Event, pk=event_id) if event_id is not None else None
    initial = {}
    if event is not None:
        initial = {
            "title": event.title,
            "kind": event.kind,
            "starts_at": timezone.localtime(event.starts_at),
            "ends_at": timezone.localtime(event.ends_at),
            "place": event.place,
            "unit": event.unit_id,
        }
    form = EventForm(request.POST or None, initial=initial, prefix="event")
    link = EventArticleForm(
        request.POST if "link" in request.POST else None,
        initial={"article": event.article_id if event else None},
        prefix="link",
    )
    actor = actor_from(request) if request.method == "POST" else None
    if request.method == "POST" and event is not None and "link" in request.POST:
        if link.is_valid():
            article = None
            if link.cleaned_data["article"]:
                article = ArticlePage.objects.filter(pk=link.cleaned_data["article"]).first()
                if article is None:
                    link.add_error("article", _("Không có bài viết này."))
            if (
                not link.errors
                and form_call(link, duties.event_link_article, actor=actor, event=event, article=article).ok
            ):
                messages.success(request, _("Đã cập nhật bài viết của sự kiện."))
                return redirect("portal-duties")
    elif request.method == "POST" and form.is_valid():
        if event is None:
            outcome = form_call(form, duties.event_create, actor=actor, data=form.cleaned_data)
        else:
            outcome = form_call(form, duties.event_update, actor=actor, event=event, data=form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("Đã lưu sự kiện."))
            return redirect("portal-duties")
    context: dict[str, Any] = {"form": form, "link": link, "event": event}
    if event is not None:
        context["status"] = deadlines.EventStatus.LABELS[deadlines.event_status(event)]
        context["due_on"] = deadlines.due_day_of(event.deadline)
    return TemplateResponse(request, "portal/admin/event.html", context)


def duty_settings_view(request: HttpRequest) -> HttpResponse:
    """The mapping of kinds to units, the groups under the quota, the school year and the numbers."""
    _require(request, "portal.manage_duties")
    current = deadlines.duty_settings()
    which = request.POST.get("which") if request.method == "POST" else None
    mapping = KindUnitForm(request.POST if which == "mapping" else None, prefix="mapping")
    group = QuotaGroupForm(request.POST if which == "group" else None, prefix="group")
    numbers = SettingsForm(
        request.POST if which == "numbers" else None,
        initial={name: getattr(current, name) for name in SettingsForm.base_fields},
        prefix="numbers",
    )
    if which:
        actor = actor_from(request)
        done = False
        if which == "mapping" and mapping.is_valid():
            done = form_call(mapping, duties.event_kind_unit_set, actor=actor, **mapping.cleaned_data).ok
        elif which == "group" and group.is_valid():
            done = form_call(group, duties.quota_group_set, actor=actor, **group.cleaned_data).ok
        elif which == "numbers" and numbers.is_valid():
            done = form_call(numbers, duties.duty_settings_update, actor=actor, data=numbers.cleaned_data).ok
        if done:
            messages.success(request, _("Đã lưu."))
            return redirect("portal-duty-settings")
    context = {
        "mapping": mapping,
        "group": group,
        "numbers": numbers,
        "rows": EventKindUnit.objects.select_related("unit"),
        "groups": QuotaGroup.objects.select_related("unit", "leader").order_by("unit__folded_name"),
    }
    return TemplateResponse(request, "portal/admin/duty_settings.html", context)


# --- feedback ------------------------------------------------------------------------------------


def feedback_list_view(request: HttpRequest) -> HttpResponse:
    _require(request, "portal.answer_feedback")
    rows = permitted(request.user, "portal.answer_feedback", Feedback).select_related("assignee")
    status = request.GET.get("status") or ""
    if status in Feedback.Status.values:
        rows = rows.filter(status=status)
    page = CappedPaginator(rows.order_by("-created_at", "-id"), 30).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "portal/admin/feedback_list.html",
        {"page": page, "status": status, "statuses": Feedback.Status.choices, "extra": f"&status={status}"},
    )


def feedback_detail_view(request: HttpRequest, feedback_id: int) -> HttpResponse:
    item = feedbacks.feedback_get_for(request.user, feedback_id)
    assign = AssignForm(request.POST if "assign" in request.POST else None, prefix="assign")
    answer = AnswerForm(
        request.POST if "answer" in request.POST else None, initial={"answer": item.answer}, prefix="answer"
    )
    if request.method == "POST":
        actor = actor_from(request)
        if "assign" in request.POST and assign.is_valid():
            if form_call(
                assign, feedbacks.feedback_assign, actor=actor, feedback=item, **assign.cleaned_data
            ).ok:
                return redirect("portal-feedback-detail", item.pk)
        elif "answer" in request.POST and answer.is_valid():
            if form_call(
                answer, feedbacks.feedback_answer, actor=actor, feedback=item, **answer.cleaned_data
            ).ok:
                messages.success(request, _("Đã lưu câu trả lời."))
                return redirect("portal-feedback-detail", item.pk)
        elif "publish" in request.POST or "unpublish" in request.POST:
            message_call(
                request,
                feedbacks.feedback_publish,
                actor=actor,
                feedback=item,
                publish="publish" in request.POST,
                success=_("Đã cập nhật trang hỏi đáp."),
            )
            return redirect("portal-feedback-detail", item.pk)
    context = {
        "item": item,
        "assign": assign,
        "answer": answer,
        "can_handle": can(request.user, "portal.handle_feedback"),
    }
    return TemplateResponse(request, "portal/admin/feedback_detail.html", context)


def feedback_attachment_view(request: HttpRequest, feedback_id: int) -> FileResponse:
    item = feedbacks.feedback_get_for(request.user, feedback_id)
    if not item.attachment:
        raise Http404
    return FileResponse(
        item.attachment.open("rb"), as_attachment=True, filename=item.attachment_name or "tep"
    )


# --- consultations -------------------------------------------------------------------------------


def consultation_list_view(request: HttpRequest) -> HttpResponse:
    _require(request, "portal.manage_duties")
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = form_call(
            form, consultations.consultation_create, actor=actor_from(request), data=form.cleaned_data
        )
        if outcome.ok:
            messages.success(request, _("Đã đăng dự thảo lấy ý kiến."))
            return redirect("portal-consultations-admin")
    page = CappedPaginator(Consultation.objects.select_related("drafting_unit"), 30).get_page(
        request.GET.get("page")
    )
    return TemplateResponse(
        request, "portal/admin/consultations.html", {"page": page, "form": form, "extra": ""}
    )


def consultation_detail_view(request: HttpRequest, consultation_id: int) -> HttpResponse:
    _require(request, "portal.manage_duties")
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    if request.method == "POST":
        form = ModerateForm(request.POST)
        if not form.is_valid():
            if form.has_error("comment"):
                raise Http404  # no such comment here
            return refusal_response(
                request, status=400, code="invalid", message=_("Hãy chọn Duyệt hoặc Không đăng.")
            )
        comment = get_object_or_404(
            ConsultationComment, pk=form.cleaned_data["comment"], consultation=consultation
        )
        approve = form.cleaned_data["decision"] == "approve"
        message_call(
            request,
            consultations.comment_moderate,
            actor=actor_from(request),
            comment=comment,
            approve=approve,
            success=_("Đã duyệt ý kiến.") if approve else _("Đã để ý kiến ở trạng thái không đăng."),
        )
        return redirect("portal-consultation-admin", consultation.pk)
    if request.GET.get("export") == "xlsx":
        data = consultations.consultation_summary_xlsx(actor=actor_from(request), consultation=consultation)
        return _file(data, "tong-hop-y-kien.xlsx")
    page = CappedPaginator(consultation.comments.all(), 50).get_page(request.GET.get("page"))
    return TemplateResponse(
        request, "portal/admin/consultation.html", {"consultation": consultation, "page": page, "extra": ""}
    )


# --- reports -------------------------------------------------------------------------------------


def _file(data: bytes, name: str) -> HttpResponse:
    kind = (
        "application/pdf"
        if name.endswith(".pdf")
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(data, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def report_view(request: HttpRequest) -> HttpResponse:
    from portal.reports import report_build, report_charts, report_export

    _require(request, "portal.view_reports")
    today = timezone.localdate()
    form = ReportForm(request.GET or None, initial={"period": f"{today:%Y-%m}"})
    context: dict[str, Any] = {"form": form}
    if form.is_bound and form.is_valid():
        try:
            period = deadlines.period_parse(form.cleaned_data["period"])
        except ValidationError as exc:
            form_add_validation_errors(form, ValidationError({"period": exc.messages}))
            return TemplateResponse(request, "portal/admin/report.html", context, status=400)
        fmt = request.GET.get("format")
        if fmt in ("pdf", "xlsx"):
            name = str((getattr(request, "tenant", None) and request.tenant.name) or "")  # type: ignore[attr-defined]
            data = report_export(
                actor=actor_from(request),
                period=period,
                fmt=fmt,
                proposals=form.cleaned_data["proposals"],
                agency_name=name,
            )
            return _file(data, f"bao-cao-{period.key}.{fmt}")
        report = report_build(period, proposals=form.cleaned_data["proposals"])
        from portal.reports import report_summary_rows

        context.update(report=report, summary=report_summary_rows(report), charts=report_charts(report))
    elif form.is_bound:
        return TemplateResponse(request, "portal/admin/report.html", context, status=400)
    return TemplateResponse(request, "portal/admin/report.html", context)
