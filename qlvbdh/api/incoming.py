"""Incoming documents API: registering."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import require
from core.audit import actor_from
from qlvbdh.api.serializers import (
    DocumentSerializer,
    IncomingInputSerializer,
)
from qlvbdh.services.incoming import IncomingData, incoming_document_register


class IncomingRegisterApi(APIView):
    @extend_schema(request=IncomingInputSerializer, responses={201: DocumentSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "qlvbdh.register_incoming")
        data = IncomingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        accept_duplicate = values.pop("accept_duplicate")
        values["source"] = values.pop("received_via")
        document = incoming_document_register(
            actor=actor_from(request), data=IncomingData(**values), accept_duplicate=accept_duplicate
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)
