"""Reads of the hub's tables for the province console (public schema); no writes here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncHour
from django.utils import timezone

from core.tenancy import in_public
from interagency.hub.models import FederationPeer, HubAttempt, HubDelivery, HubPacket, Organisation

# The packet's bytes stay in the database unless a page really shows or exports them.
_HEAVY = ("packet__content",)


@dataclass(frozen=True)
class HourBar:
    start: datetime  # local (Asia/Ho_Chi_Minh) start of the hour
    delivered: int
    percent: int  # of the busiest hour, for the CSS bar


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def hub_hourly_deliveries(*, now: datetime | None = None, hours: int = 24) -> list[HourBar]:
    """Successful tries per local hour for the last `hours` hours, oldest first, empty hours included."""
    zone = _local_zone()
    now = now or timezone.now()
    last = now.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    first = last - timedelta(hours=hours - 1)
    with in_public():
        rows = (
            HubAttempt.objects.filter(ok=True, at__gte=first)
            .annotate(hour=TruncHour("at", tzinfo=zone))
            .values("hour")
            .annotate(count=Count("id"))
        )
        counts = {row["hour"].astimezone(zone): row["count"] for row in rows}
    starts = [first + timedelta(hours=index) for index in range(hours)]
    busiest = max(counts.values(), default=0)
    return [
        HourBar(
            start=start,
            delivered=counts.get(start, 0),
            percent=round(100 * counts.get(start, 0) / busiest) if busiest else 0,
        )
        for start in starts
    ]


# Kept in the cache by the services, read here: a peer's last authenticated call (an ISO time) and
# the outcome of its last scheduled pull ({"ok", "summary", "at"}).
PEER_SEEN_KEY = "hub:peer-seen:{system_id}"
PEER_PULL_KEY = "hub:peer-pull:{system_id}"


def _cached(key: str, system_ids: list[str]) -> dict[str, Any]:
    keys = {key.format(system_id=system_id): system_id for system_id in system_ids}
    with in_public():
        found = cache.get_many(list(keys)) if keys else {}
    return {keys[name]: value for name, value in found.items()}


def hub_peer_pull_outcome(system_id: str) -> dict[str, Any] | None:
    """The last scheduled pull's outcome: {"ok", "summary", "at"}, or None."""
    value = _cached(PEER_PULL_KEY, [system_id]).get(system_id)
    return value if isinstance(value, dict) else None


def hub_peer_counts() -> list[dict[str, Any]]:
    """Each federation peer with its traffic, in a fixed number of queries however many peers:
    packets taken from it (`received`, last at `last_received_at`), deliveries through it by state
    (reached via the directory's hub_url) and the packets among them it has (`sent`), the last
    call it made to us (`last_seen_at`) and the outcome of the last scheduled pull (`pull`)."""
    with in_public():
        peers = list(FederationPeer.objects.order_by("system_id"))
        received: dict[str, dict[str, Any]] = {
            row["source"]: dict(row)
            for row in HubPacket.objects.filter(source__startswith="peer:")
            .values("source")
            .annotate(count=Count("id"), last=Max("received_at"))
        }
        hub_url = Organisation.objects.filter(org_code=OuterRef("recipient_code")).values("hub_url")[:1]
        by_url: dict[str, dict[str, int]] = {}
        for row in (
            HubDelivery.objects.filter(target=HubDelivery.Target.PEER)
            .annotate(hub_url=Subquery(hub_url))
            .values("hub_url")
            .annotate(
                pending=Count("id", filter=Q(state=HubDelivery.State.PENDING)),
                dead=Count("id", filter=Q(state=HubDelivery.State.DEAD)),
                delivered=Count("id", filter=Q(state=HubDelivery.State.DELIVERED)),
                sent=Count("packet", filter=Q(state=HubDelivery.State.DELIVERED), distinct=True),
            )
        ):
            figures = by_url.setdefault((row["hub_url"] or "").rstrip("/"), {})
            for name in ("pending", "dead", "delivered", "sent"):
                figures[name] = figures.get(name, 0) + int(row[name])
    seen = _cached(PEER_SEEN_KEY, [peer.system_id for peer in peers])
    pulls = _cached(PEER_PULL_KEY, [peer.system_id for peer in peers])
    result = []
    for peer in peers:
        taken = received.get(f"peer:{peer.system_id}", {})
        traffic = by_url.get(peer.base_url.rstrip("/"), {})
        result.append(
            {
                "peer": peer,
                "received": taken.get("count", 0),
                "last_received_at": taken.get("last"),
                "pending": traffic.get("pending", 0),
                "dead": traffic.get("dead", 0),
                "delivered": traffic.get("delivered", 0),
                "sent": traffic.get("sent", 0),
                "last_seen_at": seen.get(peer.system_id),
                "pull": pulls.get(peer.system_id) if peer.mode == FederationPeer.Mode.PULL else None,
            }
        )
    return result


def hub_peer_get(*, peer_id: int) -> FederationPeer | None:
    with in_public():
        return FederationPeer.objects.filter(pk=peer_id).first()


def hub_recipient_backlog(*, limit: int = 20) -> list[dict[str, Any]]:
    """The recipients with the most waiting or dead deliveries: where the trouble is."""
    with in_public():
        rows = (
            HubDelivery.objects.exclude(state=HubDelivery.State.DELIVERED)
            .values("recipient_code", "target")
            .annotate(
                pending=Count("id", filter=Q(state=HubDelivery.State.PENDING)),
                dead=Count("id", filter=Q(state=HubDelivery.State.DEAD)),
            )
            .order_by("-dead", "-pending", "recipient_code")[:limit]
        )
        return [dict(row) for row in rows]


def hub_overview(*, now: datetime | None = None) -> dict[str, Any]:
    """Everything the hub's console page shows, in a handful of queries."""
    now = now or timezone.now()
    figures = queue_figures()
    with in_public():
        oldest = HubDelivery.objects.filter(state=HubDelivery.State.PENDING).aggregate(
            oldest=Min("created_at")
        )["oldest"]
        day = HubAttempt.objects.filter(at__gte=now - timedelta(hours=24)).aggregate(
            delivered=Count("id", filter=Q(ok=True)), failed=Count("id", filter=Q(ok=False))
        )
    return {
        "figures": figures,
        "oldest_waiting_since": oldest,
        "oldest_waiting_age": (now - oldest) if oldest else None,
        "delivered_24h": day["delivered"],
        "failed_24h": day["failed"],
        "hours": hub_hourly_deliveries(now=now),
        "peers": hub_peer_counts(),
        "backlog": hub_recipient_backlog(),
    }


def hub_delivery_list(
    *, state: str = "", recipient: str = "", sender: str = "", kind: str = "", document_id: str = ""
) -> QuerySet[HubDelivery]:
    """Deliveries, newest first, filtered; the packet comes along without its bytes."""
    deliveries = HubDelivery.objects.select_related("packet").defer(*_HEAVY)
    if state:
        deliveries = deliveries.filter(state=state)
    if recipient:
        deliveries = deliveries.filter(recipient_code__icontains=recipient.strip())
    if sender:
        deliveries = deliveries.filter(packet__sender_code__icontains=sender.strip())
    if kind:
        deliveries = deliveries.filter(packet__kind=kind)
    if document_id:
        deliveries = deliveries.filter(document_id__icontains=document_id.strip())
    return deliveries.order_by("-id")


def hub_delivery_get(*, delivery_id: int) -> HubDelivery | None:
    with in_public():
        return (
            HubDelivery.objects.select_related("packet")
            .defer(*_HEAVY)
            .prefetch_related("tries")
            .filter(pk=delivery_id)
            .first()
        )


def hub_packet_get(*, packet_id: Any) -> HubPacket | None:
    with in_public():
        return (
            HubPacket.objects.defer("content")
            .prefetch_related("deliveries")
            .filter(packet_id=packet_id)
            .first()
        )


def hub_exchange_packets(*, document_id: str) -> QuerySet[HubPacket]:
    """Every packet about one exchange (one edXML DocumentId), in the order the hub took them."""
    return HubPacket.objects.filter(document_id=document_id).order_by("id")


def queue_figures() -> dict[str, int]:
    """What the operator watches: waiting, due, dead, and the last hour's tries."""
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


def deliveries_to_tenant_since(*, org_code: str, since: datetime) -> QuerySet[HubDelivery]:
    """What the hub delivered into an agency of ours at or after `since`, in delivery order."""
    return (
        HubDelivery.objects.filter(
            target=HubDelivery.Target.TENANT,
            recipient_code__iexact=org_code,
            state=HubDelivery.State.DELIVERED,
            delivered_at__gte=since,
        )
        .select_related("packet")
        .order_by("id")
    )


def packets_from_since(*, org_code: str, since: datetime) -> QuerySet[HubPacket]:
    """What an organisation handed to the hub at or after `since`, oldest first (bytes left out)."""
    return (
        HubPacket.objects.filter(sender_code__iexact=org_code, received_at__gte=since)
        .defer("content")
        .order_by("id")
    )


@dataclass(frozen=True)
class Backlog:
    target: str
    pending: int
    dead: int
    oldest_pending: datetime | None


def delivery_backlog() -> list[Backlog]:
    """Per target (our agencies, other hubs): deliveries waiting and dead, and the oldest waiting."""
    with in_public():
        rows = (
            HubDelivery.objects.filter(state__in=[HubDelivery.State.PENDING, HubDelivery.State.DEAD])
            .values("target")
            .annotate(
                pending=Count("id", filter=Q(state=HubDelivery.State.PENDING)),
                dead=Count("id", filter=Q(state=HubDelivery.State.DEAD)),
                oldest=Min("created_at", filter=Q(state=HubDelivery.State.PENDING)),
            )
            .order_by("target")
        )
        found = {
            row["target"]: Backlog(row["target"], row["pending"], row["dead"], row["oldest"]) for row in rows
        }
    return [found.get(target, Backlog(target, 0, 0, None)) for target in HubDelivery.Target.values]
