"""The national exchange axis's API (VXP, as the national Java SDK speaks it), server side: what an
e-office product registered as a VXP system (`FederationPeer.Protocol.VXP_SYSTEM`) may do through
`/vxp/` on the console host. Its packets are taken like another hub's (`packet_accept` with the
peer: signatures chained to its trust roots, only the codes it speaks for, sender-only revokes);
what our agencies send to its codes waits for it (a pull-mode peer) until it acks with updateStatus.

The SDK sends no secret: each call carries its fields as `XroadVnpt-<name>` headers, their JSON in
`XroadVnpt-sign-header` and `XroadVnpt-hash-header`, the HMAC-SHA256 of that JSON keyed with the
secret. The signed JSON is what we read the call's fields from. The SDK's timestamp is fixed when
its service object is made, so it cannot bound a replay; a replayed call only repeats an idempotent
one (a send is deduplicated on the packet's bytes, an ack on the delivery's state).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.tenancy import in_public
from interagency.hub.models import FederationPeer, HubDelivery, HubPacket, Organisation
from interagency.hub.services import federation
from interagency.hub.services.federation import FederationError
from interagency.hub.services.packets import PacketRefused, packet_accept
from interagency.hub.services.sealing import SealError, unseal

PREFIX = "XroadVnpt-"
SIGN_HEADER = "XroadVnpt-sign-header"
HASH_HEADER = "XroadVnpt-hash-header"
SYSTEM_HEADER = "XroadVnpt-systemid"
SDK_VERSION = "3.0.201608"
SERVICE_TYPE = "eDoc"
MESSAGE_TYPES = ("edoc", "status")
# updateStatus's words to the hub's acknowledgements.
STATUS_ACKS = {"done": "done", "fail": "fail", "processing": "processing", "initial": "processing"}
_MAX_SIGNED = 16 * 1024
_NO_KEY = b"\0" * 32  # a miss costs the same HMAC as a wrong secret


def sdk_hash(digest: bytes) -> str:
    """The SDK's `hash-file`: each byte of the SHA-256 in hex without its leading zero."""
    return "".join(format(byte, "x") for byte in digest)


def sign(*, system_id: str, secret: str, fields: dict[str, str]) -> dict[str, str]:
    """The headers the SDK sends for a call with these fields (our client's side)."""
    values = {
        "systemid": system_id,
        "timestamp": timezone.now().strftime("%d%m%YT%H%M%S+0000"),
        **fields,
    }
    signed = {f"{PREFIX}{name}": value for name, value in values.items()}
    # ASCII only: header values travel as latin-1; the JSON escapes anything else.
    text = json.dumps(signed, separators=(",", ":"))
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    return {
        **signed,
        f"{PREFIX}sign-header-key": ";".join(values),
        SIGN_HEADER: text,
        HASH_HEADER: digest,
        f"{PREFIX}version": SDK_VERSION,
    }


class VxpError(ApplicationError):
    """A refused VXP call: answered with the SDK's ErrorCode/ErrorDesc fields and a 4xx."""


def authenticate(*, system_id: str, signed: str, signature: str) -> FederationPeer:
    """The VXP system whose secret signed these headers; 401 otherwise, 403 when paused."""
    with in_public():
        peer = FederationPeer.objects.filter(
            system_id=system_id, protocol=FederationPeer.Protocol.VXP_SYSTEM
        ).first()
    key = _NO_KEY
    if peer is not None:
        try:
            key = unseal(peer.vxp_secret)
        except SealError:
            peer = None
    expected = hmac.new(key, signed.encode("latin-1", "replace"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()) or peer is None:
        raise FederationError(
            _("Mã hệ thống (systemId) hoặc khóa bí mật (secret) không đúng."),
            code="unauthenticated",
            status=401,
        )
    if not peer.is_active:
        raise FederationError(_("Kết nối với hệ thống này đang bị tạm dừng."), code="inactive", status=403)
    return peer


def signed_fields(*, system_id: str, signed: str) -> dict[str, str]:
    """The call's fields from the signed JSON, names lower-cased without the prefix."""
    if len(signed) > _MAX_SIGNED:
        raise VxpError(_("Tiêu đề ký quá dài."), code="bad_request")
    try:
        data = json.loads(signed)
    except ValueError as exc:
        raise VxpError(_("Tiêu đề %s không phải JSON.") % SIGN_HEADER, code="bad_request") from exc
    if not isinstance(data, dict) or str(data.get(SYSTEM_HEADER, "")) != system_id:
        raise VxpError(_("Tiêu đề ký không khớp với mã hệ thống gửi kèm."), code="bad_request")
    fields: dict[str, str] = {}
    for name, value in data.items():
        if isinstance(name, str) and name.startswith(PREFIX):
            fields[name[len(PREFIX) :].lower()] = value if isinstance(value, str) else json.dumps(value)
    return fields


# --- documents ---------------------------------------------------------------------------------


def _message_type(fields: dict[str, str], *, required: bool) -> str:
    said = fields.get("messagetype", "").strip().lower()
    if not said and not required:
        return ""
    if said not in MESSAGE_TYPES:
        raise VxpError(_("messagetype phải là edoc hoặc status."), code="bad_request")
    return said


def _content(body: bytes, hash_file: str) -> bytes:
    """The edXML the SDK sent: it appends CRLF after the file; `hash-file` names the file's bytes."""
    candidates = [body[:-2], body] if body.endswith(b"\r\n") else [body]
    said = hash_file.strip().lower()
    if not said:
        return candidates[0]
    for candidate in candidates:
        digest = hashlib.sha256(candidate).digest()
        if hmac.compare_digest(said, digest.hex()) or hmac.compare_digest(said, sdk_hash(digest)):
            return candidate
    raise VxpError(_("hash-file không khớp với tệp gửi kèm."), code="hash_mismatch")


def edoc_send(*, peer: FederationPeer, fields: dict[str, str], body: bytes) -> HubPacket:
    """sendEdoc: take the packet into the hub as this system's. Sending the same file again
    answers with the same DocId."""
    message_type = _message_type(fields, required=True)
    content = _content(body, fields.get("hash-file", ""))
    if not content.strip():
        raise VxpError(_("Không có tệp edXML nào được gửi kèm."), code="bad_request")
    sender = fields.get("from", "").strip() or None
    with in_public(), transaction.atomic():
        packet = packet_accept(
            content=content,
            packet_id=uuid.uuid4(),
            source=f"peer:{peer.system_id}",
            expected_sender=sender,
            peer=peer,
        )
        if packet.kind != message_type:  # rolls the new packet back
            raise PacketRefused(
                _("messagetype là %(said)s nhưng gói tin là %(kind)s.")
                % {"said": message_type, "kind": packet.kind}
            )
    return packet


def _vxp_time(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def received_list(*, peer: FederationPeer, fields: dict[str, str]) -> list[dict[str, Any]]:
    """getReceivedEdocList: what waits for this system, oldest first (of one messagetype if said)."""
    message_type = _message_type(fields, required=False)
    waiting = federation.peer_packets_waiting(peer=peer, limit=federation.MAX_LIST)
    return [
        {
            "docId": entry["packet_id"],
            "serviceType": SERVICE_TYPE,
            "messageType": entry["message_type"],
            "created_time": entry["received_at"],
            "updated_time": entry["received_at"],
            "from": entry["sender_code"],
            "to": ",".join(entry["recipient_codes"]),
            "status": "initial",
            "status_desc": _("Chờ nhận"),
        }
        for entry in waiting
        if not message_type or entry["message_type"] == message_type
    ]


def _doc_id(fields: dict[str, str]) -> uuid.UUID:
    said = fields.get("docid", "").strip()
    try:
        return uuid.UUID(said)
    except ValueError:
        raise VxpError(
            _("Không có văn bản %s cho hệ thống này.") % said[:80], code="not_found", status=404
        ) from None


def edoc_get(*, peer: FederationPeer, fields: dict[str, str]) -> HubPacket:
    """getEdoc / downloadEdoc: a packet with a delivery to this system; any other is a 404."""
    return federation.peer_packet_get(peer=peer, packet_id=_doc_id(fields))


def status_update(*, peer: FederationPeer, fields: dict[str, str]) -> str:
    """updateStatus: done (received), fail (a failed try: retried, then dead), processing."""
    said = fields.get("status", "").strip().lower()
    if said not in STATUS_ACKS:
        raise VxpError(_("status phải là done, fail hoặc processing."), code="bad_request")
    return federation.peer_packet_ack(
        peer=peer,
        packet_id=_doc_id(fields),
        status=STATUS_ACKS[said],
        reason=fields.get("reason", "") or fields.get("errordesc", ""),
    )


_SEND_STATES = {
    HubDelivery.State.PENDING: ("sending", _("Đang chuyển")),
    HubDelivery.State.DELIVERED: ("done", _("Đã chuyển")),
    HubDelivery.State.DEAD: ("fail", _("Không chuyển được")),
}


def sent_list(*, peer: FederationPeer, fields: dict[str, str]) -> list[dict[str, Any]]:
    """getSentEdocList: what this system sent and where each delivery stands (of one docId if said)."""
    with in_public():
        packets = HubPacket.objects.filter(source=f"peer:{peer.system_id}")
        if fields.get("docid", "").strip():
            packets = packets.filter(packet_id=_doc_id(fields))
        message_type = _message_type(fields, required=False)
        if message_type:
            packets = packets.filter(kind=message_type)
        deliveries = (
            HubDelivery.objects.filter(packet__in=packets.order_by("-id")[: federation.MAX_LIST])
            .select_related("packet")
            .defer("packet__content")
            .order_by("id")
        )
        rows = []
        for delivery in deliveries:
            state, description = _SEND_STATES[HubDelivery.State(delivery.state)]
            rows.append(
                {
                    "serviceType": SERVICE_TYPE,
                    "messageType": delivery.packet.kind,
                    "senderDocId": str(delivery.packet.packet_id),
                    "receiverDocId": str(delivery.packet.packet_id),
                    "fromCode": delivery.packet.sender_code,
                    "toCode": delivery.recipient_code,
                    "title": delivery.packet.document_id,
                    "notation": delivery.packet.document_id,
                    "sentTime": _vxp_time(delivery.packet.received_at),
                    "receivedTime": _vxp_time(delivery.delivered_at),
                    "sendStatus": state,
                    "sendStatusDesc": str(description),
                    "receiveStatus": state,
                    "receiveStatusDesc": delivery.last_error or str(description),
                }
            )
    return rows


def waiting_count(*, peer: FederationPeer, message_type: str) -> int:
    """countReceiveEdoc / countReceiveStatus."""
    waiting = federation.peer_packets_waiting(peer=peer, limit=federation.MAX_LIST)
    return sum(1 for entry in waiting if entry["message_type"] == message_type)


# --- the directory -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Agency:
    id: int
    code: str
    name: str


def agencies() -> list[Agency]:
    """getAgenciesList: every active organisation of the directory (ours and those reached through
    other hubs), by code."""
    with in_public():
        rows = Organisation.objects.filter(Q(is_active=True)).order_by("org_code")
        return [Agency(row.pk, row.org_code, row.name) for row in rows]
