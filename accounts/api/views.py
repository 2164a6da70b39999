"""Accounts API: the same services as the pages, over the current host's schema only."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import importing, selectors
from accounts.api.serializers import (
    ImportBatchSerializer,
    LoginEventSerializer,
    OrgUnitInputSerializer,
    OrgUnitSerializer,
    OrgUnitUpdateInputSerializer,
    ReasonInputSerializer,
    RoleInputSerializer,
    UserCreateInputSerializer,
    UserOutputSerializer,
)
from accounts.forms import birth_year_of
from accounts.models import OrgUnit, User
from accounts.permissions import can, require
from accounts.services.credentials import second_factor_reset, user_reset_password
from accounts.services.imports import import_confirm, import_preview
from accounts.services.notifications import notification_mark_read
from accounts.services.roles import role_grant, role_revoke
from accounts.services.units import unit_create, unit_update
from accounts.services.users import (
    AccountData,
    user_create,
    user_deactivate,
    user_lock,
    user_propose_username,
    user_reactivate,
    user_unlock,
)
from core.audit import Actor
from core.pagination import Pagination


def _actor(request: Request) -> Actor:
    return Actor.from_request(request._request)


def _account(request: Request, key: str) -> User:
    user = selectors.account_get(reader=request.user, key=key)
    if user is None:
        raise Http404
    return user


def _unit(key: Any, field: str = "unit") -> OrgUnit | None:
    """An active unit by UUID for an input field; None for no unit, 400 for an unknown one."""
    if key is None:
        return None
    unit = OrgUnit.objects.filter(uuid=key, is_active=True).first()
    if unit is None:
        raise ValidationError({field: [_("Không tìm thấy phòng, ban này.")]})
    return unit


class UserListApi(APIView):
    """GET: accounts of this agency (or the province on the console). POST: create one."""

    @extend_schema(responses=UserOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "accounts.view_accounts")
        users = selectors.account_list(
            reader=request.user,
            q=request.query_params.get("q", ""),
            status=request.query_params.get("status", ""),
            role=request.query_params.get("role", ""),
            unit=request.query_params.get("unit", ""),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(users, request, view=self)
        return paginator.get_paginated_response(UserOutputSerializer(page, many=True).data)

    @extend_schema(request=UserCreateInputSerializer, responses={201: UserOutputSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "accounts.manage_accounts")
        data = UserCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user, password = user_create(
            actor=_actor(request),
            data=AccountData(
                full_name=values["full_name"],
                username=values["username"],
                birth_year=values["birth_year"],
                unit=_unit(values["unit"]),
                position=values["position"],
                email=values["email"],
                phone=values["phone"],
                roles=values["roles"],
                request_key=request.headers.get("Idempotency-Key", ""),
            ),
        )
        body = dict(UserOutputSerializer(user).data)
        body["temporary_password"] = password
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class UsernameProposalApi(APIView):
    def get(self, request: Request) -> Response:
        require(request.user, "accounts.manage_accounts")
        full_name = request.query_params.get("full_name", "")
        year = request.query_params.get("birth_year", "").strip()
        if not full_name.strip():
            raise ValidationError({"full_name": [_("Cần họ và tên.")]})
        birth_year = birth_year_of(year)
        if year and birth_year is None:
            raise ValidationError({"birth_year": [_("Năm sinh phải là số.")]})
        username = user_propose_username(full_name=full_name, birth_year=birth_year)
        return Response({"username": username})


class UserDetailApi(APIView):
    @extend_schema(responses=UserOutputSerializer)
    def get(self, request: Request, key: str) -> Response:
        require(request.user, "accounts.view_accounts")
        return Response(UserOutputSerializer(_account(request, key)).data)


class _UserActionApi(APIView):
    action_name = ""

    @extend_schema(request=ReasonInputSerializer, responses=UserOutputSerializer)
    def post(self, request: Request, key: str) -> Response:
        user = _account(request, key)
        if not can(request.user, "accounts.manage_accounts", user):
            raise PermissionDenied
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data["reason"]
        actor = _actor(request)
        extra: dict[str, Any] = {}
        if self.action_name == "lock":
            user = user_lock(actor=actor, user=user, reason=reason)
        elif self.action_name == "unlock":
            user = user_unlock(actor=actor, user=user, reason=reason)
        elif self.action_name == "deactivate":
            user = user_deactivate(actor=actor, user=user, reason=reason)
        elif self.action_name == "reactivate":
            user = user_reactivate(actor=actor, user=user)
        elif self.action_name == "reset-password":
            user, extra["temporary_password"] = user_reset_password(actor=actor, user=user)
        elif self.action_name == "reset-second-factor":
            user = second_factor_reset(actor=actor, user=user)
        return Response({**UserOutputSerializer(user).data, **extra}, headers={"Cache-Control": "no-store"})


def user_action_api(name: str) -> Any:
    return _UserActionApi.as_view(action_name=name)


class UserRolesApi(APIView):
    @extend_schema(request=RoleInputSerializer, responses=UserOutputSerializer)
    def post(self, request: Request, key: str) -> Response:
        user = _account(request, key)
        data = RoleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = role_grant(actor=_actor(request), user=user, role=data.validated_data["role"])
        return Response(UserOutputSerializer(user).data)


class UserRoleRevokeApi(APIView):
    @extend_schema(request=None, responses=UserOutputSerializer)
    def delete(self, request: Request, key: str, role: str) -> Response:
        user = _account(request, key)
        user = role_revoke(actor=_actor(request), user=user, role=role)
        return Response(UserOutputSerializer(user).data)


class ImportApi(APIView):
    """POST a staff file (multipart field `file`): a preview with per-row errors; nothing is created."""

    parser_classes = [MultiPartParser]

    @extend_schema(responses={201: ImportBatchSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "accounts.manage_accounts")
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Cần gửi tệp trong trường “file”.")]})
        if upload.size and upload.size > importing.MAX_BYTES:
            raise ValidationError({"file": [_("Tệp quá lớn (tối đa 5 MB).")]})
        batch = import_preview(actor=_actor(request), filename=upload.name or "", content=upload.read())
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class ImportDetailApi(APIView):
    @extend_schema(responses=ImportBatchSerializer)
    def get(self, request: Request, key: str) -> Response:
        batch = selectors.import_batch_get(reader=request.user, key=key)
        if batch is None:
            raise Http404
        return Response(ImportBatchSerializer(batch).data)


class ImportConfirmApi(APIView):
    @extend_schema(request=None, responses=ImportBatchSerializer)
    def post(self, request: Request, key: str) -> Response:
        batch = selectors.import_batch_get(reader=request.user, key=key)
        if batch is None:
            raise Http404
        batch = import_confirm(actor=_actor(request), batch=batch)
        return Response(ImportBatchSerializer(batch).data)


class OrgUnitListApi(APIView):
    @extend_schema(responses=OrgUnitSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "accounts.view_units")
        return Response(OrgUnitSerializer(selectors.unit_list(reader=request.user), many=True).data)

    @extend_schema(request=OrgUnitInputSerializer, responses={201: OrgUnitSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "accounts.manage_units")
        data = OrgUnitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        parent = _unit(values["parent_unit"], "parent_unit")
        unit = unit_create(actor=_actor(request), name=values["name"], kind=values["kind"], parent=parent)
        return Response(OrgUnitSerializer(unit).data, status=status.HTTP_201_CREATED)


class OrgUnitDetailApi(APIView):
    @extend_schema(responses=OrgUnitSerializer)
    def get(self, request: Request, key: str) -> Response:
        unit = selectors.unit_get(reader=request.user, key=key)
        if unit is None:
            raise Http404
        return Response(OrgUnitSerializer(unit).data)

    @extend_schema(request=OrgUnitUpdateInputSerializer, responses=OrgUnitSerializer)
    def patch(self, request: Request, key: str) -> Response:
        require(request.user, "accounts.manage_units")
        unit = selectors.unit_get(reader=request.user, key=key)
        if unit is None:
            raise Http404
        data = OrgUnitUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        parent = _unit(values["parent_unit"], "parent_unit") if "parent_unit" in values else unit.parent
        unit = unit_update(
            actor=_actor(request),
            unit=unit,
            name=values.get("name", unit.name),
            kind=values.get("kind", unit.kind),
            parent=parent,
            is_active=values.get("is_active", unit.is_active),
        )
        return Response(OrgUnitSerializer(unit).data)


class MeApi(APIView):
    def get(self, request: Request) -> Response:
        tenant = getattr(request, "tenant", None)
        return Response(
            {
                "user": UserOutputSerializer(cast(User, request.user)).data,
                "tenant": {"name": tenant.name, "org_code": tenant.org_code} if tenant else None,
            }
        )


class MyLoginsApi(APIView):
    @extend_schema(responses=LoginEventSerializer(many=True))
    def get(self, request: Request) -> Response:
        events = selectors.login_events_of(user=cast(User, request.user))[:200]
        return Response(LoginEventSerializer(events, many=True).data)


class MyNotificationsApi(APIView):
    """GET: my notifications, unread first. POST {"ids": [...]}: mark them read."""

    def get(self, request: Request) -> Response:
        from accounts.models import Notification

        notifications = Notification.objects.filter(user=cast(User, request.user)).order_by(
            F("read_at").desc(nulls_first=True), "-created_at"
        )[:200]
        return Response(
            [
                {
                    "id": n.pk,
                    "kind": n.kind,
                    "message": n.message,
                    "link": n.link,
                    "created_at": n.created_at,
                    "read": n.read_at is not None,
                }
                for n in notifications
            ]
        )

    def post(self, request: Request) -> Response:
        ids = request.data.get("ids") if hasattr(request.data, "get") else None
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise ValidationError({"ids": [_("Cần danh sách số hiệu thông báo.")]})
        marked = notification_mark_read(user=cast(User, request.user), ids=ids)
        return Response({"marked": marked})
