"""The hub's API on the workspace host: the clerk's inbox and decisions, and the sender's view of
what each recipient did with a document. Thin over interagency.exchange's services and selectors."""

from __future__ import annotations

from typing import Any, cast

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import require
from accounts.roles import PermissionCode
from core.audit import Actor
from core.pagination import Pagination
from interagency.exchange.api.serializers import (
    AnswerInputSerializer,
    InboxItemDetailSerializer,
    InboxItemSerializer,
    RecipientExchangeSerializer,
    RefuseInputSerializer,
)
from interagency.exchange.models import InboxItem
from interagency.exchange.selectors import exchange_status_for, inbox_item_get, inbox_item_queue
from interagency.exchange.services.inbox import inbox_item_accept, inbox_item_answer, inbox_item_refuse
from qlvbdh.selectors import documents

PERMISSION: PermissionCode = "qlvbdh.register_incoming"


def _actor(request: Request) -> Actor:
    return Actor.from_request(request._request)


def _item(request: Request, key: str) -> InboxItem:
    require(request.user, PERMISSION)
    item = inbox_item_get(reader=request.user, key=key)
    if item is None:
        raise Http404
    return item


def _fresh(item: InboxItem) -> InboxItem:
    return InboxItem.objects.select_related("document").get(pk=item.pk)


class InboxListApi(APIView):
    """Documents that came through the hub: arrived ones first, then the decided ones."""

    @extend_schema(
        parameters=[OpenApiParameter("state", str, enum=InboxItem.State.values, required=False)],
        responses=InboxItemSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        require(request.user, PERMISSION)
        state = request.query_params.get("state", "")
        if state and state not in InboxItem.State.values:
            raise ValidationError({"state": [_("Giá trị không hợp lệ.")]})
        items = inbox_item_queue(reader=request.user, state=state).select_related("document")
        paginator = Pagination()
        page: list[InboxItem] | None = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(InboxItemSerializer(page, many=True).data)


class InboxItemApi(APIView):
    @extend_schema(responses=InboxItemDetailSerializer)
    def get(self, request: Request, key: str) -> Response:
        return Response(InboxItemDetailSerializer(_fresh(_item(request, key))).data)


class InboxAcceptApi(APIView):
    """Accept an arrived document: it becomes an incoming document with an arrival number (03).
    Accepting again returns the same; accepting a refused or cancelled one is a 409."""

    @extend_schema(request=None, responses=InboxItemSerializer)
    def post(self, request: Request, key: str) -> Response:
        item = _item(request, key)
        inbox_item_accept(actor=_actor(request), item=item)
        return Response(InboxItemSerializer(_fresh(item)).data)


class InboxRefuseApi(APIView):
    """Refuse an arrived document with a reason (02)."""

    @extend_schema(request=RefuseInputSerializer, responses=InboxItemSerializer)
    def post(self, request: Request, key: str) -> Response:
        item = _item(request, key)
        data = RefuseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inbox_item_refuse(actor=_actor(request), item=item, reason=data.validated_data["reason"])
        return Response(InboxItemSerializer(_fresh(item)).data)


class InboxAnswerApi(APIView):
    """Answer the sender's request to take back or update a document: agree (15) or refuse with a
    reason (16). No open request is a 409."""

    @extend_schema(request=AnswerInputSerializer, responses=InboxItemSerializer)
    def post(self, request: Request, key: str) -> Response:
        item = _item(request, key)
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inbox_item_answer(
            actor=_actor(request),
            item=item,
            agree=data.validated_data["agree"],
            reason=data.validated_data["reason"],
        )
        return Response(InboxItemSerializer(_fresh(item)).data)


class DocumentExchangeApi(APIView):
    """Per external recipient of a document we sent: its latest status and the whole history
    (including our own requests, 13, marked `outgoing`)."""

    @extend_schema(responses=RecipientExchangeSerializer(many=True))
    def get(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.view_documents")
        document = documents.document_get(reader=request.user, key=key)
        if document is None:
            raise Http404
        rows = exchange_status_for(reader=request.user, document=document)
        return Response(RecipientExchangeSerializer(cast(Any, rows), many=True).data)
