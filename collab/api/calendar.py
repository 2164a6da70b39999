"""The work calendar through the API: a week's events, adding events, the week's approval steps."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import OrgUnit, User
from accounts.permissions import require
from collab.models import CalendarEvent, CalendarWeek
from collab.selectors.calendar import event_list, week_get, week_get_by_key
from collab.services.calendar import (
    EventData,
    event_create,
    monday_of,
    week_approve,
    week_ensure,
    week_return,
    week_submit,
)
from core.audit import actor_from
from qlvbdh.selectors.documents import document_get


class WeekSerializer(serializers.ModelSerializer[CalendarWeek]):
    class Meta:
        model = CalendarWeek
        fields = ["uuid", "week_start", "status", "note", "approved_by", "published_at"]


class EventSerializer(serializers.ModelSerializer[CalendarEvent]):
    host = serializers.SerializerMethodField()
    participants = serializers.SerializerMethodField()
    preparing_unit = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    class Meta:
        model = CalendarEvent
        fields = [
            "uuid",
            "scope",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "host",
            "participants",
            "other_participants",
            "preparing_unit",
            "documents",
            "cancelled_at",
            "revision",
        ]

    def get_host(self, event: CalendarEvent) -> str | None:
        return event.host.username if event.host else None

    def get_participants(self, event: CalendarEvent) -> list[str]:
        return [person.username for person in event.participants.all()]

    def get_preparing_unit(self, event: CalendarEvent) -> str | None:
        return event.preparing_unit.name if event.preparing_unit else None

    def get_documents(self, event: CalendarEvent) -> list[str]:
        # prefetched by event_list through the reader's need-to-know: only documents they may see
        return [str(document.uuid) for document in event.documents.all()]


class CalendarEventListApi(APIView):
    class QuerySerializer(serializers.Serializer[dict[str, Any]]):
        week = serializers.DateField(required=False)

    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        scope = serializers.ChoiceField(choices=CalendarEvent.Scope.choices)
        title = serializers.CharField(max_length=500)
        starts_at = serializers.DateTimeField()
        ends_at = serializers.DateTimeField()
        place = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
        host = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
        participants = serializers.ListField(
            child=serializers.CharField(max_length=150), required=False, default=list, max_length=200
        )
        other_participants = serializers.CharField(
            max_length=500, required=False, allow_blank=True, default=""
        )
        preparing_unit = serializers.UUIDField(required=False, allow_null=True, default=None)
        documents = serializers.ListField(
            child=serializers.UUIDField(), required=False, default=list, max_length=20
        )

    @extend_schema(parameters=[QuerySerializer], responses=EventSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "collab.view")
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        monday = monday_of(query.validated_data.get("week") or timezone.localdate())
        week = week_get(reader=request.user, day=monday)
        return Response(
            {
                "week": WeekSerializer(week).data if week else None,
                "events": EventSerializer(event_list(reader=request.user, start=monday), many=True).data,
            }
        )

    @extend_schema(request=InputSerializer, responses={201: EventSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "collab.view")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        people = {
            user.username: user
            for user in User.objects.filter(
                username__in=[values["host"], *values["participants"]], is_active=True
            )
        }
        unknown = [name for name in [*values["participants"], values["host"]] if name and name not in people]
        if unknown:
            raise ValidationError(
                {
                    "participants": [
                        _("Không có tài khoản: %(names)s") % {"names": ", ".join(sorted(set(unknown)))[:200]}
                    ]
                }
            )
        unit = None
        if values["preparing_unit"]:
            unit = OrgUnit.objects.filter(uuid=values["preparing_unit"], is_active=True).first()
            if unit is None:
                raise ValidationError({"preparing_unit": [_("Không có phòng, ban này.")]})
        documents = []
        for key in values["documents"]:
            document = document_get(reader=request.user, key=str(key))
            if document is None:
                raise ValidationError({"documents": [_("Không tìm thấy văn bản %(key)s.") % {"key": key}]})
            documents.append(document)
        event_data = EventData(
            title=values["title"],
            starts_at=values["starts_at"],
            ends_at=values["ends_at"],
            place=values["place"],
            host=people.get(values["host"]),
            participants=[people[name] for name in values["participants"]],
            other_participants=values["other_participants"],
            preparing_unit=unit,
            documents=documents,
        )
        actor = actor_from(request)
        scope = values["scope"]
        with transaction.atomic():
            week = None
            if scope == CalendarEvent.Scope.AGENCY:
                require(request.user, "collab.draft_calendar")
                week = week_ensure(actor=actor, day=timezone.localtime(values["starts_at"]).date())
            unit_of = request.user.unit if scope == CalendarEvent.Scope.UNIT else None  # type: ignore[union-attr]
            event = event_create(actor=actor, scope=scope, week=week, unit=unit_of, data=event_data)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class WeekActionApi(APIView):
    action_name = ""

    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=WeekSerializer)
    def post(self, request: Request, key: str) -> Response:
        require(request.user, "collab.view")
        week = week_get_by_key(reader=request.user, key=key)
        if week is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = actor_from(request)
        if self.action_name == "submit":
            week = week_submit(actor=actor, week=week)
        elif self.action_name == "approve":
            week = week_approve(actor=actor, week=week)
        else:
            week = week_return(actor=actor, week=week, note=data.validated_data["note"])
        return Response(WeekSerializer(week).data)


def week_action_api(action: str) -> Any:
    return WeekActionApi.as_view(action_name=action)
