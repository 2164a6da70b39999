"""The hub's pages on the province console: queue, deliveries, packets, evidence, the other hubs it
federates with. Thin: a selector or a service call, then a template. Operators watch
(interagency.watch) and retry and manage peers (.manage)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import can, in_province_scope
from accounts.roles import PermissionCode
from core.audit import Actor, actor_from
from core.errors import ApplicationError
from core.responses import form_call, message_call
from core.tenancy import in_public
from interagency.hub import selectors as hub_selectors
from interagency.hub.deviations import deviations_explain
from interagency.hub.forms import PeerAddForm, PeerEditForm, PeerRemoteSecretForm, PeerTrustRootsForm
from interagency.hub.models import FederationPeer, HubDelivery, HubPacket
from interagency.hub.services import evidence, federation
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


# --- other hubs (federation peers): watch with interagency.watch, change with .manage --------------


def _peer_or_404(peer_id: int) -> FederationPeer:
    peer = hub_selectors.hub_peer_get(peer_id=peer_id)
    if peer is None:
        raise Http404
    return peer


def _peer_page(
    request: HttpRequest, peer: FederationPeer, *, bound: Form | None = None, status: int = 200
) -> HttpResponse:
    """The peer's page; `bound` is a refused form, shown again in its place with its errors."""
    forms: dict[str, Form] = {
        "edit_form": PeerEditForm(initial=asdict(federation.PeerChanges.of(peer))),
        "roots_form": PeerTrustRootsForm(),
        "remote_form": PeerRemoteSecretForm(),
    }
    for name, form in forms.items():
        if bound is not None and type(bound) is type(form):
            forms[name] = bound
    traffic = next((row for row in hub_selectors.hub_peer_counts() if row["peer"].pk == peer.pk), {})
    return render(
        request,
        "hub/console/peer_detail.html",
        {
            "peer": peer,
            "traffic": traffic,
            "trust_roots": federation.certificate_summaries(peer.trust_roots),
            "tls_ca": federation.certificate_summaries(peer.tls_ca),
            "patterns": [line for line in peer.org_patterns.splitlines() if line.strip()],
            "can_manage": can(request.user, "interagency.manage"),
            "vxp_endpoint": _vxp_endpoint(request),
            **forms,
        },
        status=status,
    )


def _vxp_endpoint(request: HttpRequest) -> str:
    return request.build_absolute_uri("/vxp")


def _secret_shown_once(request: HttpRequest, peer: FederationPeer, secret: str) -> HttpResponse:
    if not secret:  # a VXP axis has no secret of ours to hand over
        return redirect("hub-peer-detail", peer_id=peer.pk)
    response = render(
        request,
        "hub/console/peer_secret.html",
        {"peer": peer, "secret": secret, "vxp_endpoint": _vxp_endpoint(request)},
    )
    response["Cache-Control"] = "no-store"  # the secret exists nowhere else in clear
    return response


@require_safe
@login_required
def hub_peer_list(request: HttpRequest) -> HttpResponse:
    _require(request, "interagency.watch")
    return render(
        request,
        "hub/console/peer_list.html",
        {"rows": hub_selectors.hub_peer_counts(), "can_manage": can(request.user, "interagency.manage")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def hub_peer_add(request: HttpRequest) -> HttpResponse:
    _require(request, "interagency.manage")
    form = PeerAddForm(
        request.POST or None,
        initial={"mode": FederationPeer.Mode.PUSH, "protocol": FederationPeer.Protocol.TINHSO},
    )
    if request.method == "POST" and form.is_valid():
        outcome = form_call(
            form,
            federation.peer_create,
            actor=actor_from(request),
            data=federation.PeerData(**form.cleaned_data),
        )
        if outcome.value is not None:
            return _secret_shown_once(request, *outcome.value)
    return render(request, "hub/console/peer_add.html", {"form": form}, status=400 if form.is_bound else 200)


@require_safe
@login_required
def hub_peer_detail(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request, "interagency.watch")
    return _peer_page(request, _peer_or_404(peer_id))


class _PeerChange(NamedTuple):
    """One POST form on the peer's page: the form that parses it, the service it goes to (with the
    form's fields turned into the service's arguments) and what the operator is told after."""

    form: type[Form]
    service: Callable[..., Any]
    arguments: Callable[[dict[str, Any]], dict[str, Any]]
    success: Any  # a lazy translation with one %s: the peer's system id


_PEER_CHANGES: dict[str, _PeerChange] = {
    "edit": _PeerChange(
        PeerEditForm,
        federation.peer_update,
        lambda fields: {"changes": federation.PeerChanges(**fields)},
        gettext_lazy("Đã lưu thông tin trục %s."),
    ),
    "trust-roots": _PeerChange(
        PeerTrustRootsForm,
        federation.peer_trust_roots_replace,
        dict,
        gettext_lazy("Đã thay chứng thư gốc ký số của trục %s."),
    ),
    "remote-secret": _PeerChange(
        PeerRemoteSecretForm,
        federation.peer_remote_secret_set,
        dict,
        gettext_lazy("Đã lưu khóa bí mật mới dùng khi gọi trục %s."),
    ),
}


@require_POST
@login_required
def hub_peer_change(request: HttpRequest, peer_id: int, change: str) -> HttpResponse:
    _require(request, "interagency.manage")
    peer = _peer_or_404(peer_id)
    spec = _PEER_CHANGES[change]
    form = spec.form(request.POST)
    if form.is_valid():
        outcome = form_call(
            form,
            spec.service,
            actor=actor_from(request),
            peer_id=peer.pk,
            **spec.arguments(form.cleaned_data),
        )
        if outcome.ok:
            messages.success(request, str(spec.success) % peer.system_id)
            return redirect("hub-peer-detail", peer_id=peer.pk)
    return _peer_page(request, peer, bound=form, status=400)


@require_POST
@login_required
def hub_peer_secret_rotate(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request, "interagency.manage")
    peer = _peer_or_404(peer_id)
    return _secret_shown_once(
        request, *federation.peer_secret_rotate(actor=actor_from(request), peer_id=peer.pk)
    )


@require_POST
@login_required
def hub_peer_activity(request: HttpRequest, peer_id: int, action: str) -> HttpResponse:
    """Pause or resume exchanging with a peer."""
    _require(request, "interagency.manage")
    peer = _peer_or_404(peer_id)
    service, success = (
        (federation.peer_pause, _("Đã tạm dừng trao đổi với trục %s."))
        if action == "pause"
        else (federation.peer_resume, _("Đã mở lại trao đổi với trục %s."))
    )
    message_call(
        request, service, actor=actor_from(request), peer_id=peer.pk, success=success % peer.system_id
    )
    return redirect("hub-peer-detail", peer_id=peer.pk)
