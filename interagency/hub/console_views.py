"""The hub's pages on the province console: queue, deliveries, packets, evidence. Thin: a selector
or a service call, then a template. Operators watch (interagency.watch) and retry (.manage)."""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import can, in_province_scope
from accounts.roles import PermissionCode
from core.audit import Actor
from core.errors import ApplicationError
from core.tenancy import in_public
from interagency.hub import selectors as hub_selectors
from interagency.hub.deviations import deviations_explain
from interagency.hub.models import HubDelivery, HubPacket
from interagency.hub.services import evidence
from interagency.hub.services.deliveries import delivery_retry

PAGE_SIZE = 50
_FILE_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _require(request: HttpRequest, code: PermissionCode) -> None:
    # The console's URLconf is served only on the console host; the scope check is belt and braces.
    if not in_province_scope() or not can(request.user, code):
        raise PermissionDenied


def _refusal(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "hub/console/refusal.html", {"message": message}, status=status)


@require_safe
@login_required
def hub_home(request: HttpRequest) -> HttpResponse:
    _require(request, "interagency.watch")
    return render(request, "hub/console/home.html", hub_selectors.hub_overview())


@require_safe
@login_required
def hub_delivery_list(request: HttpRequest) -> HttpResponse:
    _require(request, "interagency.watch")
    filters = {
        "state": request.GET.get("state", "") if request.GET.get("state") in HubDelivery.State.values else "",
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in HubPacket.Kind.values else "",
        "recipient": request.GET.get("recipient", "")[:32],
        "sender": request.GET.get("sender", "")[:32],
        "document_id": request.GET.get("document_id", "")[:255],
    }
    with in_public():
        page = Paginator(hub_selectors.hub_delivery_list(**filters), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "hub/console/delivery_list.html",
        {
            "page": page,
            "deliveries": rows,
            "filters": filters,
            "states": HubDelivery.State.choices,
            "kinds": HubPacket.Kind.choices,
            "query": query.urlencode(),
        },
    )


def _delivery_context(request: HttpRequest, delivery_id: int) -> dict[str, object]:
    delivery = hub_selectors.hub_delivery_get(delivery_id=delivery_id)
    if delivery is None:
        raise Http404
    return {"delivery": delivery, "can_manage": can(request.user, "interagency.manage")}


@require_safe
@login_required
def hub_delivery_detail(request: HttpRequest, delivery_id: int) -> HttpResponse:
    _require(request, "interagency.watch")
    return render(request, "hub/console/delivery_detail.html", _delivery_context(request, delivery_id))


@require_POST
@login_required
def hub_delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    _require(request, "interagency.manage")
    before = hub_selectors.hub_delivery_get(delivery_id=delivery_id)
    if before is None:
        raise Http404
    try:
        delivery = delivery_retry(actor=Actor.from_request(request), delivery_id=delivery_id)
    except ApplicationError as exc:
        return _refusal(request, exc.message, exc.status)
    if before.state == HubDelivery.State.DELIVERED:
        messages.info(request, _("Lượt chuyển này đã chuyển xong; không cần gửi lại."))
    else:
        messages.success(
            request, _("Đã đưa lượt chuyển tới %s vào hàng đợi để gửi lại.") % delivery.recipient_code
        )
    if request.htmx:  # type: ignore[attr-defined]
        # The card alone, with the message inside it, replaces itself in place.
        return render(request, "hub/console/_delivery_card.html", _delivery_context(request, delivery_id))
    return redirect("hub-delivery-detail", delivery_id=delivery_id)


@require_safe
@login_required
def hub_packet_detail(request: HttpRequest, packet_id: uuid.UUID) -> HttpResponse:
    _require(request, "interagency.watch")
    packet = hub_selectors.hub_packet_get(packet_id=packet_id)
    if packet is None:
        raise Http404
    return render(
        request,
        "hub/console/packet_detail.html",
        {"packet": packet, "deviations": deviations_explain(packet.warnings)},
    )


@require_safe
@login_required
def hub_evidence_download(request: HttpRequest) -> HttpResponse:
    _require(request, "interagency.watch")
    document_id = request.GET.get("document_id", "").strip()
    if not document_id:
        return _refusal(request, _("Cần cho biết DocumentId của văn bản."), 400)
    try:
        data = evidence.evidence_export(actor=Actor.from_request(request), document_id=document_id)
    except ApplicationError as exc:
        return _refusal(request, exc.message, exc.status)
    name = _FILE_SAFE.sub("_", document_id).strip("_")[:120] or "exchange"
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="bang-chung-{name}.zip"'
    return response
