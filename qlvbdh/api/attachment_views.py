"""Attachments API: thin over qlvbdh.attachments, on the workspace host's schema only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.permissions import require
from core.audit import Actor
from core.errors import ApplicationError
from qlvbdh import attachments, selectors
from qlvbdh.attachment_models import Attachment
from qlvbdh.models import Document


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "uuid",
            "original_name",
            "version",
            "size",
            "sha256",
            "content_type",
            "signatures",
            "analysed_at",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, attachment: Attachment) -> str:
        return str(
            reverse(
                "api-attachment-download",
                kwargs={"key": str(attachment.uuid)},
                request=self.context.get("request"),
            )
        )


class AttachmentUploadSerializer(serializers.Serializer[dict[str, Any]]):
    file = serializers.FileField()


def _actor(request: Request) -> Actor:
    return Actor.from_request(request._request)


def _document(request: Request, key: str) -> Document:
    document = selectors.document_get(reader=request.user, key=key)
    if document is None:
        raise Http404
    return document


class DocumentAttachmentsApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=AttachmentSerializer(many=True))
    def get(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.view_documents")
        rows = attachments.attachment_list(reader=request.user, document=_document(request, key))
        return Response(AttachmentSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: AttachmentSerializer}
    )
    def post(self, request: Request, key: str) -> Response:
        if not attachments.attachment_can_add(request.user):
            raise PermissionDenied
        document = _document(request, key)
        files = request.FILES.getlist("file")
        if len(files) != 1:
            raise ValidationError({"file": [_("Hãy gửi đúng một tệp trong trường “file”.")]})
        attachment = attachments.attachment_add(actor=_actor(request), document=document, upload=files[0])
        return Response(
            AttachmentSerializer(attachment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class AttachmentDownloadApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, key: str) -> FileResponse:
        require(request.user, "qlvbdh.view_documents")
        attachment = attachments.attachment_get(reader=request.user, key=key)
        if attachment is None:
            raise Http404
        try:
            handle = attachments.attachment_open(attachment=attachment)
        except FileNotFoundError as exc:
            raise ApplicationError(
                _("Không tìm thấy tệp trong kho lưu trữ; hãy báo cán bộ phụ trách CNTT."),
                code="file_missing",
                status=404,
            ) from exc
        attachments.attachment_download_record(actor=_actor(request), attachment=attachment)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
