"""The shared library through the API: folders, documents with their versions, search, upload."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import require
from collab.models import FileVersion, Folder, LibraryItem
from collab.selectors.library import folder_get, folder_list, item_list
from collab.services.library import item_upload
from core.audit import actor_from


class FolderSerializer(serializers.ModelSerializer[Folder]):
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Folder
        fields = ["uuid", "name", "everyone", "item_count"]


class VersionSerializer(serializers.ModelSerializer[FileVersion]):
    download = serializers.SerializerMethodField()

    class Meta:
        model = FileVersion
        fields = [
            "uuid",
            "number",
            "original_name",
            "size",
            "sha256",
            "content_type",
            "note",
            "uploaded_by",
            "uploaded_at",
            "download",
        ]

    def get_download(self, version: FileVersion) -> str:
        return f"/library/versions/{version.uuid}/download/"


class ItemSerializer(serializers.ModelSerializer[LibraryItem]):
    folder = serializers.UUIDField(source="folder.uuid")
    versions = VersionSerializer(many=True)

    class Meta:
        model = LibraryItem
        fields = ["uuid", "folder", "title", "versions"]


class FolderListApi(APIView):
    @extend_schema(responses=FolderSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "collab.view")
        return Response(FolderSerializer(folder_list(reader=request.user), many=True).data)


class ItemListApi(APIView):
    class QuerySerializer(serializers.Serializer[dict[str, Any]]):
        q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
        folder = serializers.UUIDField(required=False)

    @extend_schema(parameters=[QuerySerializer], responses=ItemSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "collab.view")
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        folder = None
        if "folder" in query.validated_data:
            folder = folder_get(reader=request.user, key=str(query.validated_data["folder"]))
            if folder is None:
                raise Http404
        items = item_list(reader=request.user, folder=folder, q=query.validated_data["q"])[:200]
        return Response(ItemSerializer(items, many=True).data)


class ItemUploadApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        title = serializers.CharField(max_length=300)
        file = serializers.FileField()
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: VersionSerializer})
    def post(self, request: Request, key: str) -> Response:
        require(request.user, "collab.view")
        folder = folder_get(reader=request.user, key=key)
        if folder is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = item_upload(
            actor=actor_from(request),
            folder=folder,
            title=data.validated_data["title"],
            upload=data.validated_data["file"],
            note=data.validated_data["note"],
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)
