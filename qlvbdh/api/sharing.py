"""Sharing API: who a document or a dossier is shared with; share and unshare (thin over
qlvbdh.services.sharing). An object the reader may not see is a 404; one they may see but not share, a 403."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import OrgUnit, User
from core.audit import actor_from
from core.ids import is_uuid
from qlvbdh.models import Dossier
from qlvbdh.selectors.documents import document_get_or_404
from qlvbdh.selectors.dossiers import dossier_list
from qlvbdh.selectors.sharing import document_shares, dossier_shares
from qlvbdh.services.sharing import document_share, document_unshare, dossier_share, dossier_unshare


class ShareSerializer(serializers.Serializer[Any]):
    user = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    unit_name = serializers.SerializerMethodField()
    shared_by = serializers.CharField()
    shared_at = serializers.DateTimeField()

    def get_user(self, share: Any) -> str | None:
        return share.user.username if share.user_id else None

    def get_unit(self, share: Any) -> str | None:
        return str(share.unit.uuid) if share.unit_id else None

    def get_unit_name(self, share: Any) -> str | None:
        return share.unit.name if share.unit_id else None


class ShareInputSerializer(serializers.Serializer[dict[str, Any]]):
    user = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


def share_target(data: dict[str, Any]) -> dict[str, Any]:
    """{"user": "<username>"} or {"unit": "<uuid>"} as the service's keyword arguments."""
    username, unit_key = data.get("user", "").strip().lower(), data.get("unit", "").strip()
    if bool(username) == bool(unit_key):
        raise ValidationError({"target": [_("Hãy chọn một người hoặc một phòng, ban.")]})
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise ValidationError({"user": [_("Không tìm thấy tài khoản %(name)s.") % {"name": username}]})
        return {"user": user}
    unit = OrgUnit.objects.filter(uuid=unit_key).first() if is_uuid(unit_key) else None
    if unit is None:
        raise ValidationError({"unit": [_("Không tìm thấy phòng, ban này.")]})
    return {"unit": unit}


def _dossier(request: Request, key: str) -> Dossier:
    dossier = dossier_list(reader=request.user).filter(uuid=key).first() if is_uuid(key) else None
    if dossier is None:
        raise Http404
    return dossier


def _input(request: Request) -> dict[str, Any]:
    data = ShareInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    return share_target(data.validated_data)


class DocumentSharesApi(APIView):
    """GET: who the document is shared with. POST {"user"} or {"unit"}: share (idempotent)."""

    @extend_schema(responses=ShareSerializer(many=True))
    def get(self, request: Request, key: str) -> Response:
        shares = document_shares(document=document_get_or_404(reader=request.user, key=key))
        return Response(ShareSerializer(shares, many=True).data)

    @extend_schema(request=ShareInputSerializer, responses={201: ShareSerializer})
    def post(self, request: Request, key: str) -> Response:
        document = document_get_or_404(reader=request.user, key=key)
        share = document_share(actor=actor_from(request), document=document, **_input(request))
        return Response(ShareSerializer(share).data, status=status.HTTP_201_CREATED)


class DocumentUnshareApi(APIView):
    """POST {"user"} or {"unit"}: unshare (idempotent); answers with the remaining shares."""

    @extend_schema(request=ShareInputSerializer, responses=ShareSerializer(many=True))
    def post(self, request: Request, key: str) -> Response:
        document = document_get_or_404(reader=request.user, key=key)
        document_unshare(actor=actor_from(request), document=document, **_input(request))
        return Response(ShareSerializer(document_shares(document=document), many=True).data)


class DossierSharesApi(APIView):
    @extend_schema(responses=ShareSerializer(many=True))
    def get(self, request: Request, key: str) -> Response:
        shares = dossier_shares(dossier=_dossier(request, key))
        return Response(ShareSerializer(shares, many=True).data)

    @extend_schema(request=ShareInputSerializer, responses={201: ShareSerializer})
    def post(self, request: Request, key: str) -> Response:
        dossier = _dossier(request, key)
        share = dossier_share(actor=actor_from(request), dossier=dossier, **_input(request))
        return Response(ShareSerializer(share).data, status=status.HTTP_201_CREATED)


class DossierUnshareApi(APIView):
    @extend_schema(request=ShareInputSerializer, responses=ShareSerializer(many=True))
    def post(self, request: Request, key: str) -> Response:
        dossier = _dossier(request, key)
        dossier_unshare(actor=actor_from(request), dossier=dossier, **_input(request))
        return Response(ShareSerializer(dossier_shares(dossier=dossier), many=True).data)
