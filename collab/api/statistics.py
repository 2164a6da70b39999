"""The statistics through the API: the same figures as the page and the exports."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import require
from collab.selectors.statistics import PERIOD_ERRORS, period_of, statistics_for


class StatisticsApi(APIView):
    class QuerySerializer(serializers.Serializer[dict[str, Any]]):
        start = serializers.DateField(required=False)
        end = serializers.DateField(required=False)

    @extend_schema(parameters=[QuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        require(request.user, "qlvbdh.view_reports")
        start, end, problem = period_of(request.query_params.get("start"), request.query_params.get("end"))
        if problem:
            raise ValidationError({"detail": str(PERIOD_ERRORS[problem])})
        stats = statistics_for(reader=request.user, start=start, end=end)
        return Response(stats.as_dict() if stats is not None else {})
