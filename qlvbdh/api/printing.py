"""Printed registers (R9) on the workspace host: the day's register as PDF, a period as XLSX.

Thin over qlvbdh.printing: who may (403), which register (404 outside the reader's schema),
which dates (400 with a message), then the file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from core.audit import actor_from
from core.text import fold
from qlvbdh import printing
from qlvbdh.models import Register
from qlvbdh.selectors.registers import register_list

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_INVALID_DATE = _("Ngày không hợp lệ; hãy ghi theo dạng YYYY-MM-DD, ví dụ 2026-03-05.")


class _FileOrJsonError(BaseContentNegotiation):
    """A success is a file (an HttpResponse DRF does not render); an error is JSON whatever the
    client's Accept says, so `Accept: application/pdf` gets the file, not a 406."""

    def select_parser(self, request: Request, parsers: Any) -> BaseParser | None:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Request, renderers: Any, format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class _RegisterFileApi(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _FileOrJsonError

    def _register(self, request: Request, key: UUID) -> Register:
        if not printing.register_printable_by(request.user):
            raise PermissionDenied
        register = register_list(reader=request.user).filter(uuid=key).first()
        if register is None:
            raise Http404
        return register

    @staticmethod
    def _file(content: bytes, *, content_type: str, filename: str, inline: bool) -> HttpResponse:
        response = HttpResponse(content, content_type=content_type)
        disposition = "inline" if inline else "attachment"
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
        response["Cache-Control"] = "no-store"  # document metadata: not for shared caches
        return response


def _file_stem(register: Register) -> str:
    return slugify(fold(register.name)) or "so-van-ban"


class RegisterPrintPdfApi(_RegisterFileApi):
    """The register of one day (default today, Asia/Ho_Chi_Minh), to print, sign and close."""

    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        date = serializers.DateField(required=False, error_messages={"invalid": _INVALID_DATE})

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="YYYY-MM-DD; default today")],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, key: UUID) -> HttpResponse:
        register = self._register(request, key)
        query = self.InputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day: dt.date = query.validated_data.get("date") or timezone.localdate()
        content = printing.register_print(actor=actor_from(request), register=register, day=day)
        return self._file(
            content,
            content_type="application/pdf",
            filename=f"{_file_stem(register)}-{day.isoformat()}.pdf",
            inline=True,
        )


class RegisterExportXlsxApi(_RegisterFileApi):
    """The register of a period of at most a year (default: the register's whole year)."""

    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        start = serializers.DateField(required=False, error_messages={"invalid": _INVALID_DATE})
        end = serializers.DateField(required=False, error_messages={"invalid": _INVALID_DATE})

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="YYYY-MM-DD; default 1 January"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="YYYY-MM-DD; default 31 December"),
        ],
        responses={(200, XLSX_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, key: UUID) -> HttpResponse:
        register = self._register(request, key)
        query = self.InputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start: dt.date = query.validated_data.get("start") or dt.date(register.year, 1, 1)
        end: dt.date = query.validated_data.get("end") or dt.date(register.year, 12, 31)
        content = printing.register_export(actor=actor_from(request), register=register, start=start, end=end)
        return self._file(
            content,
            content_type=XLSX_TYPE,
            filename=f"{_file_stem(register)}-{start.isoformat()}-{end.isoformat()}.xlsx",
            inline=False,
        )
