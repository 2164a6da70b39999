"""Registers API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import require
from core.audit import actor_from
from qlvbdh.api.serializers import (
    RegisterInputSerializer,
    RegisterSerializer,
)
from qlvbdh.selectors.registers import register_list
from qlvbdh.services.registers import register_create


class RegisterListApi(APIView):
    @extend_schema(responses=RegisterSerializer(many=True))
    def get(self, request: Request) -> Response:
        year = request.query_params.get("year", "")
        registers = register_list(
            reader=request.user,
            year=int(year) if year.isascii() and year.isdigit() and len(year) == 4 else None,
        )
        return Response(RegisterSerializer(registers, many=True).data)

    @extend_schema(request=RegisterInputSerializer, responses={201: RegisterSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "qlvbdh.manage_registers")
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        register = register_create(actor=actor_from(request), **data.validated_data)
        return Response(RegisterSerializer(register).data, status=status.HTTP_201_CREATED)
