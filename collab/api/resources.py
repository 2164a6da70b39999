"""Resources and bookings through the API (the same services and rules as the pages)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import require
from collab.models import Booking, Resource
from collab.selectors.resources import booking_get, booking_list, resource_get, resource_list, week_range
from collab.services.resources import booking_cancel, booking_create, booking_decide
from core.audit import actor_from


class ResourceSerializer(serializers.ModelSerializer[Resource]):
    manager = serializers.CharField(source="manager.username")

    class Meta:
        model = Resource
        fields = ["uuid", "name", "kind", "location", "manager", "needs_approval"]


class BookingSerializer(serializers.ModelSerializer[Booking]):
    resource = serializers.UUIDField(source="resource.uuid")
    booked_by = serializers.CharField(source="booked_by.username")
    starts_at = serializers.DateTimeField(source="during.lower")
    ends_at = serializers.DateTimeField(source="during.upper")

    class Meta:
        model = Booking
        fields = ["uuid", "resource", "title", "starts_at", "ends_at", "status", "booked_by", "reason"]


class ResourceListApi(APIView):
    @extend_schema(responses=ResourceSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "qlvbdh.book_resources")
        return Response(ResourceSerializer(resource_list(reader=request.user), many=True).data)


class BookingListApi(APIView):
    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        resource = serializers.UUIDField()
        title = serializers.CharField(max_length=300)
        starts_at = serializers.DateTimeField()
        ends_at = serializers.DateTimeField()

    class QuerySerializer(serializers.Serializer[dict[str, Any]]):
        week = serializers.DateField(required=False)

    @extend_schema(parameters=[QuerySerializer], responses=BookingSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "collab.view")
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = week_range(query.validated_data.get("week") or timezone.localdate())
        return Response(
            BookingSerializer(booking_list(reader=request.user, start=start, end=end), many=True).data
        )

    @extend_schema(request=InputSerializer, responses={201: BookingSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "qlvbdh.book_resources")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        resource = resource_get(reader=request.user, key=str(data.validated_data["resource"]))
        if resource is None:
            raise Http404

        booking = booking_create(
            actor=actor_from(request),
            resource=resource,
            title=data.validated_data["title"],
            starts_at=data.validated_data["starts_at"],
            ends_at=data.validated_data["ends_at"],
        )
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class BookingActionApi(APIView):
    action_name = ""

    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=BookingSerializer)
    def post(self, request: Request, key: str) -> Response:

        require(request.user, "qlvbdh.book_resources")
        booking = booking_get(reader=request.user, key=key)
        if booking is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data["reason"]
        if self.action_name == "cancel":
            booking = booking_cancel(actor=actor_from(request), booking=booking, reason=reason)
        else:
            booking = booking_decide(
                actor=actor_from(request),
                booking=booking,
                approve=self.action_name == "approve",
                reason=reason,
            )
        return Response(BookingSerializer(booking).data)


def booking_action_api(action: str) -> Any:
    return BookingActionApi.as_view(action_name=action)
