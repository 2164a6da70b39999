"""The province's hub (public schema): takes packets in, keeps them, delivers them.

`delivery_run_next` delivers one due delivery: to a tenant of
ours inside one database transaction that covers both the recipient's inbox and the delivery's
state (a worker killed half-way leaves nothing behind and the row is picked up again), or to
another hub through the federation connector (at least once; the peer dedupes on the packet id).
Failures are retried with exponential back-off, then the delivery is dead until an operator
retries it. Deliveries about one document to one recipient go strictly in order.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public, in_schema
from interagency.hub import agencies
from interagency.hub.models import FederationPeer, HubAttempt, HubDelivery, HubPacket, Organisation
from interagency.hub.services.connector import packet_send
from interagency.hub.services.directory import directory_lookup
from interagency.hub.services.queue import deliver_soon
from interagency.hub.services.retries import DeliveryFailed, backoff, max_attempts
from interagency.hub.services.routing import route as route_for
from interagency.hub.services.routing import url_forms
from tenants.models import Tenant

logger = logging.getLogger(__name__)


def _due(now: datetime) -> Any:
    earlier_open = HubDelivery.objects.filter(
        document_id=OuterRef("document_id"), recipient_code=OuterRef("recipient_code"), id__lt=OuterRef("id")
    ).exclude(state=HubDelivery.State.DELIVERED)
    # A pull-mode peer fetches and acks these itself (interagency.federation): never pushed, no tries.
    held_for_pull = Organisation.objects.filter(
        kind=Organisation.Kind.EXTERNAL,
        hub_url__in=FederationPeer.objects.filter(mode=FederationPeer.Mode.PULL).values("base_url"),
    ).values("org_code")
    return (
        HubDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(state=HubDelivery.State.PENDING, next_attempt_at__lte=now)
        .exclude(Exists(earlier_open))
        .exclude(target=HubDelivery.Target.PEER, recipient_code__in=held_for_pull)
        .order_by("next_attempt_at", "id")
    )


def _deliver_to_tenant(delivery: HubDelivery, packet: HubPacket) -> str:
    tenant = Tenant.objects.filter(org_code=delivery.recipient_code).first()
    if tenant is None:
        raise DeliveryFailed(_("Không có đơn vị mang mã %s.") % delivery.recipient_code, permanent=True)
    if tenant.is_public:  # its schema has no inbox: routing refuses it; older rows end here
        raise DeliveryFailed(route_for(delivery.recipient_code).error, permanent=True)
    if tenant.status != Tenant.Status.ACTIVE:
        raise DeliveryFailed(
            _("Đơn vị %(code)s đang %(status)s.")
            % {"code": tenant.org_code, "status": tenant.get_status_display()}
        )
    with in_schema(tenant.schema_name):
        return agencies.receive(
            content=bytes(packet.content),
            packet_id=packet.packet_id,
            sha256=packet.sha256,
            warnings=packet.warnings or (),
        )


def _deliver_to_peer(delivery: HubDelivery, packet: HubPacket) -> str:
    organisation = directory_lookup(delivery.recipient_code)
    peer = (
        FederationPeer.objects.filter(base_url__in=url_forms(organisation.hub_url), is_active=True).first()
        if organisation is not None
        else None
    )
    if peer is None:
        raise DeliveryFailed(_("Chưa cấu hình kết nối tới trục của %s.") % delivery.recipient_code)
    packet_send(peer=peer, packet=packet)
    return "sent"


def delivery_run_next(*, now: datetime | None = None) -> HubDelivery | None:
    """Deliver one due delivery; None when nothing is due. Runs in the public schema."""
    now = now or timezone.now()
    with in_public(), transaction.atomic():
        delivery = _due(now).first()
        if delivery is None:
            return None
        packet = HubPacket.objects.get(pk=delivery.packet_id)
        delivery.attempts += 1
        try:
            with transaction.atomic():
                if delivery.target == HubDelivery.Target.TENANT:
                    outcome = _deliver_to_tenant(delivery, packet)
                else:
                    outcome = _deliver_to_peer(delivery, packet)
        except Exception as exc:
            permanent = isinstance(exc, DeliveryFailed) and exc.permanent
            message = (
                str(exc)
                if isinstance(exc, (DeliveryFailed, ApplicationError))
                else f"{type(exc).__name__}: {exc}"
            )
            if permanent or delivery.attempts >= max_attempts():
                delivery.state = HubDelivery.State.DEAD
            else:
                delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            delivery.last_error = message[:2000]
            delivery.save(update_fields=["state", "attempts", "next_attempt_at", "last_error"])
            HubAttempt.objects.create(delivery=delivery, ok=False, outcome=message[:255])
            return delivery
        delivery.state = HubDelivery.State.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["state", "attempts", "delivered_at", "last_error"])
        HubAttempt.objects.create(delivery=delivery, ok=True, outcome=outcome)
    return delivery


def deliver_due(*, limit: int = 500) -> int:
    """Deliver what is due, at most `limit` tries; returns how many were tried."""
    tried = 0
    while tried < limit and delivery_run_next() is not None:
        tried += 1
    return tried


def work(*, rounds: int = 1000) -> tuple[int, int]:
    """Relay and deliver until nothing is left that is due (the worker's loop, and `hub work`)."""
    relayed = delivered = 0
    for _round in range(rounds):
        step_relayed = agencies.feed()
        step_delivered = deliver_due()
        relayed += step_relayed
        delivered += step_delivered
        if not step_relayed and not step_delivered:
            break
    return relayed, delivered


def delivery_retry(*, actor: Actor, delivery_id: int) -> HubDelivery:
    """An operator sends a dead (or waiting) delivery again now, with a fresh count of tries."""
    require_actor(actor, "interagency.manage")
    with in_public(), transaction.atomic():
        delivery = HubDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            raise ApplicationError(_("Không tìm thấy lượt chuyển."), code="not_found", status=404)
        if delivery.state == HubDelivery.State.DELIVERED:
            return delivery
        route = route_for(delivery.recipient_code)  # the directory or the peers may have changed
        if route.refused:
            raise ApplicationError(route.error)
        delivery.target = route.target
        delivery.state = HubDelivery.State.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["target", "state", "attempts", "next_attempt_at"])
        audit_record(actor=actor, action="hub.retry", target=delivery, packet=str(delivery.packet.packet_id))
        transaction.on_commit(deliver_soon)
    return delivery
