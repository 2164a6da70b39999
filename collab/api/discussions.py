"""Discussions through the API: threads with unread counts, a thread's messages, posting, editing."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import require
from collab.models import Message, Thread
from collab.selectors.discussions import message_get, message_list, thread_get, thread_list
from collab.services.discussions import message_edit, message_post
from core.audit import actor_from


class ThreadSerializer(serializers.ModelSerializer[Thread]):
    document = serializers.SerializerMethodField()
    dossier = serializers.SerializerMethodField()
    unread = serializers.IntegerField(read_only=True)

    class Meta:
        model = Thread
        fields = ["uuid", "kind", "name", "document", "dossier", "last_message_at", "unread"]

    def get_document(self, thread: Thread) -> str | None:
        return str(thread.document.uuid) if thread.document else None

    def get_dossier(self, thread: Thread) -> str | None:
        return str(thread.dossier.uuid) if thread.dossier else None


class MessageSerializer(serializers.ModelSerializer[Message]):
    id = serializers.IntegerField(source="pk")
    author = serializers.CharField(source="author.username")
    revisions = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "uuid", "author", "body", "created_at", "edited_at", "revisions"]

    def get_revisions(self, message: Message) -> list[dict[str, Any]]:
        return [{"body": r.body, "written_at": r.written_at} for r in message.revisions.all()]


class BodySerializer(serializers.Serializer[dict[str, Any]]):
    body = serializers.CharField(max_length=5000, trim_whitespace=False)


class ThreadListApi(APIView):
    @extend_schema(responses=ThreadSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "collab.view")
        return Response(ThreadSerializer(thread_list(reader=request.user)[:200], many=True).data)


class ThreadMessagesApi(APIView):
    class QuerySerializer(serializers.Serializer[dict[str, Any]]):
        after = serializers.IntegerField(required=False, min_value=0, max_value=2**62, default=0)

    def _thread(self, request: Request, key: str) -> Thread:
        require(request.user, "collab.view")
        thread = thread_get(reader=request.user, key=key)
        if thread is None:
            raise Http404
        return thread

    @extend_schema(parameters=[QuerySerializer], responses=MessageSerializer(many=True))
    def get(self, request: Request, key: str) -> Response:
        thread = self._thread(request, key)
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = message_list(reader=request.user, thread=thread, after=query.validated_data["after"])
        return Response(MessageSerializer(found, many=True).data)

    @extend_schema(request=BodySerializer, responses={201: MessageSerializer})
    def post(self, request: Request, key: str) -> Response:
        thread = self._thread(request, key)
        data = BodySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = message_post(actor=actor_from(request), thread=thread, body=data.validated_data["body"])
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class MessageEditApi(APIView):
    @extend_schema(request=BodySerializer, responses=MessageSerializer)
    def patch(self, request: Request, key: str) -> Response:
        require(request.user, "collab.view")
        message = message_get(reader=request.user, key=key)
        if message is None:
            raise Http404
        data = BodySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        edited = message_edit(actor=actor_from(request), message=message, body=data.validated_data["body"])
        return Response(MessageSerializer(edited).data)
