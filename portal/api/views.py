"""The portal's read-only public content API (portal host): what the public site shows, as JSON.
Live, public pages only; no write of any kind (a POST, PUT or DELETE is 405)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import Pagination
from portal import selectors
from portal.api.serializers import PageDetailSerializer, PageSerializer


class _Public(APIView):
    authentication_classes = ()  # anonymous by design: no session, no CSRF
    permission_classes = (AllowAny,)


class PageListApi(_Public, generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = PageSerializer
    # Capped limit and offset: a huge number is a big page, never a database error (found by fuzzing).
    pagination_class = Pagination

    @extend_schema(
        parameters=[OpenApiParameter("section", str, description="slug of a section: its items only")],
        summary="Published pages, newest first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        pages = selectors.pages_visible()
        section = self.request.query_params.get("section")
        if section:
            home = selectors.portal_site()
            parent = selectors.sections_visible(home.root_page).filter(slug=section).first() if home else None
            if parent is None:
                return pages.none()
            pages = pages.descendant_of(parent)
        return pages.specific().order_by("-first_published_at", "-id")


class PageDetailApi(_Public, generics.RetrieveAPIView):  # type: ignore[type-arg]
    serializer_class = PageDetailSerializer

    def get_object(self) -> Any:
        page = selectors.pages_visible().filter(pk=self.kwargs["pk"]).specific().first()
        if page is None:
            raise Http404
        return page


class SearchApi(_Public):
    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="words, with or without diacritics")],
        responses=PageSerializer(many=True),
        summary="Search published pages, ignoring diacritics",
    )
    def get(self, request: Request) -> Response:
        results = selectors.page_search(request.query_params.get("q") or "", limit=50)
        return Response(PageSerializer(results, many=True, context={"request": request}).data)
