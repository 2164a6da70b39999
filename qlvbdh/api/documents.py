"""Documents API: the filtered list, saved searches, one document, its timeline, revocation."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import require
from core.audit import actor_from
from core.pagination import Pagination
from qlvbdh import catalogue
from qlvbdh.api.serializers import (
    DocumentSerializer,
    EventSerializer,
    RevokeInputSerializer,
)
from qlvbdh.models import Document, SavedSearch
from qlvbdh.selectors.documents import (
    SEARCH_FILTERS,
    document_get_or_404,
    document_list,
    document_timeline,
)
from qlvbdh.services.documents import document_mark_read, document_revoke

_CHOICES = {
    "direction": set(Document.Direction.values),
    "status": set(Document.Status.values),
    "urgency": set(catalogue.Urgency.values),
    "type": set(catalogue.DOCUMENT_TYPES),
}


def _search_filters(params: Any) -> dict[str, Any]:
    """The list's filters from a query string (or a saved search); a bad date is a 400."""
    filters: dict[str, Any] = {}
    for name in SEARCH_FILTERS:
        value = str(params.get(name, "") or "").strip()
        if not value:
            continue
        if "\x00" in value:
            raise ValidationError({name: [_("Giá trị không hợp lệ.")]})
        if name in ("start", "end"):
            try:
                filters[name] = date.fromisoformat(value)
            except ValueError as exc:
                raise ValidationError({name: [_("Ngày phải có dạng YYYY-MM-DD.")]}) from exc
            if not 1945 <= filters[name].year <= 9998:
                raise ValidationError({name: [_("Ngày không hợp lệ.")]})
        elif name in _CHOICES and value not in _CHOICES[name]:
            raise ValidationError({name: [_("Giá trị không hợp lệ.")]})
        else:
            filters[name] = value[:200]
    return filters


class DocumentListApi(APIView):
    """Documents, filtered by q (no diacritics needed), type, status, urgency, start, end, unit,
    direction; or by a saved search (`saved=<id>`)."""

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "qlvbdh.view_documents")
        params: Any = request.query_params
        saved = params.get("saved", "")
        if saved:
            mine = SavedSearch.objects.filter(user=cast(User, request.user))
            search = mine.filter(
                pk=saved if saved.isascii() and saved.isdigit() and len(saved) < 12 else 0
            ).first()
            if search is None:
                raise Http404
            params = search.params
        documents = document_list(reader=request.user, **_search_filters(params))
        paginator = Pagination()
        page = paginator.paginate_queryset(documents, request, view=self)
        return paginator.get_paginated_response(DocumentSerializer(page, many=True).data)


class SavedSearchApi(APIView):
    """GET: my saved searches. POST {"name", "params"}: save (or replace) one."""

    def get(self, request: Request) -> Response:
        searches = SavedSearch.objects.filter(user=cast(User, request.user))
        return Response([{"id": s.pk, "name": s.name, "params": s.params} for s in searches])

    def post(self, request: Request) -> Response:
        require(request.user, "qlvbdh.view_documents")
        name = (
            str(request.data.get("name", "")).replace("\x00", "").strip()[:100]
            if hasattr(request.data, "get")
            else ""
        )
        params = request.data.get("params") if hasattr(request.data, "get") else None
        if not name or not isinstance(params, dict):
            raise ValidationError({"name": [_("Cần tên và bộ lọc của tìm kiếm.")]})
        cleaned = {key: str(value) for key, value in _search_filters(params).items()}
        search, _created = SavedSearch.objects.update_or_create(
            user=cast(User, request.user), name=name, defaults={"params": cleaned}
        )
        return Response(
            {"id": search.pk, "name": search.name, "params": search.params}, status=status.HTTP_201_CREATED
        )


class DocumentDetailApi(APIView):
    @extend_schema(responses=DocumentSerializer)
    def get(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.view_documents")
        document = document_get_or_404(reader=request.user, key=key)
        document_mark_read(actor=actor_from(request), document=document)
        return Response(DocumentSerializer(document).data)


class DocumentTimelineApi(APIView):
    @extend_schema(responses=EventSerializer(many=True))
    def get(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.view_documents")
        document = document_get_or_404(reader=request.user, key=key)
        document_mark_read(actor=actor_from(request), document=document)
        events = document_timeline(reader=request.user, document=document)
        return Response(EventSerializer(events, many=True).data)


class DocumentRevokeApi(APIView):
    @extend_schema(request=RevokeInputSerializer, responses=DocumentSerializer)
    def post(self, request: Request, key: str) -> Response:
        data = RevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = document_revoke(
            actor=actor_from(request),
            document=document_get_or_404(reader=request.user, key=key),
            reason=data.validated_data["reason"],
        )
        return Response(DocumentSerializer(document).data)
