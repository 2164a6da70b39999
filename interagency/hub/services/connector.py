"""Our calls to another hub's federation endpoint (the national axis's transport, as a client).

`packet_send` pushes one packet (the hub's delivery loop calls it for deliveries to a peer);
`peer_pull` is the pull model: list what waits for us at the peer, fetch each packet, take it into
our hub, and acknowledge it (done, or fail with the reason). Both are safe to repeat: every hub
dedupes on the packet id.

HTTPS only, verified against the peer's `tls_ca` when set (else the system's CA store); connect
timeout 5 s, read timeout 30 s; urllib3 (installed with boto3), no retries of its own: the hub's
back-off does that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public
from interagency.edxml.codes import MAX_PACKET_BYTES
from interagency.hub.models import FederationPeer, HubPacket
from interagency.hub.services.federation import PACKETS_PATH
from interagency.hub.services.packets import PacketRefused, packet_accept
from interagency.hub.services.retries import DeliveryFailed
from interagency.hub.services.sealing import unseal

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
# Statuses worth trying again later; any other 4xx will not change by itself.
_TRANSIENT_4XX = frozenset({408, 429})
_MAX_ANSWER = 4 * 1024 * 1024  # a JSON answer (a list of at most 500 packets) is far smaller


class PeerUnreachable(Exception):
    """The peer did not answer in a usable way (network, TLS, 5xx, 408/429)."""


def _pool(peer: FederationPeer) -> urllib3.PoolManager:
    context = (
        ssl.create_default_context(cadata=peer.tls_ca)
        if peer.tls_ca.strip()
        else ssl.create_default_context()
    )
    return urllib3.PoolManager(
        ssl_context=context,
        timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
        retries=False,
    )


def _url(peer: FederationPeer, path: str) -> str:
    if urlsplit(peer.base_url).scheme != "https":
        raise ApplicationError(_("Địa chỉ trục %s không dùng https.") % peer.base_url)
    return peer.base_url.rstrip("/") + path


def _credentials(peer: FederationPeer) -> dict[str, str]:
    return {"X-System-Id": peer.remote_system_id, "X-Secret": unseal(peer.remote_secret).decode()}


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    data: bytes


def _detail(answer: _Answer) -> str:
    """The peer's message from a JSON error, or the start of whatever it answered."""
    body = answer.data[:2000]
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:300]
    if isinstance(data, dict):
        parts = [str(data.get("detail", ""))]
        errors = data.get("errors")
        if isinstance(errors, list) and errors != [data.get("detail")]:
            parts.append("; ".join(str(error) for error in errors[:5]))
        return " ".join(part for part in parts if part)[:500]
    return str(data)[:300]


def _call(
    peer: FederationPeer,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    max_bytes: int = _MAX_ANSWER,
) -> _Answer:
    url = _url(peer, path)
    try:
        response = _pool(peer).request(
            method, url, body=body, headers={**_credentials(peer), **(headers or {})}, preload_content=False
        )
        try:
            # Bounded read: a peer cannot make us hold more than we asked for.
            data = response.read(max_bytes + 1)
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        raise PeerUnreachable(f"{url}: {type(exc).__name__}: {exc}") from exc
    except (ssl.SSLError, OSError) as exc:
        raise PeerUnreachable(f"{url}: {type(exc).__name__}: {exc}") from exc
    if len(data) > max_bytes:
        raise PeerUnreachable(_("%(url)s trả về hơn %(max)d byte.") % {"url": url, "max": max_bytes})
    return _Answer(
        status=response.status, headers={k.lower(): v for k, v in response.headers.items()}, data=data
    )


def packet_send(*, peer: FederationPeer, packet: HubPacket) -> None:
    """POST one packet to the peer. 2xx: done (200 means it had it already). Another 4xx than
    408/429 fails for good; network errors, 5xx, 408 and 429 are retried with back-off. A VXP
    axis gets it with its own sendEdoc."""
    if peer.protocol == FederationPeer.Protocol.VXP_AXIS:
        from interagency.hub.services.vxp_client import edoc_send  # it builds on this module

        edoc_send(peer=peer, packet=packet)
        return
    content = bytes(packet.content)
    try:
        response = _call(
            peer,
            "POST",
            PACKETS_PATH,
            body=content,
            headers={
                "Content-Type": "application/xml",
                "X-Packet-Id": str(packet.packet_id),
                "X-Content-SHA256": packet.sha256,
                "X-Message-Type": packet.kind,
            },
        )
    except (PeerUnreachable, ApplicationError) as exc:
        raise DeliveryFailed(str(exc), permanent=isinstance(exc, ApplicationError)) from exc
    if 200 <= response.status < 300:
        return
    message = _("Trục %(peer)s trả lời %(status)d: %(detail)s") % {
        "peer": peer.system_id,
        "status": response.status,
        "detail": _detail(response),
    }
    permanent = 400 <= response.status < 500 and response.status not in _TRANSIENT_4XX
    raise DeliveryFailed(message, permanent=permanent)


# --- the pull model ----------------------------------------------------------------------------


@dataclass
class PullResult:
    listed: int = 0
    accepted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "<packet id>: <reason>", acked fail
    errors: list[str] = field(default_factory=list)  # not acked: tried again on the next pull


def _json(response: _Answer, what: str) -> Any:
    if response.status != 200:
        raise PeerUnreachable(f"{what}: {response.status} {_detail(response)}")
    try:
        return json.loads(response.data)
    except ValueError as exc:
        raise PeerUnreachable(_("%s: câu trả lời không phải JSON.") % what) from exc


def _ack(peer: FederationPeer, packet_id: str, status: str, reason: str = "") -> None:
    body = json.dumps({"status": status, "reason": reason[:1000]}).encode()
    response = _call(
        peer,
        "POST",
        f"{PACKETS_PATH}{packet_id}/ack",
        body=body,
        headers={"Content-Type": "application/json"},
    )
    _json(response, f"ack {packet_id}")


def _pull_one(peer: FederationPeer, listed: dict[str, Any], result: PullResult) -> None:
    packet_id = str(listed.get("packet_id", ""))
    try:
        parsed_id = uuid.UUID(packet_id)
    except ValueError:
        result.errors.append(_("Mã gói tin không hợp lệ trong danh sách: %r") % packet_id[:80])
        return
    response = _call(peer, "GET", f"{PACKETS_PATH}{parsed_id}/", max_bytes=MAX_PACKET_BYTES)
    if response.status != 200:
        raise PeerUnreachable(f"GET {parsed_id}: {response.status} {_detail(response)}")
    content = response.data
    digest = hashlib.sha256(content).hexdigest()
    said = (response.headers.get("x-content-sha256") or str(listed.get("sha256", ""))).strip().lower()
    if not hmac.compare_digest(digest, said):
        reason = _("Mã băm SHA-256 không khớp (nhận được %s).") % digest
    else:
        said_type = response.headers.get("x-message-type") or listed.get("message_type")
        reason = pulled_accept(peer=peer, content=content, packet_id=parsed_id, said_type=said_type)
    if reason:
        _ack(peer, packet_id, "fail", reason)
        result.refused.append(f"{packet_id}: {reason}")
    else:
        _ack(peer, packet_id, "done")
        result.accepted.append(packet_id)


def pulled_accept(
    *, peer: FederationPeer, content: bytes, packet_id: uuid.UUID, said_type: str | None
) -> str:
    """Take in a packet pulled from a peer or an axis; returns why it was refused ("" when taken),
    for the ack that tells the other side."""
    try:
        with in_public():
            packet = packet_accept(
                content=content, packet_id=packet_id, source=f"peer:{peer.system_id}", peer=peer
            )
    except PacketRefused as exc:
        errors = exc.extra.get("errors") or [exc.message]
        return "; ".join([exc.message, *[e for e in errors if e != exc.message]])[:1000]
    if said_type and said_type != packet.kind:
        return _("Loại gói tin %(said)s khác với nội dung (%(kind)s).") % {
            "said": said_type,
            "kind": packet.kind,
        }
    return ""


def peer_pull(
    *, peer: FederationPeer, actor: Actor | None = None, limit: int = 100, audit_empty: bool = True
) -> PullResult:
    """Take in what waits for us at the peer: list, fetch, accept here, ack. A packet we already
    have is acked done again; one we refuse is acked fail with the reason; a network failure on
    one packet leaves it for the next pull. `audit_empty=False` (the schedule) leaves no audit
    entry for a pull that found nothing."""
    actor = actor or Actor(label="hub")
    result = PullResult()
    try:
        listing = _json(_call(peer, "GET", f"{PACKETS_PATH}?status=pending&limit={int(limit)}"), "list")
    except PeerUnreachable as exc:
        raise ApplicationError(
            _("Không lấy được danh sách gói tin từ %(peer)s: %(error)s")
            % {
                "peer": peer.system_id,
                "error": exc,
            }
        ) from exc
    packets = listing.get("packets") if isinstance(listing, dict) else None
    if not isinstance(packets, list):
        raise ApplicationError(_("Danh sách gói tin của %s không đúng dạng.") % peer.system_id)
    result.listed = len(packets)
    for listed in packets:
        if not isinstance(listed, dict):
            result.errors.append(_("Một mục trong danh sách không đúng dạng."))
            continue
        try:
            _pull_one(peer, listed, result)
        except PeerUnreachable as exc:
            result.errors.append(str(exc))
    if not result.listed and not audit_empty:
        return result
    with in_public(), transaction.atomic():
        audit_record(
            actor=actor,
            action="hub.peer_pull",
            target=peer,
            listed=result.listed,
            accepted=len(result.accepted),
            refused=len(result.refused),
            errors=len(result.errors),
        )
    return result
