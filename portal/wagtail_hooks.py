"""Wagtail hooks: where Wagtail's own admin views must obey the board's rules (P3, P4) and files
obey visibility (portal.visibility)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from portal.visibility import document_visible_to


@hooks.register("before_serve_document")
def _document_visibility(document: Any, request: HttpRequest) -> HttpResponse | None:
    if not document_visible_to(request, document):
        raise Http404
    return None


@hooks.register("before_unpublish_page")
def _only_board_head_takes_down(request: HttpRequest, page: Any) -> HttpResponse | None:
    # Wagtail's own unpublish view: only the board head, and through the takedown form with a
    # reason (portal.services.workflow.page_take_down), never this bare view.
    messages.error(request, _("Chỉ Trưởng ban biên tập được gỡ bài, bằng chức năng Gỡ bài (có lý do)."))
    return redirect("wagtailadmin_pages:edit", page.pk)


@hooks.register("before_publish_page")
def _publish_through_workflow(request: HttpRequest, page: Any) -> HttpResponse | None:
    # Publishing is the secretary's step of the board's workflow (P3), never the editor's button.
    messages.error(request, _("Bài được đăng qua quy trình duyệt của Ban biên tập; hãy gửi duyệt."))
    return redirect("wagtailadmin_pages:edit", page.pk)


@hooks.register("register_admin_urls")
def _portal_admin_urls() -> list[Any]:
    from django.urls import path as plain_path

    from core.responses import refusal_as_403
    from portal import admin_views, board_views

    def path(route: str, view: Any, name: str) -> Any:
        return plain_path(route, refusal_as_403(view), name=name)

    return [
        path("portal/take-down/<int:page_id>/", admin_views.take_down_view, name="portal-take-down"),
        path("portal/duties/", board_views.dashboard_view, name="portal-duties"),
        path("portal/duties/settings/", board_views.duty_settings_view, name="portal-duty-settings"),
        path("portal/events/add/", board_views.event_edit_view, name="portal-event-add"),
        path("portal/events/<int:event_id>/", board_views.event_edit_view, name="portal-event"),
        path("portal/feedback/", board_views.feedback_list_view, name="portal-feedback-list"),
        path(
            "portal/feedback/<int:feedback_id>/",
            board_views.feedback_detail_view,
            name="portal-feedback-detail",
        ),
        path(
            "portal/feedback/<int:feedback_id>/attachment/",
            board_views.feedback_attachment_view,
            name="portal-feedback-attachment",
        ),
        path("portal/consultations/", board_views.consultation_list_view, name="portal-consultations-admin"),
        path(
            "portal/consultations/<int:consultation_id>/",
            board_views.consultation_detail_view,
            name="portal-consultation-admin",
        ),
        path("portal/reports/", board_views.report_view, name="portal-reports"),
    ]


@hooks.register("register_admin_menu_item")
def _duties_menu() -> Any:
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _
    from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

    from accounts.permissions import can

    class _Item(MenuItem):
        def __init__(self, label: Any, url: str, code: str, **kwargs: Any) -> None:
            super().__init__(label, url, **kwargs)
            self.code = code

        def is_shown(self, request: HttpRequest) -> bool:
            return can(request.user, self.code)  # type: ignore[arg-type]

    items = [
        _Item(
            _("Hạn đưa tin, chỉ tiêu"), reverse("portal-duties"), "portal.view_reports", name="portal-duties"
        ),
        _Item(
            _("Góp ý, kiến nghị"),
            reverse("portal-feedback-list"),
            "portal.answer_feedback",
            name="portal-feedback",
        ),
        _Item(
            _("Lấy ý kiến dự thảo"),
            reverse("portal-consultations-admin"),
            "portal.manage_duties",
            name="portal-consultations",
        ),
        _Item(
            _("Báo cáo hoạt động"), reverse("portal-reports"), "portal.view_reports", name="portal-reports"
        ),
    ]
    return SubmenuMenuItem(_("Nhiệm vụ Ban biên tập"), Menu(items=items), icon_name="tasks", order=250)


@hooks.register("register_page_header_buttons")
def _take_down_button(page: Any, user: Any, view_name: str | None = None, next_url: str | None = None) -> Any:
    from django.urls import reverse
    from wagtail.admin.widgets import Button

    from accounts.permissions import can

    if page.live and can(user, "portal.take_down"):
        yield Button(_("Gỡ bài (có lý do)"), reverse("portal-take-down", args=[page.pk]), priority=5)


class OverduePanel(Component):
    """The back office's home: approved items waiting for publication past their due time (P3)."""

    name = "portal_overdue"
    order = 50
    template_name = "portal/admin/overdue_panel.html"

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        from portal.selectors import items_overdue

        return {"states": items_overdue()}


@hooks.register("construct_homepage_panels")
def _overdue_panel(request: HttpRequest, panels: list[Any]) -> None:
    from accounts.permissions import can

    if can(request.user, "portal.publish") or can(request.user, "portal.approve"):
        panels.append(OverduePanel(request))
