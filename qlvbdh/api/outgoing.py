"""Outgoing documents API: draft, approve, sign, issue."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import OrgUnit
from accounts.permissions import require
from core.audit import actor_from
from qlvbdh.api.serializers import (
    DocumentSerializer,
    IssueInputSerializer,
    OutgoingInputSerializer,
)
from qlvbdh.selectors.documents import document_get, document_get_or_404
from qlvbdh.services.outgoing import (
    OutgoingData,
    Recipient,
    outgoing_approve,
    outgoing_draft_create,
    outgoing_issue,
    outgoing_sign,
)


class OutgoingDraftApi(APIView):
    @extend_schema(request=OutgoingInputSerializer, responses={201: DocumentSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "qlvbdh.draft")
        data = OutgoingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        replaces_key = values.pop("replaces")
        replaces = document_get(reader=request.user, key=str(replaces_key)) if replaces_key else None
        if replaces_key and replaces is None:
            raise ValidationError({"replaces": [_("Không tìm thấy văn bản được thay thế.")]})
        document = outgoing_draft_create(
            actor=actor_from(request), data=OutgoingData(**values, replaces=replaces)
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class _OutgoingStepApi(APIView):
    step = ""

    @extend_schema(request=None, responses=DocumentSerializer)
    def post(self, request: Request, key: str) -> Response:
        service = outgoing_approve if self.step == "approve" else outgoing_sign
        document = service(
            actor=actor_from(request), document=document_get_or_404(reader=request.user, key=key)
        )
        return Response(DocumentSerializer(document).data)


def outgoing_step_api(step: str) -> Any:
    return _OutgoingStepApi.as_view(step=step)


class OutgoingIssueApi(APIView):
    @extend_schema(request=IssueInputSerializer, responses=DocumentSerializer)
    def post(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.issue_outgoing")
        data = IssueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recipients = []
        for row in data.validated_data["recipients"]:
            if row["unit"] is not None:
                unit = OrgUnit.objects.filter(uuid=row["unit"], is_active=True).first()
                if unit is None:
                    raise ValidationError({"recipients": [_("Không tìm thấy phòng, ban này.")]})
                recipients.append(Recipient(unit=unit))
            else:
                recipients.append(Recipient(org_code=row["org_code"], org_name=row["org_name"]))
        document = outgoing_issue(
            actor=actor_from(request),
            document=document_get_or_404(reader=request.user, key=key),
            recipients=recipients,
        )
        return Response(DocumentSerializer(document).data)
