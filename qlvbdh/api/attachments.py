"""Attachments API: thin over qlvbdh.services.attachments, on the workspace host's schema only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.permissions import require
from core.audit import actor_from
from core.errors import ApplicationError
from qlvbdh.attachment_models import Attachment
from qlvbdh.selectors.attachments import attachment_get, attachment_list, attachment_open
from qlvbdh.selectors.documents import document_get_or_404
from qlvbdh.services.attachments import attachment_add, attachment_can_add, attachment_download_record
from qlvbdh.signatures import CHANGES, VERDICTS, signatures_shown


class SignatureSerializer(serializers.Serializer[dict[str, Any]]):
    """One PDF signature as verified when the file was analysed, worded in the reader's language."""

    signer = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    verdict = serializers.ChoiceField(
        choices=VERDICTS,
        help_text="valid: unchanged since signing, trusted signer; untrusted: unchanged, signer not "
        "trusted; modified: changed after signing (see changes); invalid: broken or unreadable.",
    )
    verdict_label = serializers.CharField()
    changes = serializers.ListField(
        child=serializers.ChoiceField(choices=CHANGES),
        help_text="What followed the signed revision: a later signature, validation data or a "
        "timestamp, form filling, annotations, other changes to the content.",
    )
    changes_allowed = serializers.BooleanField()
    intact = serializers.BooleanField()
    valid = serializers.BooleanField()
    trusted = serializers.BooleanField()
    coverage = serializers.CharField()
    reason = serializers.CharField()
    summary = serializers.CharField()


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    download_url = serializers.SerializerMethodField()
    signatures = serializers.SerializerMethodField()

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

    @extend_schema_field(SignatureSerializer(many=True))
    def get_signatures(self, attachment: Attachment) -> list[dict[str, Any]]:
        return signatures_shown(attachment.signatures)

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


class DocumentAttachmentsApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=AttachmentSerializer(many=True))
    def get(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.view_documents")
        rows = attachment_list(
            reader=request.user, document=document_get_or_404(reader=request.user, key=key)
        )
        return Response(AttachmentSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: AttachmentSerializer}
    )
    def post(self, request: Request, key: str) -> Response:
        if not attachment_can_add(request.user):
            raise PermissionDenied
        document = document_get_or_404(reader=request.user, key=key)
        files = request.FILES.getlist("file")
        if len(files) != 1:
            raise ValidationError({"file": [_("Hãy gửi đúng một tệp trong trường “file”.")]})
        attachment = attachment_add(actor=actor_from(request), document=document, upload=files[0])
        return Response(
            AttachmentSerializer(attachment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class AttachmentDownloadApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, key: str) -> FileResponse:
        require(request.user, "qlvbdh.view_documents")
        attachment = attachment_get(reader=request.user, key=key)
        if attachment is None:
            raise Http404
        try:
            handle = attachment_open(attachment=attachment)
        except FileNotFoundError as exc:
            raise ApplicationError(
                _("Không tìm thấy tệp trong kho lưu trữ; hãy báo cán bộ phụ trách CNTT."),
                code="file_missing",
                status=404,
            ) from exc
        attachment_download_record(actor=actor_from(request), attachment=attachment)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
