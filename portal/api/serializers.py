from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from wagtail.models import Page


class PageSerializer(serializers.Serializer[Page]):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    type = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(source="first_published_at", read_only=True)
    summary = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_type(self, page: Page) -> str:
        return str(page.specific_class._meta.model_name if page.specific_class else "page")

    @extend_schema_field(serializers.CharField())
    def get_url(self, page: Page) -> str:
        return str(page.get_url(self.context.get("request")) or "")

    @extend_schema_field(serializers.CharField())
    def get_summary(self, page: Page) -> str:
        return str(getattr(page, "summary", "") or "")


class PageDetailSerializer(PageSerializer):
    fields_extra = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField())
    def get_fields_extra(self, page: Page) -> dict[str, Any]:
        """The page type's own public fields (a legal document's number and issuer, a procedure's level)."""
        extra: dict[str, Any] = {}
        for name in ("number_notation", "issuer", "issued_on", "level", "processing_time", "kind"):
            if hasattr(page, name):
                value = getattr(page, name)
                extra[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        if hasattr(page, "body"):
            extra["body"] = str(page.body)
        return extra
