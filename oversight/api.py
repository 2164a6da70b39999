"""Read-only API of the rolled-up figures and the ranking (console host; inspectors and operators).
Thin: parse the period, ask the selectors, render."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.tenancy import tenant_by_key
from oversight import ranking, selectors
from oversight.models import RankingScheme
from oversight.views.common import require_province

_PERIOD = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="first day (default: 30 days ago)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="last day (default: yesterday)"),
    OpenApiParameter("kind", OpenApiTypes.STR, description="one kind of agency"),
]


def _period_json(period: selectors.Period) -> dict[str, Any]:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "kind": period.kind}


class UsageApi(APIView):
    """Every agency's measures over a period: the league table."""

    @extend_schema(parameters=_PERIOD, responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        require_province(request.user, "oversight.view_statistics")
        period = selectors.Period.from_query(request.query_params)
        rows = selectors.league_table(period)
        return Response(
            {
                **_period_json(period),
                "agencies": [
                    {
                        "uuid": str(row.tenant.uuid),
                        "name": row.tenant.name,
                        "org_code": row.tenant.org_code,
                        "kind": row.tenant.kind,
                        "days": row.days,
                        "measures": row.values,
                    }
                    for row in rows
                ],
            }
        )


class AgencyFiguresApi(APIView):
    """One agency's total of every figure over a period."""

    @extend_schema(parameters=_PERIOD[:2], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, key: str) -> Response:
        require_province(request.user, "oversight.view_statistics")
        tenant = tenant_by_key(key)
        if tenant is None:
            raise Http404
        period = selectors.Period.from_query(request.query_params)
        figures = selectors.agency_figures(tenant, period)
        return Response({**_period_json(period), "uuid": str(tenant.uuid), "figures": figures})


class RankingApi(APIView):
    """The ranking of a year and kind: the published (signed) table, else the live one."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, required=True),
            OpenApiParameter("kind", OpenApiTypes.STR, required=True),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        require_province(request.user, "oversight.view_statistics")
        try:
            year = int(request.query_params.get("year", ""))
        except ValueError:
            return Response({"detail": "year must be a number, e.g. ?year=2025"}, status=400)
        scheme = RankingScheme.objects.filter(year=year, kind=request.query_params.get("kind", "")).first()
        if scheme is None:
            raise Http404
        table = ranking.ranking_table(scheme=scheme).as_json()
        result = getattr(scheme, "result", None)
        if result is not None:
            table["signature"] = {"digest": result.digest, "signature": result.signature}
        return Response(table)
