"""Processing API: submit, direction and assignments, my tasks, re-assign, report, close."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import OrgUnit, User
from accounts.permissions import require
from core.audit import actor_from
from core.pagination import Pagination
from qlvbdh.api.serializers import (
    AssignmentSerializer,
    DirectInputSerializer,
    DocumentSerializer,
    ReassignInputSerializer,
    ReportInputSerializer,
    SubmitInputSerializer,
)
from qlvbdh.models import Assignment
from qlvbdh.selectors.assignments import assignment_get, my_tasks_list
from qlvbdh.selectors.documents import document_get_or_404
from qlvbdh.services.processing import (
    AssignmentSpec,
    assignment_close,
    assignment_reassign,
    assignment_report,
    document_direct,
    document_submit,
)


def _person(username: str, field: str) -> User:
    person = User.objects.filter(username=username.strip().lower(), is_active=True).first()
    if person is None:
        raise ValidationError({field: [_("Không tìm thấy tài khoản %(name)s.") % {"name": username}]})
    return person


class DocumentSubmitApi(APIView):
    @extend_schema(request=SubmitInputSerializer, responses=DocumentSerializer)
    def post(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.register_incoming")
        data = SubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = document_submit(
            actor=actor_from(request),
            document=document_get_or_404(reader=request.user, key=key),
            head=_person(data.validated_data["head"], "head"),
        )
        return Response(DocumentSerializer(document).data)


class DocumentDirectApi(APIView):
    @extend_schema(request=DirectInputSerializer, responses=DocumentSerializer)
    def post(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.direct")
        data = DirectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        specs = []
        for row in data.validated_data["assignments"]:
            unit = None
            if row["unit"] is not None:
                unit = OrgUnit.objects.filter(uuid=row["unit"], is_active=True).first()
                if unit is None:
                    raise ValidationError({"assignments": [_("Không tìm thấy phòng, ban này.")]})
            person = _person(row["assignee"], "assignments") if row["assignee"] else None
            specs.append(
                AssignmentSpec(
                    role=row["role"], assignee=person, unit=unit, deadline=row["deadline"], note=row["note"]
                )
            )
        document = document_direct(
            actor=actor_from(request),
            document=document_get_or_404(reader=request.user, key=key),
            note=data.validated_data["note"],
            assignments=specs,
        )
        return Response(DocumentSerializer(document).data)


class MyTasksApi(APIView):
    """My tasks and my unit's, overdue first."""

    @extend_schema(responses=AssignmentSerializer(many=True))
    def get(self, request: Request) -> Response:
        tasks = my_tasks_list(user=request.user, include_done=request.query_params.get("done") == "1")
        paginator = Pagination()
        page = paginator.paginate_queryset(tasks, request, view=self)
        return paginator.get_paginated_response(AssignmentSerializer(page, many=True).data)


def _task(request: Request, key: str) -> Assignment:
    task = assignment_get(user=request.user, key=key)
    if task is None:
        raise Http404
    return task


class AssignmentReassignApi(APIView):
    @extend_schema(request=ReassignInputSerializer, responses=AssignmentSerializer)
    def post(self, request: Request, key: str) -> Response:
        data = ReassignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        task = assignment_reassign(
            actor=actor_from(request),
            assignment=_task(request, key),
            to=_person(values["to"], "to"),
            deadline=values["deadline"],
            note=values["note"],
        )
        return Response(AssignmentSerializer(task).data, status=status.HTTP_201_CREATED)


class AssignmentStepApi(APIView):
    """POST report/ or close/ on a task the person holds (body: {"report": "..."})."""

    step = ""

    @extend_schema(request=ReportInputSerializer, responses=AssignmentSerializer)
    def post(self, request: Request, key: str) -> Response:
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service = assignment_close if self.step == "close" else assignment_report
        task = service(
            actor=actor_from(request), assignment=_task(request, key), report=data.validated_data["report"]
        )
        return Response(AssignmentSerializer(task).data)
