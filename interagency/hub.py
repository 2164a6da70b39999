"""The province's hub (public schema): takes packets in, keeps them, delivers them.

`packet_accept` records a packet once per packet id (with its hash, signature check and trace)
and one `HubDelivery` per recipient. `delivery_run_next` delivers one due delivery: to a tenant of
ours inside one database transaction that covers both the recipient's inbox and the delivery's
state (a worker killed half-way leaves nothing behind and the row is picked up again), or to
another hub through the federation connector (at least once; the peer dedupes on the packet id).
Failures are retried with exponential back-off, then the delivery is dead until an operator
retries it. Deliveries about one document to one recipient go strictly in order.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public, in_schema
from interagency import edxml
from interagency.models import FederationPeer, HubAttempt, HubDelivery, HubPacket, Organisation
from tenants.orgcode import normalize_org_code

logger = logging.getLogger(__name__)


class PacketRefused(ApplicationError):
    """The hub will not take this packet (bad signature, wrong sender, malformed): a 4xx."""

    def __init__(self, message: str, *, errors: list[str] | None = None) -> None:
        super().__init__(message, code="packet_refused", status=400, extra={"errors": errors or [message]})


class DeliveryFailed(Exception):
    """A delivery try failed; `permanent` sends it straight to the dead letters."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def max_attempts() -> int:
    return int(getattr(settings, "HUB_MAX_ATTEMPTS", 8))


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling after each failed try, at most 6 hours."""
    base = float(getattr(settings, "HUB_RETRY_BASE_SECONDS", 30))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


@dataclass(frozen=True)
class _Route:
    code: str
    target: str
    error: str = ""


def _route(code: str) -> _Route:
    from interagency.directory import directory_lookup
    from tenants.models import Tenant

    # Our own agencies first, straight from the tenant table (the directory may lag a new tenant).
    if Tenant.objects.filter(org_code=code).exclude(status=Tenant.Status.ARCHIVED).exists():
        return _Route(code, HubDelivery.Target.TENANT)
    organisation = directory_lookup(code)
    if organisation is None or not organisation.is_active:
        return _Route(code, HubDelivery.Target.TENANT, _("Mã định danh %s không có trong danh bạ.") % code)
    if organisation.kind == organisation.Kind.TENANT:
        return _Route(organisation.org_code, HubDelivery.Target.TENANT)
    if not FederationPeer.objects.filter(
        base_url__in=_url_forms(organisation.hub_url), is_active=True
    ).exists():
        return _Route(
            organisation.org_code,
            HubDelivery.Target.PEER,
            _("Chưa cấu hình kết nối tới trục %s.") % organisation.hub_url,
        )
    return _Route(organisation.org_code, HubDelivery.Target.PEER)


def _url_forms(url: str) -> list[str]:
    """A directory's hub_url matches a peer's base URL with or without a trailing slash."""
    bare = url.rstrip("/")
    return [bare, f"{bare}/"]


def _recipients(packet: edxml.Packet) -> list[str]:
    if isinstance(packet, edxml.StatusPacket):
        codes = [packet.response_for.organ_id]
    else:
        codes = [organisation.organ_id for organisation in packet.recipients]
    seen: list[str] = []
    for code in codes:
        try:
            code = normalize_org_code(code)
        except Exception:
            code = code.strip().upper()
        if code not in seen:
            seen.append(code)
    return seen


def _check_signature(
    content: bytes, *, expected_sender: str | None, peer: FederationPeer | None
) -> tuple[str, str, str]:
    from interagency import keys, signing

    if peer is not None:
        roots = [root.encode() for root in keys.split_pem(peer.trust_roots)]
        if not roots:
            check = signing.verify_packet(content, trust_roots_pem=[], expected_org_code=None)
            state = check.state if check.state in ("absent", "invalid") else "untrusted"
            if state == "invalid":
                raise PacketRefused(_("Chữ ký số của gói tin không hợp lệ: %s") % check.message)
            return state, check.subject, check.fingerprint
        check = signing.verify_packet(content, trust_roots_pem=roots, expected_org_code=expected_sender)
    else:
        check = signing.verify_packet(
            content, trust_roots_pem=keys.trust_roots(), expected_org_code=expected_sender
        )
    if check.state != "valid":
        raise PacketRefused(_("Chữ ký số của gói tin không hợp lệ: %s") % check.message)
    return check.state, check.subject, check.fingerprint


def packet_accept(
    *,
    content: bytes,
    packet_id: uuid.UUID,
    source: str,
    expected_sender: str | None = None,
    peer: FederationPeer | None = None,
    trace: list[dict[str, Any]] | None = None,
) -> HubPacket:
    """Record a packet and its deliveries (public schema, inside the caller's transaction or its
    own). The same packet id again returns the stored packet; other bytes under it are refused."""
    digest = hashlib.sha256(content).hexdigest()
    existing = HubPacket.objects.filter(packet_id=packet_id).first()
    if existing is not None:
        if existing.sha256 != digest:
            raise PacketRefused(_("Mã gói tin %s đã được dùng cho một gói tin khác.") % packet_id)
        return existing
    try:
        packet = edxml.parse(content)
    except edxml.EdxmlError as exc:
        raise PacketRefused(_("Gói tin edXML không hợp lệ."), errors=exc.errors) from exc
    sender = normalize_org_code(packet.sender.organ_id)
    if expected_sender is not None and sender != normalize_org_code(expected_sender):
        raise PacketRefused(
            _("Gói tin ghi bên gửi %(sender)s, nhưng được gửi từ %(source)s.")
            % {"sender": sender, "source": source}
        )
    signature, signer, fingerprint = _check_signature(content, expected_sender=sender, peer=peer)
    recipients = _recipients(packet)
    if not recipients:
        raise PacketRefused(_("Gói tin không có nơi nhận."))
    now = timezone.now()
    with transaction.atomic():
        record, created = HubPacket.objects.get_or_create(
            packet_id=packet_id,
            defaults={
                "kind": HubPacket.Kind.STATUS
                if isinstance(packet, edxml.StatusPacket)
                else HubPacket.Kind.EDOC,
                "business": None if isinstance(packet, edxml.StatusPacket) else packet.business_doc_type,
                "status_code": packet.status_code if isinstance(packet, edxml.StatusPacket) else "",
                "document_id": packet.document_id[:255],
                "sender_code": sender,
                "recipient_codes": recipients,
                "source": source[:80],
                "content": content,
                "size": len(content),
                "sha256": digest,
                "signature": signature,
                "signer": signer[:255],
                "signer_fingerprint": fingerprint,
                "trace": [*(trace or []), {"by": source, "at": now.isoformat()}],
            },
        )
        if not created:
            return record
        deliveries = []
        for code in recipients:
            route = _route(code)
            deliveries.append(
                HubDelivery(
                    packet=record,
                    recipient_code=route.code,
                    document_id=record.document_id,
                    target=route.target,
                    state=HubDelivery.State.DEAD if route.error else HubDelivery.State.PENDING,
                    last_error=route.error,
                    next_attempt_at=now,
                )
            )
        HubDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        transaction.on_commit(_deliver_soon)
    return record


def _deliver_soon() -> None:
    from interagency.tasks import hub_deliver_task

    try:
        with in_public():
            hub_deliver_task.delay()
    except Exception:
        logger.warning("hub: could not queue a delivery run; the sweep will", exc_info=True)


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
    from interagency.services import packet_receive
    from tenants.models import Tenant

    tenant = Tenant.objects.filter(org_code=delivery.recipient_code).first()
    if tenant is None:
        raise DeliveryFailed(_("Không có đơn vị mang mã %s.") % delivery.recipient_code, permanent=True)
    if tenant.status != Tenant.Status.ACTIVE:
        raise DeliveryFailed(
            _("Đơn vị %(code)s đang %(status)s.")
            % {"code": tenant.org_code, "status": tenant.get_status_display()}
        )
    with in_schema(tenant.schema_name):
        return packet_receive(content=bytes(packet.content), packet_id=packet.packet_id, sha256=packet.sha256)


def _deliver_to_peer(delivery: HubDelivery, packet: HubPacket) -> str:
    from interagency.connector import packet_send
    from interagency.directory import directory_lookup

    organisation = directory_lookup(delivery.recipient_code)
    peer = (
        FederationPeer.objects.filter(base_url__in=_url_forms(organisation.hub_url), is_active=True).first()
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


def relay_all(*, limit_per_tenant: int = 200) -> int:
    """Relay every agency's waiting outbox entries (the sweep after a crash or a broker outage)."""
    from interagency.models import OutboxEntry
    from interagency.services import outbox_relay
    from tenants.models import Tenant

    relayed = 0
    with in_public():
        schemas = list(
            Tenant.objects.filter(status=Tenant.Status.ACTIVE)
            .exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
            .values_list("schema_name", flat=True)
        )
    for schema in schemas:
        with in_schema(schema):
            if OutboxEntry.objects.filter(relayed_at__isnull=True).exists():
                relayed += outbox_relay(limit=limit_per_tenant)
    return relayed


def work(*, rounds: int = 1000) -> tuple[int, int]:
    """Relay and deliver until nothing is left that is due (the worker's loop, and `hub work`)."""
    relayed = delivered = 0
    for _round in range(rounds):
        step_relayed = relay_all()
        step_delivered = deliver_due()
        relayed += step_relayed
        delivered += step_delivered
        if not step_relayed and not step_delivered:
            break
    return relayed, delivered


def delivery_retry(*, actor: Actor, delivery_id: int) -> HubDelivery:
    """An operator sends a dead (or waiting) delivery again now, with a fresh count of tries."""
    from accounts.permissions import require_actor

    require_actor(actor, "interagency.manage")
    with in_public(), transaction.atomic():
        delivery = HubDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            raise ApplicationError(_("Không tìm thấy lượt chuyển."), code="not_found", status=404)
        if delivery.state == HubDelivery.State.DELIVERED:
            return delivery
        route = _route(delivery.recipient_code)  # the directory or the peers may have changed
        delivery.target = route.target
        delivery.state = HubDelivery.State.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["target", "state", "attempts", "next_attempt_at"])
        audit_record(actor=actor, action="hub.retry", target=delivery, packet=str(delivery.packet.packet_id))
        transaction.on_commit(_deliver_soon)
    return delivery


def queue_figures() -> dict[str, int]:
    """What the operator watches: waiting, due, dead, and the last hour's tries."""
    from django.db.models import Count, Q

    now = timezone.now()
    with in_public():
        counts = HubDelivery.objects.aggregate(
            waiting=Count("id", filter=Q(state=HubDelivery.State.PENDING)),
            due=Count("id", filter=Q(state=HubDelivery.State.PENDING, next_attempt_at__lte=now)),
            dead=Count("id", filter=Q(state=HubDelivery.State.DEAD)),
        )
        hour = HubAttempt.objects.filter(at__gte=now - timedelta(hours=1)).aggregate(
            delivered_last_hour=Count("id", filter=Q(ok=True)),
            failed_last_hour=Count("id", filter=Q(ok=False)),
        )
    return {**counts, **hour}
