"""QLVBĐH API: thin over qlvbdh.services and qlvbdh.selectors, on the workspace host's schema only."""

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

from accounts.models import OrgUnit, User
from accounts.permissions import require
from core.api import Pagination
from core.audit import Actor
from qlvbdh import catalogue, selectors, services
from qlvbdh.api.serializers import (
    AssignmentSerializer,
    DirectInputSerializer,
    DocumentSerializer,
    EventSerializer,
    IncomingInputSerializer,
    IssueInputSerializer,
    OutgoingInputSerializer,
    ReassignInputSerializer,
    RegisterInputSerializer,
    RegisterSerializer,
    ReportInputSerializer,
    RevokeInputSerializer,
    SubmitInputSerializer,
)
from qlvbdh.models import Assignment, Document, SavedSearch


def _actor(request: Request) -> Actor:
    return Actor.from_request(request._request)


class RegisterListApi(APIView):
    @extend_schema(responses=RegisterSerializer(many=True))
    def get(self, request: Request) -> Response:
        year = request.query_params.get("year", "")
        registers = selectors.register_list(
            reader=request.user,
            year=int(year) if year.isascii() and year.isdigit() and len(year) == 4 else None,
        )
        return Response(RegisterSerializer(registers, many=True).data)

    @extend_schema(request=RegisterInputSerializer, responses={201: RegisterSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "qlvbdh.manage_registers")
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        register = services.register_create(actor=_actor(request), **data.validated_data)
        return Response(RegisterSerializer(register).data, status=status.HTTP_201_CREATED)


_CHOICES = {
    "direction": set(Document.Direction.values),
    "status": set(Document.Status.values),
    "urgency": set(catalogue.Urgency.values),
    "type": set(catalogue.DOCUMENT_TYPES),
}


def _search_filters(params: Any) -> dict[str, Any]:
    """The list's filters from a query string (or a saved search); a bad date is a 400."""
    filters: dict[str, Any] = {}
    for name in selectors.SEARCH_FILTERS:
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
        documents = selectors.document_list(reader=request.user, **_search_filters(params))
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


class IncomingRegisterApi(APIView):
    @extend_schema(request=IncomingInputSerializer, responses={201: DocumentSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "qlvbdh.register_incoming")
        data = IncomingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        accept_duplicate = values.pop("accept_duplicate")
        values["source"] = values.pop("received_via")
        document = services.incoming_document_register(
            actor=_actor(request), data=services.IncomingData(**values), accept_duplicate=accept_duplicate
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailApi(APIView):
    @extend_schema(responses=DocumentSerializer)
    def get(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.view_documents")
        document = selectors.document_get(reader=request.user, key=key)
        if document is None:
            raise Http404
        services.document_mark_read(actor=_actor(request), document=document)
        return Response(DocumentSerializer(document).data)


def _document(request: Request, key: str) -> Document:
    document = selectors.document_get(reader=request.user, key=key)
    if document is None:
        raise Http404
    return document


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
        document = services.document_submit(
            actor=_actor(request),
            document=_document(request, key),
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
                services.AssignmentSpec(
                    role=row["role"], assignee=person, unit=unit, deadline=row["deadline"], note=row["note"]
                )
            )
        document = services.document_direct(
            actor=_actor(request),
            document=_document(request, key),
            note=data.validated_data["note"],
            assignments=specs,
        )
        return Response(DocumentSerializer(document).data)


class DocumentTimelineApi(APIView):
    @extend_schema(responses=EventSerializer(many=True))
    def get(self, request: Request, key: str) -> Response:
        require(request.user, "qlvbdh.view_documents")
        document = _document(request, key)
        services.document_mark_read(actor=_actor(request), document=document)
        events = selectors.document_timeline(reader=request.user, document=document)
        return Response(EventSerializer(events, many=True).data)


class MyTasksApi(APIView):
    """My tasks and my unit's, overdue first."""

    @extend_schema(responses=AssignmentSerializer(many=True))
    def get(self, request: Request) -> Response:
        tasks = selectors.my_tasks(user=request.user, include_done=request.query_params.get("done") == "1")
        paginator = Pagination()
        page = paginator.paginate_queryset(tasks, request, view=self)
        return paginator.get_paginated_response(AssignmentSerializer(page, many=True).data)


def _task(request: Request, key: str) -> Assignment:
    task = selectors.assignment_get(user=request.user, key=key)
    if task is None:
        raise Http404
    return task


class AssignmentReassignApi(APIView):
    @extend_schema(request=ReassignInputSerializer, responses=AssignmentSerializer)
    def post(self, request: Request, key: str) -> Response:
        data = ReassignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        task = services.assignment_reassign(
            actor=_actor(request),
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
        service = services.assignment_close if self.step == "close" else services.assignment_report
        task = service(
            actor=_actor(request), assignment=_task(request, key), report=data.validated_data["report"]
        )
        return Response(AssignmentSerializer(task).data)


class OutgoingDraftApi(APIView):
    @extend_schema(request=OutgoingInputSerializer, responses={201: DocumentSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, "qlvbdh.draft")
        data = OutgoingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        replaces_key = values.pop("replaces")
        replaces = (
            selectors.document_get(reader=request.user, key=str(replaces_key)) if replaces_key else None
        )
        if replaces_key and replaces is None:
            raise ValidationError({"replaces": [_("Không tìm thấy văn bản được thay thế.")]})
        document = services.outgoing_draft_create(
            actor=_actor(request), data=services.OutgoingData(**values, replaces=replaces)
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class _OutgoingStepApi(APIView):
    step = ""

    @extend_schema(request=None, responses=DocumentSerializer)
    def post(self, request: Request, key: str) -> Response:
        service = services.outgoing_approve if self.step == "approve" else services.outgoing_sign
        document = service(actor=_actor(request), document=_document(request, key))
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
                recipients.append(services.Recipient(unit=unit))
            else:
                recipients.append(services.Recipient(org_code=row["org_code"], org_name=row["org_name"]))
        document = services.outgoing_issue(
            actor=_actor(request), document=_document(request, key), recipients=recipients
        )
        return Response(DocumentSerializer(document).data)


class DocumentRevokeApi(APIView):
    @extend_schema(request=RevokeInputSerializer, responses=DocumentSerializer)
    def post(self, request: Request, key: str) -> Response:
        data = RevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.document_revoke(
            actor=_actor(request), document=_document(request, key), reason=data.validated_data["reason"]
        )
        return Response(DocumentSerializer(document).data)
