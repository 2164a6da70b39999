"""After an agency's schema was restored to an earlier moment (tenants.events.TenantRestored):
what the hub delivered into it since then is delivered again from the hub's stored packets, in
the original order, and what cannot be (a status about a document the restore took away, what the
agency itself sent since) is listed for its clerks. Idempotent on the packet id: a packet the
restored schema already has is not taken twice, and running this again changes nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.tenancy import in_public, in_tenant
from interagency.exchange.models import InboxItem
from interagency.exchange.services.arrivals import notify_clerks_many, packet_receive
from interagency.hub.selectors import deliveries_to_tenant_since, packets_from_since
from tenants.events import TenantRestored

TAKEN = {"arrived", "status", "request"}


def exchange_replay_after_restore(event: TenantRestored) -> dict[str, Any]:
    tenant = event.tenant
    with in_public():
        deliveries = list(deliveries_to_tenant_since(org_code=tenant.org_code, since=event.since))
        sent = list(packets_from_since(org_code=tenant.org_code, since=event.since))
    replayed = already = 0
    listed: list[dict[str, str]] = []
    with in_tenant(tenant):
        for delivery in deliveries:
            packet = delivery.packet
            try:
                with transaction.atomic():
                    outcome = packet_receive(
                        content=bytes(packet.content),
                        packet_id=packet.packet_id,
                        sha256=packet.sha256,
                        warnings=packet.warnings or (),
                        replay=True,
                    )
            except Exception as exc:  # one bad packet is listed; the others still go in
                outcome = f"{type(exc).__name__}: {exc}"
            if outcome == "duplicate":
                already += 1
            elif outcome in TAKEN:
                replayed += 1
            else:
                listed.append(_row(packet, "in", outcome))
        back = set(InboxItem.objects.values_list("exchange_id", flat=True))
        # The 01 "received" of a document that is back in the inbox holds again; anything else this
        # agency sent since (documents, its clerks' and officials' answers) is gone from it.
        listed += [
            _row(packet, "out", "sent")
            for packet in sent
            if not (packet.kind == "status" and packet.status_code == "01" and packet.document_id in back)
        ]
        with transaction.atomic():
            if listed:
                notify_clerks_many(
                    [
                        (_message(row), "/hub/inbox/", f"restore:{row['packet']}:{row['direction']}")
                        for row in listed
                    ]
                )
            audit_record(
                actor=event.actor,
                action="hub.replay",
                since=event.since.isoformat(),
                replayed=replayed,
                already=already,
                listed=listed,
            )
    return {"replayed": replayed, "already": already, "listed": listed}


def _row(packet: Any, direction: str, outcome: str) -> dict[str, str]:
    return {
        "packet": str(packet.packet_id),
        "direction": direction,
        "kind": packet.kind,
        "document_id": packet.document_id,
        "sender": packet.sender_code,
        "outcome": outcome,
    }


def _message(row: dict[str, str]) -> str:
    if row["direction"] == "out":
        return _(
            "Sau khi khôi phục dữ liệu: văn bản/trạng thái %(document)s cơ quan đã gửi qua trục sau thời "
            "điểm sao lưu không còn trong hệ thống; vui lòng kiểm tra và nhập lại nếu cần."
        ) % {"document": row["document_id"]}
    return _(
        "Sau khi khôi phục dữ liệu: gói tin %(document)s của %(sender)s không nhận lại được (%(outcome)s); "
        "vui lòng kiểm tra với bên gửi."
    ) % {"document": row["document_id"], "sender": row["sender"], "outcome": row["outcome"]}
