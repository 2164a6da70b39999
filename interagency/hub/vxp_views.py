"""`/vxp/` on the console host: the national axis's API (VXP) as its Java SDK calls it, so an
e-office product configured with this endpoint, a systemId and its secret exchanges through the
province's hub unchanged. Thin: the services are in `interagency.hub.services.vxp`.

Every answer is JSON `{"status": "OK"|"FAIL", "ErrorCode": "0"|..., "ErrorDesc", ...}` (ASCII: the
SDK reads sendEdoc's answer as US-ASCII); a refusal has a 4xx status and its ErrorCode is that
status. downloadEdoc answers the packet's bytes, or an empty 4xx body: the SDK reports a download
as failed only when it got nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from core.errors import ApplicationError
from core.http import client_ip
from interagency.hub.federation_views import _read_body
from interagency.hub.models import FederationPeer
from interagency.hub.services import vxp
from interagency.hub.services.federation_gate import peer_admit

Fields = dict[str, str]


def _answer(status: int = 200, **data: Any) -> JsonResponse:
    ok = status < 400
    body = {
        "status": "OK" if ok else "FAIL",
        "ErrorCode": "0" if ok else str(status),
        "ErrorDesc": "Success" if ok else "",
        **data,
    }
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _refusal(exc: ApplicationError) -> JsonResponse:
    errors = exc.extra.get("errors")
    desc = exc.message
    if isinstance(errors, list) and errors != [exc.message]:
        desc = "; ".join([exc.message, *(str(error) for error in errors[:5])])
    response = _answer(exc.status, ErrorDesc=desc[:2000], DocId="", code=exc.code)
    if exc.status == 429:
        response["Retry-After"] = str(exc.extra.get("retry_after", 60))
    return response


def _send(request: HttpRequest, peer: FederationPeer, fields: Fields) -> HttpResponse:
    packet = vxp.edoc_send(peer=peer, fields=fields, body=_read_body(request))
    return _answer(DocId=str(packet.packet_id))


def _received(request: HttpRequest, peer: FederationPeer, fields: Fields) -> HttpResponse:
    return _answer(data=vxp.received_list(peer=peer, fields=fields))


def _get(request: HttpRequest, peer: FederationPeer, fields: Fields) -> HttpResponse:
    packet = vxp.edoc_get(peer=peer, fields=fields)
    return _answer(
        data=base64.b64encode(bytes(packet.content)).decode("ascii"),
        DocId=str(packet.packet_id),
        messageType=packet.kind,
    )


def _download(request: HttpRequest, peer: FederationPeer, fields: Fields) -> HttpResponse:
    packet = vxp.edoc_get(peer=peer, fields=fields)
    response = HttpResponse(bytes(packet.content), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{packet.packet_id}.edxml"'
    response["Cache-Control"] = "no-store"
    return response


def _update(request: HttpRequest, peer: FederationPeer, fields: Fields) -> HttpResponse:
    state = vxp.status_update(peer=peer, fields=fields)
    return _answer(state=state)


def _sent(request: HttpRequest, peer: FederationPeer, fields: Fields) -> HttpResponse:
    return _answer(data=vxp.sent_list(peer=peer, fields=fields))


def _counter(message_type: str) -> Callable[[HttpRequest, FederationPeer, Fields], HttpResponse]:
    def count(request: HttpRequest, peer: FederationPeer, fields: Fields) -> HttpResponse:
        return _answer(count=vxp.waiting_count(peer=peer, message_type=message_type))

    return count


def _agencies(request: HttpRequest, peer: FederationPeer, fields: Fields) -> HttpResponse:
    rows = vxp.agencies()
    return _answer(
        data=[
            {
                "id": str(row.id),
                "code": row.code,
                "code102": row.code,
                "name": row.name,
                "pid": "",
                "mail": "",
            }
            for row in rows
        ]
    )


def _synchronize(request: HttpRequest, peer: FederationPeer, fields: Fields) -> HttpResponse:
    rows = vxp.agencies()
    return _answer(
        data=[
            {"id": str(row.id), "code": row.code, "name": row.name, "pid": "", "mail": "", "deleted": False}
            for row in rows
        ]
    )


def _directory_is_the_operators(request: HttpRequest, peer: FederationPeer, fields: Fields) -> HttpResponse:
    raise vxp.VxpError(
        _("Danh bạ cơ quan do quản trị của tỉnh quản lý; hệ thống không tự đăng ký hay xóa cơ quan."),
        code="forbidden",
        status=403,
    )


CALLS: dict[str, Callable[[HttpRequest, FederationPeer, Fields], HttpResponse]] = {
    "sendEdoc": _send,
    "getReceivedEdocList": _received,
    "getEdoc": _get,
    "downloadEdoc": _download,
    "updateStatus": _update,
    "getSentEdocList": _sent,
    "countReceiveEdoc": _counter("edoc"),
    "countReceiveStatus": _counter("status"),
    "getAgenciesList": _agencies,
    "getAgenciesListQD20": _agencies,
    "getSynchronizeUnit": _synchronize,
    "registerAgency": _directory_is_the_operators,
    "deleteAgency": _directory_is_the_operators,
}


@method_decorator(csrf_exempt, name="dispatch")
class VxpCallView(View):
    """One SDK call: the signed headers are checked (with the federation's rates and lock-outs)
    before anything else is read."""

    http_method_names = ["get", "post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        call = CALLS.get(str(kwargs.get("call", "")))
        if call is None:
            return _answer(404, ErrorDesc=_("Không có lệnh này trong API VXP."), DocId="")
        if request.method is None or request.method.lower() not in self.http_method_names:
            return _answer(405, ErrorDesc=_("Phương thức không được hỗ trợ."), DocId="")
        system_id = request.headers.get(vxp.SYSTEM_HEADER, "").strip()
        signed = request.headers.get(vxp.SIGN_HEADER, "")
        signature = request.headers.get(vxp.HASH_HEADER, "")
        try:
            peer = peer_admit(
                system_id=system_id,
                secret=signature,
                address=client_ip(request) or "",
                authenticate=lambda: vxp.authenticate(
                    system_id=system_id, signed=signed, signature=signature
                ),
            )
            fields = vxp.signed_fields(system_id=system_id, signed=signed)
            return call(request, peer, fields)
        except ApplicationError as exc:
            if call is _download:
                empty = HttpResponse(b"", status=exc.status)
                empty["ErrorCode"] = str(exc.status)
                return empty
            return _refusal(exc)
