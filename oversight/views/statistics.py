"""Inspectors' and operators' statistics pages on the console. Read-only by design."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import require
from oversight import selectors
from oversight.views.common import require_province


def _require_view(user: Any) -> None:
    require_province(user, "oversight.view_statistics")


@require_safe
@login_required
def statistics_view(request: HttpRequest) -> HttpResponse:
    _require_view(request.user)
    return render(request, "oversight/statistics.html", {"stats": selectors.tenant_statistics()})


@require_safe
@login_required
def statistics_export_view(request: HttpRequest) -> HttpResponse:
    _require_view(request.user)
    require(request.user, "oversight.export_statistics")
    stats = selectors.tenant_statistics()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="thong-ke-don-vi-{stamp}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow(["kind", "label", *[s["code"] for s in stats["statuses"]], "total"])
    for row in stats["rows"]:
        writer.writerow([row["kind"], row["label"], *row["counts"], row["total"]])
    return response


class StatisticsApi(APIView):
    def get(self, request: Request) -> Response:
        _require_view(request.user)
        return Response(selectors.tenant_statistics())
