"""The clerk's hub pages: the inbox of documents that came through the hub, one item with its
decisions (accept, refuse, answer the sender's request). Thin: permission, one service call."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import require
from accounts.roles import PermissionCode
from core.audit import actor_from
from core.errors import ApplicationError
from core.responses import error_message, form_call
from interagency.exchange.forms import AnswerForm, RefuseForm
from interagency.exchange.models import InboxItem
from interagency.exchange.selectors import inbox_item_get, inbox_item_queue
from interagency.exchange.services.inbox import inbox_item_accept, inbox_item_answer, inbox_item_refuse
from interagency.hub.deviations import deviations_explain
from qlvbdh import catalogue

PERMISSION: PermissionCode = "qlvbdh.register_incoming"
# edXML Priority (0-4) as the clerk reads it.
PRIORITY_LABELS = {
    0: catalogue.Urgency.NORMAL.label,
    1: catalogue.Urgency.URGENT.label,
    2: catalogue.Urgency.VERY_URGENT.label,
    3: catalogue.Urgency.FLASH.label,
    4: catalogue.Urgency.FLASH.label,
}


def _item_or_404(request: HttpRequest, key: str) -> InboxItem:
    item = inbox_item_get(reader=request.user, key=key)
    if item is None:
        raise Http404
    return item


def open_request(item: InboxItem) -> dict[str, Any] | None:
    """The sender's request still waiting for an answer, if any."""
    request = item.request
    if not request or request.get("answer"):
        return None
    return request


@login_required
def inbox_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, PERMISSION)
    state = request.GET.get("state", "")
    if state not in InboxItem.State.values:
        state = ""
    items = inbox_item_queue(reader=request.user, state=state)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    for item in page:
        item.open_request = open_request(item)
    return render(
        request,
        "exchange/inbox_list.html",
        {"page": page, "state": state, "states": InboxItem.State.choices},
    )


def _render_item(
    request: HttpRequest,
    item: InboxItem,
    *,
    refuse_form: RefuseForm | None = None,
    answer_form: AnswerForm | None = None,
) -> HttpResponse:
    metadata = item.metadata or {}
    due = metadata.get("due_date")
    return render(
        request,
        "exchange/inbox_item.html",
        {
            "item": item,
            "metadata": metadata,
            "due_date": date.fromisoformat(due) if isinstance(due, str) and due else None,
            "priority": PRIORITY_LABELS.get(metadata.get("priority") or 0, PRIORITY_LABELS[0]),
            "open_request": open_request(item),
            "deviations": deviations_explain(item.warnings),
            "refuse_form": refuse_form or RefuseForm(),
            "answer_form": answer_form or AnswerForm(),
        },
    )


@login_required
def inbox_item_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, PERMISSION)
    return _render_item(request, _item_or_404(request, key))


@require_POST
@login_required
def inbox_accept_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, PERMISSION)
    item = _item_or_404(request, key)
    try:
        document = inbox_item_accept(actor=actor_from(request), item=item)
    except (ApplicationError, ValidationError) as exc:  # ValidationError: the register's checks
        messages.error(request, error_message(exc))
        return redirect("hub-inbox-item", key=str(item.uuid))
    messages.success(
        request, _("Đã tiếp nhận văn bản, số đến %(n)s.") % {"n": f"{document.register_number:02d}"}
    )
    return redirect("document-detail", key=str(document.uuid))


@require_POST
@login_required
def inbox_refuse_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, PERMISSION)
    item = _item_or_404(request, key)
    form = RefuseForm(request.POST)
    if form.is_valid():
        refused = form_call(
            form, inbox_item_refuse, actor=actor_from(request), item=item, reason=form.cleaned_data["reason"]
        )
        if refused.ok:
            messages.success(request, _("Đã từ chối tiếp nhận văn bản."))
            return redirect("hub-inbox-item", key=str(item.uuid))
    return _render_item(request, item, refuse_form=form)


@require_POST
@login_required
def inbox_answer_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, PERMISSION)
    item = _item_or_404(request, key)
    form = AnswerForm(request.POST)
    if form.is_valid():
        answered = form_call(
            form,
            inbox_item_answer,
            actor=actor_from(request),
            item=item,
            agree=form.cleaned_data["agree"],
            reason=form.cleaned_data["reason"],
        )
        if answered.ok:
            messages.success(request, _("Đã trả lời đề nghị của bên gửi."))
            return redirect("hub-inbox-item", key=str(item.uuid))
    return _render_item(request, item, answer_form=form)
