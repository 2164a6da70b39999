"""The hub's pages on the province console: queue, deliveries, packets, evidence, the other hubs it
federates with. Thin: a selector or a service call, then a template. Operators watch
(interagency.watch) and retry and manage peers (.manage)."""

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
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import can, in_province_scope
from accounts.roles import PermissionCode
from core.audit import Actor, actor_from
from core.errors import ApplicationError
from core.responses import form_call, message_call
from core.tenancy import in_public
from interagency.hub import selectors as hub_selectors
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
    return render(request, "hub/console/packet_detail.html", {"packet": packet})


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


def _edit_initial(peer: FederationPeer) -> dict[str, str]:
    return {
        "name": peer.name,
        "base_url": peer.base_url,
        "remote_system_id": peer.remote_system_id,
        "mode": peer.mode,
        "org_patterns": peer.org_patterns,
        "tls_ca": peer.tls_ca,
    }


def _peer_page(
    request: HttpRequest,
    peer: FederationPeer,
    *,
    edit: PeerEditForm | None = None,
    roots: PeerTrustRootsForm | None = None,
    remote: PeerRemoteSecretForm | None = None,
    status: int = 200,
) -> HttpResponse:
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
            "edit_form": edit or PeerEditForm(initial=_edit_initial(peer)),
            "roots_form": roots or PeerTrustRootsForm(),
            "remote_form": remote or PeerRemoteSecretForm(),
        },
        status=status,
    )


def _secret_shown_once(request: HttpRequest, peer: FederationPeer, secret: str) -> HttpResponse:
    response = render(request, "hub/console/peer_secret.html", {"peer": peer, "secret": secret})
    response["Cache-Control"] = "no-store"  # the secret exists nowhere else in clear
    return response


def _changes(data: dict[str, str]) -> federation.PeerChanges:
    return federation.PeerChanges(
        name=data["name"],
        base_url=data["base_url"],
        remote_system_id=data["remote_system_id"],
        mode=data["mode"],
        org_patterns=data["org_patterns"],
        tls_ca=data["tls_ca"],
    )


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
    form = PeerAddForm(request.POST or None, initial={"mode": FederationPeer.Mode.PUSH})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = form_call(
            form,
            federation.peer_create,
            actor=actor_from(request),
            data=federation.PeerData(
                system_id=data["system_id"],
                name=data["name"],
                base_url=data["base_url"],
                remote_system_id=data["remote_system_id"],
                remote_secret=data["remote_secret"],
                trust_roots=data["trust_roots"],
                tls_ca=data["tls_ca"],
                mode=data["mode"],
                org_patterns=data["org_patterns"],
            ),
        )
        if outcome.value is not None:
            peer, secret = outcome.value
            return _secret_shown_once(request, peer, secret)
    status = 400 if form.is_bound else 200
    return render(request, "hub/console/peer_add.html", {"form": form}, status=status)


@require_safe
@login_required
def hub_peer_detail(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request, "interagency.watch")
    return _peer_page(request, _peer_or_404(peer_id))


@require_POST
@login_required
def hub_peer_edit(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request, "interagency.manage")
    peer = _peer_or_404(peer_id)
    form = PeerEditForm(request.POST)
    if form.is_valid():
        outcome = form_call(
            form,
            federation.peer_update,
            actor=actor_from(request),
            peer_id=peer.pk,
            changes=_changes(form.cleaned_data),
        )
        if outcome.ok:
            messages.success(request, _("Đã lưu thông tin trục %s.") % peer.system_id)
            return redirect("hub-peer-detail", peer_id=peer.pk)
    return _peer_page(request, peer, edit=form, status=400)


@require_POST
@login_required
def hub_peer_trust_roots(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request, "interagency.manage")
    peer = _peer_or_404(peer_id)
    form = PeerTrustRootsForm(request.POST)
    if form.is_valid():
        outcome = form_call(
            form,
            federation.peer_trust_roots_replace,
            actor=actor_from(request),
            peer_id=peer.pk,
            trust_roots=form.cleaned_data["trust_roots"],
        )
        if outcome.ok:
            messages.success(request, _("Đã thay chứng thư gốc ký số của trục %s.") % peer.system_id)
            return redirect("hub-peer-detail", peer_id=peer.pk)
    return _peer_page(request, peer, roots=form, status=400)


@require_POST
@login_required
def hub_peer_remote_secret(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request, "interagency.manage")
    peer = _peer_or_404(peer_id)
    form = PeerRemoteSecretForm(request.POST)
    if form.is_valid():
        outcome = form_call(
            form,
            federation.peer_remote_secret_set,
            actor=actor_from(request),
            peer_id=peer.pk,
            remote_secret=form.cleaned_data["remote_secret"],
        )
        if outcome.ok:
            messages.success(request, _("Đã lưu khóa bí mật mới dùng khi gọi trục %s.") % peer.system_id)
            return redirect("hub-peer-detail", peer_id=peer.pk)
    return _peer_page(request, peer, remote=form, status=400)


@require_POST
@login_required
def hub_peer_secret_rotate(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request, "interagency.manage")
    peer = _peer_or_404(peer_id)
    rotated, secret = federation.peer_secret_rotate(actor=actor_from(request), peer_id=peer.pk)
    return _secret_shown_once(request, rotated, secret)


@require_POST
@login_required
def hub_peer_pause(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request, "interagency.manage")
    peer = _peer_or_404(peer_id)
    message_call(
        request,
        federation.peer_pause,
        actor=actor_from(request),
        peer_id=peer.pk,
        success=_("Đã tạm dừng trao đổi với trục %s.") % peer.system_id,
    )
    return redirect("hub-peer-detail", peer_id=peer.pk)


@require_POST
@login_required
def hub_peer_resume(request: HttpRequest, peer_id: int) -> HttpResponse:
    _require(request, "interagency.manage")
    peer = _peer_or_404(peer_id)
    message_call(
        request,
        federation.peer_resume,
        actor=actor_from(request),
        peer_id=peer.pk,
        success=_("Đã mở lại trao đổi với trục %s.") % peer.system_id,
    )
    return redirect("hub-peer-detail", peer_id=peer.pk)
