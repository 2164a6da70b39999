"""Our calls to a VXP axis (`FederationPeer.Protocol.VXP_AXIS`), as the national SDK makes them:
each signed with our systemId and secret there (`vxp.sign`; the secret itself is never sent).

- `edoc_send`: a delivery to an organisation reached through the axis goes out with sendEdoc (the
  hub's delivery loop calls it through `connector.packet_send`: retried with back-off, then dead).
- `axis_pull`: on the pull schedule, getReceivedEdocList (documents first, then statuses), getEdoc
  for each, taken into the hub under a packet id derived from the axis's docId (so a document
  fetched twice is taken once), then acknowledged with updateStatus done (or fail with the reason).
  A failure before the ack leaves the document at the axis for the next pull.
- `axis_directory_sync`: the organisations the axis lists (getAgenciesList) that this peer speaks
  for become directory entries reached through it.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json
import ssl
import uuid
from fnmatch import fnmatchcase
from typing import Any

import urllib3
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public
from interagency.edxml.codes import MAX_PACKET_BYTES
from interagency.hub.models import FederationPeer, HubPacket
from interagency.hub.services import vxp
from interagency.hub.services.connector import PeerUnreachable, PullResult, _pool, _url, pulled_accept
from interagency.hub.services.directory import directory_import_csv
from interagency.hub.services.retries import DeliveryFailed
from interagency.hub.services.sealing import unseal
from interagency.hub.services.speakers import is_province_agency, peer_patterns

_MAX_ANSWER = 4 * 1024 * 1024
# getEdoc carries the packet in base64 inside JSON: a third more than the packet, and some slack.
_MAX_EDOC_ANSWER = MAX_PACKET_BYTES * 4 // 3 + 64 * 1024
_TRANSIENT = frozenset({408, 429})
_DOC_IDS = uuid.UUID("5d0f7a3e-8f1b-4c58-9a57-6f2d2b0c9e11")  # namespace of packet ids from docIds
DIRECTORY_SYNC_SECONDS = 24 * 3600
_DIRECTORY_KEY = "hub:vxp-directory:{system_id}"


class AxisRefused(Exception):
    """The axis answered, with a FAIL (its ErrorCode and ErrorDesc) or an unusable answer."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


def _call(
    peer: FederationPeer,
    call: str,
    fields: dict[str, str],
    *,
    body: bytes | None = None,
    content_type: str = "application/json",
    max_bytes: int = _MAX_ANSWER,
) -> dict[str, Any]:
    """One call; its JSON answer when ErrorCode is 0. PeerUnreachable: network, TLS, 5xx, 408, 429.
    AxisRefused: any other answer."""
    url = _url(peer, f"/{call}")
    headers = vxp.sign(
        system_id=peer.remote_system_id, secret=unseal(peer.remote_secret).decode(), fields=fields
    )
    headers["Content-Type"] = content_type
    try:
        response = _pool(peer).request(
            "POST", url, body=body if body is not None else b"{}", headers=headers, preload_content=False
        )
        try:
            data = response.read(max_bytes + 1)
        finally:
            response.release_conn()
    except (urllib3.exceptions.HTTPError, ssl.SSLError, OSError) as exc:
        raise PeerUnreachable(f"{url}: {type(exc).__name__}: {exc}") from exc
    if len(data) > max_bytes:
        raise PeerUnreachable(_("%(url)s trả về hơn %(max)d byte.") % {"url": url, "max": max_bytes})
    if response.status >= 500 or response.status in _TRANSIENT:
        raise PeerUnreachable(f"{call}: {response.status} {data[:300].decode('utf-8', 'replace')}")
    try:
        answer = json.loads(data)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise AxisRefused(_("%s: câu trả lời không phải JSON.") % call, status=response.status)
    if str(answer.get("ErrorCode", "")) != "0" or response.status >= 400:
        raise AxisRefused(
            f"{call}: {answer.get('ErrorCode', response.status)} {str(answer.get('ErrorDesc', ''))[:500]}",
            status=response.status,
        )
    return answer


# --- out: sendEdoc ------------------------------------------------------------------------------


def edoc_send(*, peer: FederationPeer, packet: HubPacket) -> None:
    """sendEdoc one packet. A refusal (4xx) fails for good; the network, 5xx, 408, 429 and a FAIL
    answered with 200 are tried again with back-off."""
    content = bytes(packet.content)
    fields = {
        "from": packet.sender_code,
        "servicetype": vxp.SERVICE_TYPE,
        "messagetype": packet.kind,
        "hash-file": hashlib.sha256(content).hexdigest(),
    }
    try:
        _call(peer, "sendEdoc", fields, body=content, content_type="application/octet-stream")
    except PeerUnreachable as exc:
        raise DeliveryFailed(str(exc)) from exc
    except AxisRefused as exc:
        message = _("Trục %(peer)s từ chối: %(detail)s") % {"peer": peer.system_id, "detail": exc}
        raise DeliveryFailed(message, permanent=400 <= exc.status < 500) from exc
    except ApplicationError as exc:  # not https
        raise DeliveryFailed(str(exc), permanent=True) from exc


# --- in: the pull ------------------------------------------------------------------------------


def _ack(peer: FederationPeer, doc_id: str, status: str, reason: str = "") -> None:
    fields = {"docId": doc_id, "status": status}
    if reason:
        # Header values travel as latin-1: the reason goes inside the signed JSON, escaped.
        fields["reason"] = reason[:1000]
    _call(peer, "updateStatus", fields)


def _take(peer: FederationPeer, entry: dict[str, Any], message_type: str, result: PullResult) -> None:
    doc_id = str(entry.get("docId", "")).strip()
    if not doc_id or len(doc_id) > 200:
        result.errors.append(_("Mã văn bản không hợp lệ trong danh sách: %r") % doc_id[:80])
        return
    answer = _call(peer, "getEdoc", {"docId": doc_id}, max_bytes=_MAX_EDOC_ANSWER)
    reason = ""
    try:
        content = base64.b64decode(str(answer.get("data", "")), validate=True)
    except (binascii.Error, ValueError):
        content = b""
    if not content:
        reason = _("Trục trả về văn bản %s rỗng hoặc không giải mã được.") % doc_id
    else:
        reason = pulled_accept(
            peer=peer,
            content=content,
            packet_id=uuid.uuid5(_DOC_IDS, f"{peer.system_id}/{doc_id}"),
            said_type=message_type,
        )
    if reason:
        _ack(peer, doc_id, "fail", reason)
        result.refused.append(f"{doc_id}: {reason}")
    else:
        _ack(peer, doc_id, "done")
        result.accepted.append(doc_id)


def axis_pull(*, peer: FederationPeer, actor: Actor | None = None, audit_empty: bool = True) -> PullResult:
    """Take in what waits for us at the axis (documents, then statuses), acking each."""
    actor = actor or Actor(label="hub")
    result = PullResult()
    for message_type in vxp.MESSAGE_TYPES:
        try:
            listing = _call(
                peer,
                "getReceivedEdocList",
                {"servicetype": vxp.SERVICE_TYPE, "messagetype": message_type},
            )
        except (PeerUnreachable, AxisRefused) as exc:
            raise ApplicationError(
                _("Không lấy được danh sách văn bản từ %(peer)s: %(error)s")
                % {"peer": peer.system_id, "error": exc}
            ) from exc
        entries = listing.get("data")
        if not isinstance(entries, list):
            raise ApplicationError(_("Danh sách văn bản của %s không đúng dạng.") % peer.system_id)
        result.listed += len(entries)
        for entry in entries:
            if not isinstance(entry, dict):
                result.errors.append(_("Một mục trong danh sách không đúng dạng."))
                continue
            try:
                _take(peer, entry, message_type, result)
            except (PeerUnreachable, AxisRefused) as exc:
                result.errors.append(str(exc))
    directory_key = _DIRECTORY_KEY.format(system_id=peer.system_id)
    if cache.add(directory_key, True, timeout=DIRECTORY_SYNC_SECONDS):
        try:
            axis_directory_sync(peer=peer, actor=actor)
        except ApplicationError as exc:
            cache.delete(directory_key)  # the next pull tries again, not tomorrow's
            result.errors.append(exc.message)
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


# --- the directory -----------------------------------------------------------------------------


def axis_directory_sync(*, peer: FederationPeer, actor: Actor) -> int:
    """getAgenciesList: every listed organisation this peer speaks for (never one of ours) is put
    in the directory as reached through the axis. Returns how many were listed for it."""
    try:
        answer = _call(peer, "getAgenciesList", {})
    except (PeerUnreachable, AxisRefused) as exc:
        raise ApplicationError(
            _("Không lấy được danh bạ từ %(peer)s: %(error)s") % {"peer": peer.system_id, "error": exc}
        ) from exc
    agencies = answer.get("data")
    if not isinstance(agencies, list):
        raise ApplicationError(_("Danh bạ của %s không đúng dạng.") % peer.system_id)
    patterns = [pattern.casefold() for pattern in peer_patterns(peer)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["org_code", "name", "hub_url"])
    rows = 0
    with in_public():
        for agency in agencies:
            if not isinstance(agency, dict):
                continue
            code, name = str(agency.get("code", "")).strip(), str(agency.get("name", "")).strip()
            if not code or not name or not any(fnmatchcase(code.casefold(), p) for p in patterns):
                continue
            if is_province_agency(code):
                continue
            writer.writerow([code, name, peer.base_url])
            rows += 1
    if rows:
        result = directory_import_csv(actor=actor, content=out.getvalue().encode())
        if result.errors:
            raise ApplicationError("; ".join(result.errors[:5]))
    return rows
