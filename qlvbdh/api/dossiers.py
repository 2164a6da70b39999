"""Dossier API: the catalogue, linking documents, export to PDF and XML."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import require
from core.audit import actor_from
from core.ids import is_uuid
from qlvbdh.models import Dossier
from qlvbdh.selectors.documents import document_get
from qlvbdh.selectors.dossiers import dossier_list
from qlvbdh.services.dossiers import dossier_add_document, dossier_close, dossier_create, dossier_export


class DossierSerializer(serializers.ModelSerializer[Dossier]):
    owner = serializers.SerializerMethodField()
    document_count = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "uuid",
            "year",
            "code",
            "title",
            "retention",
            "owner",
            "opened_on",
            "closed_on",
            "document_count",
        ]

    def get_owner(self, dossier: Dossier) -> str:
        return dossier.owner.get_username()

    def get_document_count(self, dossier: Dossier) -> int:
        # Annotated by dossiers.dossier_list(with_counts=True): the documents the reader may see.
        return int(getattr(dossier, "document_count", 0))


def _dossier(request: Request, key: str) -> Dossier:
    """One dossier the reader may see (else 404), with its count of documents they may see."""
    found = dossier_list(reader=request.user, with_counts=True)
    dossier = found.filter(uuid=key).first() if is_uuid(key) else None
    if dossier is None:
        raise Http404
    return dossier


def _shown(request: Request, dossier: Dossier) -> dict[str, Any]:
    return dict(DossierSerializer(_dossier(request, str(dossier.uuid))).data)


class DossierListApi(APIView):
    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        year = serializers.IntegerField()
        code = serializers.CharField(max_length=100)
        title = serializers.CharField(max_length=1000)
        retention = serializers.CharField(max_length=16)
        opened_on = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(responses=DossierSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "qlvbdh.view_documents")
        year = request.query_params.get("year", "")
        found = dossier_list(
            reader=request.user,
            year=int(year) if year.isascii() and year.isdigit() and len(year) == 4 else None,
            with_counts=True,
        )
        return Response(DossierSerializer(found, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: DossierSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "qlvbdh.process")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dossier = dossier_create(actor=actor_from(request), owner=request.user, **data.validated_data)
        return Response(_shown(request, dossier), status=status.HTTP_201_CREATED)


class DossierDocumentsApi(APIView):
    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        document = serializers.UUIDField()

    @extend_schema(request=InputSerializer, responses=DossierSerializer)
    def post(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.process")
        dossier = _dossier(request, key)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = document_get(reader=request.user, key=str(data.validated_data["document"]))
        if document is None:
            raise ValidationError({"document": [_("Không tìm thấy văn bản.")]})
        dossier = dossier_add_document(actor=actor_from(request), dossier=dossier, document=document)
        return Response(_shown(request, dossier))


class DossierCloseApi(APIView):
    @extend_schema(request=None, responses=DossierSerializer)
    def post(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.process")
        dossier = dossier_close(actor=actor_from(request), dossier=_dossier(request, key))
        return Response(_shown(request, dossier))


def _export(request: Request, key: str, kind: str) -> HttpResponse:
    require(request.user, "qlvbdh.view_documents")
    dossier = _dossier(request, key)
    data = dossier_export(actor=actor_from(request), dossier=dossier, kind=kind)
    content_type = "application/pdf" if kind == "pdf" else "application/xml; charset=utf-8"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="ho-so-{dossier.year}-{dossier.pk}.{kind}"'
    response["Cache-Control"] = "no-store"
    return response


class DossierPdfApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request: Request, key: str) -> HttpResponse:
        return _export(request, key, "pdf")


class DossierXmlApi(APIView):
    @extend_schema(responses={(200, "application/xml"): bytes})
    def get(self, request: Request, key: str) -> HttpResponse:
        return _export(request, key, "xml")
