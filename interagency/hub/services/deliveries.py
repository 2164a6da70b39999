"""The province's hub (public schema): takes packets in, keeps them, delivers them.

`deliver_batch` delivers a batch of due deliveries: to tenants of ours inside one database
transaction that covers both the recipients' inboxes and the deliveries' states (a worker killed
half-way leaves nothing behind and the rows are picked up again), or to another hub through the
federation connector (at least once; the peer dedupes on the packet id).
Failures are retried with exponential back-off, then the delivery is dead until an operator
retries it. Deliveries about one document to one recipient go strictly in order.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.blobs import blobs_read
from core.errors import ApplicationError
from core.tenancy import in_public, in_schema
from interagency.hub import agencies
from interagency.hub.models import FederationPeer, HubAttempt, HubDelivery, HubPacket, Organisation
from interagency.hub.services.connector import packet_send
from interagency.hub.services.directory import directory_lookup
from interagency.hub.services.queue import deliver_soon, loop_follows, loop_written
from interagency.hub.services.retries import DeliveryFailed, backoff, max_attempts
from interagency.hub.services.routing import route as route_for
from interagency.hub.services.routing import url_forms
from tenants.models import Tenant

logger = logging.getLogger(__name__)
# Deliveries per transaction: enough to share schema switches and round trips, few enough that a
# rolled-back batch (a crash) costs little to redo.
BATCH_SIZE = 50
# Agencies one batch delivers to (each under its own schema switch; their outcomes written back
# together): as documents trickle in, an agency has one or two due at a time.
AGENCIES_PER_BATCH = 10
# How long one round of the worker's loop delivers before it relays what was issued meanwhile.
ROUND_SECONDS = 0.1


def _due(now: datetime) -> Any:
    return _due_rows().filter(next_attempt_at__lte=now)


@functools.cache
def _due_rows() -> Any:
    # Built once per process (its subqueries cost ~2 ms of Python a batch); only ever cloned, never
    # evaluated itself.
    earlier_open = HubDelivery.objects.filter(
        document_id=OuterRef("document_id"), recipient_code=OuterRef("recipient_code"), id__lt=OuterRef("id")
    ).exclude(state=HubDelivery.State.DELIVERED)
    # A pull-mode peer fetches and acks these itself (interagency.federation): never pushed, no tries.
    # A paused peer's wait, untried, until the operator resumes it.
    held_for_pull = Organisation.objects.filter(
        kind=Organisation.Kind.EXTERNAL,
        hub_url__in=FederationPeer.objects.filter(
            Q(mode=FederationPeer.Mode.PULL) | Q(is_active=False)
        ).values("base_url"),
    ).values("org_code")
    return (
        HubDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(state=HubDelivery.State.PENDING)
        .exclude(Exists(earlier_open))
        .exclude(target=HubDelivery.Target.PEER, recipient_code__in=held_for_pull)
        .order_by("next_attempt_at", "id")
    )


def _with_content(packets: dict[int, HubPacket]) -> dict[int, HubPacket]:
    # The bytes read in binary (a fraction of the ORM's hex text for a large packet).
    contents = blobs_read(HubPacket, "content", list(packets))
    for pk, packet in packets.items():
        packet.content = contents[pk]
    return packets


def _tenant_problem(code: str, tenant: Tenant | None) -> DeliveryFailed | None:
    if tenant is None:
        return DeliveryFailed(_("Không có đơn vị mang mã %s.") % code, permanent=True)
    if tenant.is_public:  # its schema has no inbox: routing refuses it; older rows end here
        return DeliveryFailed(route_for(code).error, permanent=True)
    if tenant.status != Tenant.Status.ACTIVE:
        return DeliveryFailed(
            _("Đơn vị %(code)s đang %(status)s.")
            % {"code": tenant.org_code, "status": tenant.get_status_display()}
        )
    return None


def _deliver_to_tenant(delivery: HubDelivery, packet: HubPacket) -> str:
    # The recipient's schema is already active: the batch switched to it once for all its deliveries.
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


class _Batch:
    """Each delivery's outcome in one batch, written back in a few statements at its end."""

    def __init__(self) -> None:
        self.deliveries: list[HubDelivery] = []
        self.attempts: list[HubAttempt] = []
        self.now = timezone.now()  # one time for the batch's deliveries: one transaction

    def tried(self, delivery: HubDelivery, packet: HubPacket, hand_over: Callable[..., str]) -> None:
        delivery.attempts += 1
        try:
            with transaction.atomic():  # a savepoint: a failure undoes this delivery only
                outcome = hand_over(delivery, packet)
        except Exception as exc:
            self.failed(delivery, exc)
            return
        self.delivered(delivery, outcome)

    def delivered(self, delivery: HubDelivery, outcome: str) -> None:
        delivery.state = HubDelivery.State.DELIVERED
        delivery.delivered_at = self.now
        delivery.last_error = ""
        self._done(delivery, ok=True, outcome=outcome)

    def handed_over(self, due: list[HubDelivery], packets: dict[int, HubPacket]) -> bool:
        """Hand the whole batch to the agency at once (a few statements for all of it); False, with
        nothing written, when that fails: each is then tried on its own."""
        try:
            with transaction.atomic():
                outcomes = agencies.receive_many(
                    packets=[
                        (
                            bytes(packets[d.packet_id].content),
                            packets[d.packet_id].packet_id,
                            packets[d.packet_id].sha256,
                            packets[d.packet_id].warnings or (),
                        )
                        for d in due
                    ]
                )
        except Exception:
            logger.info("hub: a batch of %s deliveries goes one by one", len(due), exc_info=True)
            return False
        for delivery, outcome in zip(due, outcomes, strict=True):
            delivery.attempts += 1
            self.delivered(delivery, outcome)
        return True

    def failed(self, delivery: HubDelivery, exc: Exception) -> None:
        message = (
            str(exc)
            if isinstance(exc, (DeliveryFailed, ApplicationError))
            else f"{type(exc).__name__}: {exc}"
        )
        permanent = isinstance(exc, DeliveryFailed) and exc.permanent
        if permanent or delivery.attempts >= max_attempts():
            delivery.state = HubDelivery.State.DEAD
        else:
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
        delivery.last_error = message[:2000]
        self._done(delivery, ok=False, outcome=message[:255])

    def _done(self, delivery: HubDelivery, *, ok: bool, outcome: str) -> None:
        self.deliveries.append(delivery)
        self.attempts.append(HubAttempt(delivery=delivery, ok=ok, outcome=outcome))

    def save(self) -> None:
        # The delivered in one UPDATE (their rows are locked: one more try each); the others one
        # per set of values, not a CASE per row.
        delivered = [d.pk for d in self.deliveries if d.state == HubDelivery.State.DELIVERED]
        if delivered:
            HubDelivery.objects.filter(pk__in=delivered).update(
                state=HubDelivery.State.DELIVERED,
                attempts=F("attempts") + 1,
                delivered_at=self.now,
                last_error="",
            )
        fields = ("state", "attempts", "next_attempt_at", "delivered_at", "last_error")
        groups: dict[tuple[Any, ...], list[int]] = {}
        for delivery in self.deliveries:
            if delivery.state != HubDelivery.State.DELIVERED:
                groups.setdefault(tuple(getattr(delivery, name) for name in fields), []).append(delivery.pk)
        for values, ids in groups.items():
            HubDelivery.objects.filter(pk__in=ids).update(**dict(zip(fields, values, strict=True)))
        HubAttempt.objects.bulk_create(self.attempts)


# The outer LIMIT stops the scan once enough are locked: no lock is taken and left unused. (A
# subquery with a LIMIT keeps the volatile try-lock outside it.)
_AGENCIES_TAKE = """
    SELECT code FROM (
        SELECT recipient_code AS code, min(next_attempt_at) AS due FROM interagency_hubdelivery
        WHERE state = %s AND target = %s AND next_attempt_at <= %s
        GROUP BY recipient_code ORDER BY due LIMIT %s
    ) AS waiting
    WHERE pg_try_advisory_xact_lock(hashtext(%s), hashtext(code))
    LIMIT %s
"""


def _agencies_take(now: datetime, count: int) -> list[str]:
    """Up to `count` of our agencies with deliveries due, the earliest due first, skipping those
    another worker is delivering to now: each taken is try-locked for this transaction (two
    workers never queue on one agency's writes). One statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            _AGENCIES_TAKE,
            [HubDelivery.State.PENDING, HubDelivery.Target.TENANT, now, 4 * count, "hub.deliver", count],
        )
        return [row[0] for row in cursor.fetchall()]


def deliver_batch(*, limit: int = BATCH_SIZE, now: datetime | None = None) -> list[HubDelivery]:
    """Deliver the next due delivery: to one of our agencies together with up to `limit` - 1
    others due to our agencies, in one transaction; to another hub alone (a network call holds no
    batch's locks). Returns them ([] when none is due).

    A batch spans agencies: one statement picks up to AGENCIES_PER_BATCH agencies with deliveries
    due, earliest first, and try-locks them (an agency another worker is delivering to is left to
    it, not waited for: two workers never queue on one agency's writes); one query takes their due
    deliveries; then each agency's share is handed over at once under one switch to its schema (or,
    when that fails, each in its own savepoint: a failing one waits for its retry without undoing
    the others), and every outcome is written back together.
    A crash rolls the whole batch back and every delivery in it is tried again (at least once;
    the receiver is idempotent on the packet id). Only the first open delivery per document and
    recipient is due, so a batch never holds two of them and their order holds across batches.
    """
    now = now or timezone.now()
    batch = _Batch()
    with in_public(), transaction.atomic():
        first = _due(now).first()  # one query finds the next due, to an agency or another hub
        if first is None:
            return []
        if first.target == HubDelivery.Target.PEER:
            # One at a time, in its own transaction: a network call holds no batch's locks.
            batch.tried(first, HubPacket.objects.get(pk=first.packet_id), _deliver_to_peer)
            batch.save()
            return batch.deliveries
        codes = _agencies_take(now, AGENCIES_PER_BATCH)
        due = list(_due(now).filter(target=HubDelivery.Target.TENANT, recipient_code__in=codes)[:limit])
        tenants: dict[str, Tenant | None] = dict.fromkeys(codes)
        for tenant in Tenant.objects.filter(org_code__in=codes):
            tenants[tenant.org_code] = tenant
        packets = _with_content(HubPacket.objects.defer("content").in_bulk({d.packet_id for d in due}))
        shares: dict[str, list[HubDelivery]] = {}
        for delivery in due:  # in due order, each agency's share too
            shares.setdefault(delivery.recipient_code, []).append(delivery)
        for code, share in shares.items():
            tenant = tenants[code]
            problem = _tenant_problem(code, tenant)
            if tenant is None or problem is not None:
                for delivery in share:
                    delivery.attempts += 1
                    batch.failed(delivery, problem or DeliveryFailed(code))
                continue
            with in_schema(tenant.schema_name):
                if not batch.handed_over(share, packets):
                    for delivery in share:
                        batch.tried(delivery, packets[delivery.packet_id], _deliver_to_tenant)
        batch.save()
    return batch.deliveries


def delivery_run_next(*, now: datetime | None = None) -> HubDelivery | None:
    """Deliver one due delivery; None when nothing is due. Runs in the public schema."""
    tried = deliver_batch(limit=1, now=now)
    return tried[0] if tried else None


def deliver_due(*, limit: int = 500, seconds: float | None = None) -> int:
    """Deliver what is due, at most `limit` tries (and, given `seconds`, no new batch after that
    long), in batches; returns how many were tried."""
    tried = 0
    deadline = time.monotonic() + seconds if seconds is not None else None
    while tried < limit and (deadline is None or time.monotonic() < deadline):
        step = len(deliver_batch(limit=min(BATCH_SIZE, limit - tried)))
        if not step:
            break
        tried += step
    return tried


def work(
    *, rounds: int = 1000, schemas: Callable[[], Collection[str] | None] | None = None
) -> tuple[int, int]:
    """Relay and deliver until nothing is left that is due (the worker's loop, and `hub work`).

    `schemas`, when given, names before each round the agencies that wrote to their outbox since
    (from their NOTIFY, see `queue`); None from it means every agency. What the loop itself writes
    (packets, 01 statuses) it relays and delivers in its next round: no task is queued and no
    other worker woken for it.
    """
    relayed = delivered = 0
    busy = False
    with loop_follows():
        for _round in range(rounds):
            names = schemas() if schemas is not None else None
            written = loop_written()  # the agencies whose 01 statuses the last round wrote
            if names is not None:
                names = {*names, *written}
            step_relayed = agencies.feed(schemas=names)
            # Back to relaying after a short while: a document just issued need not wait for
            # every delivery already due (that is what keeps issue-to-arrival short under load).
            step_delivered = deliver_due(seconds=ROUND_SECONDS)
            relayed += step_relayed
            delivered += step_delivered
            busy = bool(step_relayed or step_delivered)
            if not busy:
                break
    if busy:
        deliver_soon()  # the rounds ran out with work left: a task takes it on
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
