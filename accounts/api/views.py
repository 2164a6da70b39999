"""Workspace API over the current tenant's accounts. Staff only until the accounts issue
brings roles; the queryset is the current schema's table, so it can never list another tenant."""

from __future__ import annotations

from typing import cast

from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User


class UserOutputSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["uuid", "username", "full_name", "is_active"]


class UserListApi(APIView):
    permission_classes = [permissions.IsAdminUser]

    def get(self, request: Request) -> Response:
        users = User.objects.order_by("username").only("uuid", "username", "full_name", "is_active")
        return Response(UserOutputSerializer(users, many=True).data)


class MeApi(APIView):
    def get(self, request: Request) -> Response:
        tenant = getattr(request, "tenant", None)
        return Response(
            {
                "user": UserOutputSerializer(cast(User, request.user)).data,
                "tenant": {"name": tenant.name, "org_code": tenant.org_code} if tenant else None,
            }
        )
