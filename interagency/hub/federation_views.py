"""The federation endpoint on the console host (`/federation/v1/`): thin views over
`interagency.hub.services.federation`. Another hub authenticates every call with the headers `X-System-Id`
and `X-Secret`; no session, no CSRF. Rates and failed authentications are limited first
(`federation_gate`: 429 with Retry-After). Errors are JSON `{"detail", "code", ...}` with a 4xx.

    POST /federation/v1/packets/                 raw .edxml body; X-Packet-Id, X-Content-SHA256,
                                                 X-Message-Type (edoc|status): 201 new, 200 again
    GET  /federation/v1/packets/?status=pending  what waits here for the caller (the pull model)
    GET  /federation/v1/packets/<id>/            the packet's bytes, with X-Content-SHA256
    POST /federation/v1/packets/<id>/ack         {"status": "done"|"fail"|"processing", "reason"}
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from core.errors import ApplicationError
from core.http import client_ip
from interagency.edxml.codes import MAX_PACKET_BYTES
from interagency.hub.models import FederationPeer
from interagency.hub.services import federation
from interagency.hub.services.federation_gate import peer_admit

_CHUNK = 64 * 1024


def _error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse({"detail": exc.message, "code": exc.code, **exc.extra}, status=exc.status)


def _refuse(message: str, status: int, code: str) -> JsonResponse:
    return JsonResponse({"detail": message, "code": code}, status=status)


def _read_body(request: HttpRequest) -> bytes:
    """The raw body, at most MAX_PACKET_BYTES. Read from the stream, not `request.body`: that one
    refuses anything over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), far below an edXML packet's limit."""
    limit = MAX_PACKET_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        raise federation.FederationError(
            _("Cần tiêu đề Content-Length."), code="length_required", status=411
        ) from None
    if length > limit:
        raise federation.FederationError(
            _("Gói tin %(size)d byte, vượt giới hạn %(limit)d byte.") % {"size": length, "limit": limit},
            code="too_large",
            status=413,
        )
    chunks: list[bytes] = []
    received = 0
    while received < length:
        chunk = request.read(min(_CHUNK, length - received))
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)


@method_decorator(csrf_exempt, name="dispatch")
class FederationView(View):
    """Authenticates the calling hub before any handler runs."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            peer = peer_admit(
                system_id=request.headers.get("X-System-Id", "").strip(),
                secret=request.headers.get("X-Secret", ""),
                address=client_ip(request) or "",
            )
            if request.method is None or request.method.lower() not in self.http_method_names:
                return self.http_method_not_allowed(request, *args, **kwargs)
            handler = getattr(self, request.method.lower(), None)
            if handler is None:
                return self.http_method_not_allowed(request, *args, **kwargs)
            response: HttpResponse = handler(request, peer, *args, **kwargs)
        except ApplicationError as exc:
            response = _error(exc)
            if exc.status == 429:
                response["Retry-After"] = str(exc.extra.get("retry_after", 60))
        response["Cache-Control"] = "no-store"
        return response


class PacketsView(FederationView):
    http_method_names = ["get", "post"]

    def post(self, request: HttpRequest, peer: FederationPeer) -> HttpResponse:
        content = _read_body(request)
        packet, created = federation.packet_take(
            peer=peer,
            content=content,
            packet_id=request.headers.get("X-Packet-Id", "").strip(),
            sha256=request.headers.get("X-Content-SHA256", ""),
            message_type=request.headers.get("X-Message-Type", "").strip().lower(),
        )
        return JsonResponse(
            {"packet_id": str(packet.packet_id), "sha256": packet.sha256, "created": created},
            status=201 if created else 200,
        )

    def get(self, request: HttpRequest, peer: FederationPeer) -> HttpResponse:
        status = request.GET.get("status", "pending")
        if status != "pending":
            return _refuse(_("Chỉ hỗ trợ status=pending."), 400, "bad_status")
        try:
            limit = int(request.GET.get("limit", "100"))
        except ValueError:
            return _refuse(_("limit phải là một số nguyên."), 400, "bad_limit")
        return JsonResponse({"packets": federation.peer_packets_waiting(peer=peer, limit=limit)})


class PacketView(FederationView):
    http_method_names = ["get"]

    def get(self, request: HttpRequest, peer: FederationPeer, packet_id: uuid.UUID) -> HttpResponse:
        packet = federation.peer_packet_get(peer=peer, packet_id=packet_id)
        response = HttpResponse(bytes(packet.content), content_type="application/xml")
        response["X-Packet-Id"] = str(packet.packet_id)
        response["X-Content-SHA256"] = packet.sha256
        response["X-Message-Type"] = packet.kind
        response["Content-Disposition"] = f'attachment; filename="{packet.packet_id}.edxml"'
        return response


class PacketAckView(FederationView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, peer: FederationPeer, packet_id: uuid.UUID) -> HttpResponse:
        try:
            data = json.loads(_read_body(request) or b"{}")
        except (ValueError, UnicodeDecodeError):
            return _refuse(_("Nội dung phải là JSON."), 400, "bad_json")
        if not isinstance(data, dict):
            return _refuse(_("Nội dung phải là một đối tượng JSON."), 400, "bad_json")
        state = federation.peer_packet_ack(
            peer=peer,
            packet_id=packet_id,
            status=str(data.get("status", "")),
            reason=str(data.get("reason", "") or ""),
        )
        return JsonResponse({"packet_id": str(packet_id), "state": state})
