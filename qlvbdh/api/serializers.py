from __future__ import annotations

from typing import Any

from rest_framework import serializers

from qlvbdh import catalogue
from qlvbdh.models import Assignment, Document, Register


class SafeDateTimeField(serializers.DateTimeField):
    """A date-time whose year falls outside what the database and time zones hold is invalid, not a 500."""

    def to_internal_value(self, value: Any) -> Any:
        try:
            return super().to_internal_value(value)
        except (OverflowError, ValueError):
            self.fail("invalid", format="YYYY-MM-DDThh:mm")


class RegisterSerializer(serializers.ModelSerializer[Register]):
    class Meta:
        model = Register
        fields = ["uuid", "year", "direction", "name", "document_types", "agency_abbreviation", "last_number"]


class RegisterInputSerializer(serializers.Serializer[dict[str, Any]]):
    year = serializers.IntegerField()
    direction = serializers.CharField(max_length=16)
    name = serializers.CharField(max_length=150)
    document_types = serializers.ListField(
        child=serializers.CharField(max_length=4), required=False, default=list
    )
    agency_abbreviation = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class DocumentSerializer(serializers.ModelSerializer[Document]):
    replaces = serializers.SerializerMethodField()
    register = serializers.SerializerMethodField()
    arrival_number = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "uuid",
            "direction",
            "status",
            "register",
            "arrival_number",
            "registered_at",
            "number",
            "notation",
            "issuer_name",
            "issuer_code",
            "document_type",
            "summary",
            "signer_name",
            "signing_authority",
            "issued_on",
            "received_at",
            "urgency",
            "page_count",
            "copy_count",
            "recipients",
            "due_date",
            "delivery_mode",
            "source",
            "drafting_unit",
            "approved_by",
            "signed_by",
            "signed_at",
            "replaces",
            "revoked_at",
            "revoked_reason",
        ]

    def get_replaces(self, document: Document) -> str | None:
        return str(document.replaces.uuid) if document.replaces_id and document.replaces else None

    def get_register(self, document: Document) -> str | None:
        return str(document.register.uuid) if document.register_id and document.register else None

    def get_arrival_number(self, document: Document) -> str | None:
        return catalogue.format_number(document.register_number) if document.register_number else None


class IncomingInputSerializer(serializers.Serializer[dict[str, Any]]):
    issuer_name = serializers.CharField(max_length=400)
    document_type = serializers.CharField(max_length=4)
    summary = serializers.CharField(max_length=1000)
    number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    notation = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    issuer_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    signer_name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    signing_authority = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    issued_on = serializers.DateField(required=False, allow_null=True, default=None)
    received_at = SafeDateTimeField(required=False, allow_null=True, default=None)
    urgency = serializers.CharField(max_length=16, required=False, default=catalogue.Urgency.NORMAL)
    secrecy = serializers.CharField(max_length=16, required=False, default=catalogue.Secrecy.NONE)
    page_count = serializers.IntegerField(required=False, allow_null=True, default=None)
    copy_count = serializers.IntegerField(required=False, allow_null=True, default=None)
    recipients = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    delivery_mode = serializers.CharField(max_length=16, required=False, default=catalogue.DeliveryMode.PAPER)
    # How it arrived (the model's `source`; DRF fields have their own `source` attribute).
    received_via = serializers.CharField(max_length=16, required=False, default=catalogue.Source.PAPER)
    accept_duplicate = serializers.BooleanField(required=False, default=False)


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    document = serializers.SerializerMethodField()
    assignee = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "uuid",
            "document",
            "role",
            "assignee",
            "unit",
            "deadline",
            "status",
            "note",
            "report",
            "overdue",
        ]

    def get_document(self, assignment: Assignment) -> dict[str, Any]:
        document = assignment.document
        return {"uuid": str(document.uuid), "summary": document.summary, "status": document.status}

    def get_assignee(self, assignment: Assignment) -> str | None:
        return assignment.assignee.get_username() if assignment.assignee_id and assignment.assignee else None

    def get_unit(self, assignment: Assignment) -> str | None:
        return str(assignment.unit.uuid) if assignment.unit_id and assignment.unit else None

    def get_overdue(self, assignment: Assignment) -> bool:
        return bool(getattr(assignment, "overdue", 1) == 0)


class SubmitInputSerializer(serializers.Serializer[dict[str, Any]]):
    head = serializers.CharField(max_length=150)


class AssignmentInputSerializer(serializers.Serializer[dict[str, Any]]):
    role = serializers.CharField(max_length=16)
    assignee = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    unit = serializers.UUIDField(required=False, allow_null=True, default=None)
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DirectInputSerializer(serializers.Serializer[dict[str, Any]]):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    assignments = AssignmentInputSerializer(many=True)


class ReassignInputSerializer(serializers.Serializer[dict[str, Any]]):
    to = serializers.CharField(max_length=150)
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReportInputSerializer(serializers.Serializer[dict[str, Any]]):
    report = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class EventSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    kind = serializers.CharField()
    detail = serializers.JSONField()


class OutgoingInputSerializer(serializers.Serializer[dict[str, Any]]):
    document_type = serializers.CharField(max_length=4)
    summary = serializers.CharField(max_length=1000)
    recipients = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    signer_name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    signing_authority = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    drafting_unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    urgency = serializers.CharField(max_length=16, required=False, default=catalogue.Urgency.NORMAL)
    secrecy = serializers.CharField(max_length=16, required=False, default=catalogue.Secrecy.NONE)
    page_count = serializers.IntegerField(required=False, allow_null=True, default=None)
    copy_count = serializers.IntegerField(required=False, allow_null=True, default=None)
    delivery_mode = serializers.CharField(
        max_length=16, required=False, default=catalogue.DeliveryMode.ELECTRONIC
    )
    replaces = serializers.UUIDField(required=False, allow_null=True, default=None)
    internal = serializers.BooleanField(required=False, default=False)


class RecipientInputSerializer(serializers.Serializer[dict[str, Any]]):
    unit = serializers.UUIDField(required=False, allow_null=True, default=None)
    org_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    org_name = serializers.CharField(max_length=400, required=False, allow_blank=True, default="")


class IssueInputSerializer(serializers.Serializer[dict[str, Any]]):
    recipients = RecipientInputSerializer(many=True)


class RevokeInputSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
