"""Provincial operator API for tenants (console host only). Thin: parse, call a service, render."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import Pagination
from tenants import selectors, services
from tenants.api.serializers import (
    HostProposalInputSerializer,
    TenantCreateInputSerializer,
    TenantOutputSerializer,
    TenantTransitionInputSerializer,
)
from tenants.models import Tenant
from tenants.permissions import tenants_can_manage, tenants_can_view


class IsTenantOperator(permissions.BasePermission):
    """Operators read and write; viewers (inspectors) read only."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return tenants_can_view(request.user)
        return tenants_can_manage(request.user)


def _actor(request: Request) -> services.Actor:
    return services.Actor.from_request(request._request)


def _tenant_or_404(key: str) -> Tenant:
    tenant = selectors.tenant_get(key=key)
    if tenant is None:
        raise Http404
    return tenant


class TenantListCreateApi(APIView):
    permission_classes = [IsTenantOperator]

    @extend_schema(responses=TenantOutputSerializer(many=True), parameters=[])
    def get(self, request: Request) -> Response:
        qs = selectors.tenant_list(
            status=request.query_params.get("status"), kind=request.query_params.get("kind")
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(TenantOutputSerializer(page, many=True).data)

    @extend_schema(request=TenantCreateInputSerializer, responses={201: TenantOutputSerializer})
    def post(self, request: Request) -> Response:
        data = TenantCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        parent_key = values.pop("parent_org_code", "") or ""
        parent = None
        if parent_key:
            parent = selectors.tenant_get(key=parent_key)
            if parent is None:
                return Response(
                    {"parent_org_code": ["Không tìm thấy đơn vị cấp trên."]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
        tenant = services.tenant_create(actor=_actor(request), parent=parent, **values)
        tenant = Tenant.objects.prefetch_related("domains").select_related("parent").get(pk=tenant.pk)
        return Response(TenantOutputSerializer(tenant).data, status=status.HTTP_201_CREATED)


class TenantDetailApi(APIView):
    permission_classes = [IsTenantOperator]

    @extend_schema(responses=TenantOutputSerializer)
    def get(self, request: Request, key: str) -> Response:
        return Response(TenantOutputSerializer(_tenant_or_404(key)).data)


class _TransitionApi(APIView):
    permission_classes = [IsTenantOperator]
    service: Any = None

    @extend_schema(request=TenantTransitionInputSerializer, responses=TenantOutputSerializer)
    def post(self, request: Request, key: str) -> Response:
        data = TenantTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = type(self).service(actor=_actor(request), tenant=_tenant_or_404(key), **data.validated_data)
        return Response(TenantOutputSerializer(tenant).data)


class TenantSuspendApi(_TransitionApi):
    service = staticmethod(services.tenant_suspend)


class TenantResumeApi(_TransitionApi):
    service = staticmethod(services.tenant_resume)


class TenantArchiveApi(_TransitionApi):
    service = staticmethod(services.tenant_archive)


class HostProposalApi(APIView):
    permission_classes = [IsTenantOperator]

    @extend_schema(parameters=[HostProposalInputSerializer])
    def get(self, request: Request) -> Response:
        data = HostProposalInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        return Response({"hosts": services.tenant_propose_hosts(**data.validated_data)})
