"""QLVBĐH API: thin over qlvbdh.services and qlvbdh.selectors, on the workspace host's schema only."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import require
from core.audit import Actor
from qlvbdh import selectors, services
from qlvbdh.api.serializers import (
    DocumentSerializer,
    IncomingInputSerializer,
    RegisterInputSerializer,
    RegisterSerializer,
)


def _actor(request: Request) -> Actor:
    return Actor.from_request(request._request)


class RegisterListApi(APIView):
    @extend_schema(responses=RegisterSerializer(many=True))
    def get(self, request: Request) -> Response:
        year = request.query_params.get("year", "")
        registers = selectors.register_list(
            reader=request.user, year=int(year) if year.isdigit() and len(year) == 4 else None
        )
        return Response(RegisterSerializer(registers, many=True).data)

    @extend_schema(request=RegisterInputSerializer, responses={201: RegisterSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "qlvbdh.manage_registers")
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        register = services.register_create(actor=_actor(request), **data.validated_data)
        return Response(RegisterSerializer(register).data, status=status.HTTP_201_CREATED)


class DocumentListApi(APIView):
    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "qlvbdh.view_documents")
        documents = selectors.document_list(
            reader=request.user,
            direction=request.query_params.get("direction", ""),
            q=request.query_params.get("q", ""),
        )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(documents, request, view=self)
        return paginator.get_paginated_response(DocumentSerializer(page, many=True).data)


class IncomingRegisterApi(APIView):
    @extend_schema(request=IncomingInputSerializer, responses={201: DocumentSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "qlvbdh.register_incoming")
        data = IncomingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        accept_duplicate = values.pop("accept_duplicate")
        values["source"] = values.pop("received_via")
        document = services.incoming_document_register(
            actor=_actor(request), data=services.IncomingData(**values), accept_duplicate=accept_duplicate
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailApi(APIView):
    @extend_schema(responses=DocumentSerializer)
    def get(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.view_documents")
        document = selectors.document_get(reader=request.user, key=key)
        if document is None:
            raise Http404
        return Response(DocumentSerializer(document).data)
