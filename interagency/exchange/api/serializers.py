from __future__ import annotations

from typing import Any

from rest_framework import serializers

from interagency.exchange.models import ExchangeStatus, InboxItem


class InboxItemSerializer(serializers.ModelSerializer[InboxItem]):
    document = serializers.SerializerMethodField()
    arrival_number = serializers.SerializerMethodField()
    request = serializers.SerializerMethodField()

    class Meta:
        model = InboxItem
        fields = [
            "uuid",
            "state",
            "exchange_id",
            "business",
            "sender_code",
            "sender_name",
            "number",
            "notation",
            "issued_on",
            "summary",
            "arrived_at",
            "decided_by",
            "decided_at",
            "reason",
            "document",
            "arrival_number",
            "request",
            "warnings",  # what the tolerant reader accepted that the standard does not
        ]

    def get_document(self, item: InboxItem) -> str | None:
        return str(item.document.uuid) if item.document_id and item.document else None

    def get_arrival_number(self, item: InboxItem) -> int | None:
        return item.document.register_number if item.document_id and item.document else None

    def get_request(self, item: InboxItem) -> dict[str, Any] | None:
        """The sender's request (revoke or update) and, once given, our answer."""
        if not item.request:
            return None
        keys = ("kind", "reason", "at", "update", "answer", "reason_answer")
        return {key: item.request.get(key) for key in keys}


class InboxItemDetailSerializer(InboxItemSerializer):
    metadata = serializers.JSONField()

    class Meta(InboxItemSerializer.Meta):
        fields = [*InboxItemSerializer.Meta.fields, "metadata"]


class RefuseInputSerializer(serializers.Serializer[dict[str, Any]]):
    # Blank passes here: the service answers with its own message that a reason is needed.
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class AnswerInputSerializer(serializers.Serializer[dict[str, Any]]):
    agree = serializers.BooleanField()
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class ExchangeStatusSerializer(serializers.ModelSerializer[ExchangeStatus]):
    status_label = serializers.CharField(source="label", read_only=True)

    class Meta:
        model = ExchangeStatus
        fields = ["status_code", "status_label", "description", "staff", "outgoing", "reported_at"]


class RecipientExchangeSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField()
    name = serializers.CharField()
    latest = ExchangeStatusSerializer(allow_null=True)
    history = ExchangeStatusSerializer(many=True)
