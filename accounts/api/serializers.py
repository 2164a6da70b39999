from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import ImportBatch, LoginEvent, OrgUnit, User


class UserOutputSerializer(serializers.ModelSerializer[User]):
    unit = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "uuid",
            "username",
            "full_name",
            "birth_year",
            "email",
            "phone",
            "unit",
            "position",
            "roles",
            "status",
            "is_active",
            "locked_at",
            "deactivated_at",
            "must_change_password",
        ]

    def get_unit(self, user: User) -> str | None:
        return str(user.unit.uuid) if user.unit_id and user.unit else None

    def get_position(self, user: User) -> str:
        return user.position.name if user.position_id and user.position else ""

    def get_roles(self, user: User) -> list[str]:
        grants = getattr(user, "active_grants", None)
        if grants is None:
            grants = user.role_grants.filter(revoked_at__isnull=True)
        return sorted(grant.role for grant in grants)

    def get_status(self, user: User) -> str:
        if user.deactivated_at:
            return "deactivated"
        if user.locked_at:
            return "locked"
        return "active"


class UserCreateInputSerializer(serializers.Serializer[dict[str, Any]]):
    full_name = serializers.CharField(max_length=150)
    username = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    birth_year = serializers.IntegerField(required=False, allow_null=True, default=None)
    unit = serializers.UUIDField(required=False, allow_null=True, default=None)
    position = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    roles = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list)


class ReasonInputSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class RoleInputSerializer(serializers.Serializer[dict[str, Any]]):
    role = serializers.CharField(max_length=32)


class OrgUnitSerializer(serializers.ModelSerializer[OrgUnit]):
    parent_unit = serializers.SerializerMethodField()

    class Meta:
        model = OrgUnit
        fields = ["uuid", "name", "kind", "parent_unit", "is_active"]

    def get_parent_unit(self, unit: OrgUnit) -> str | None:
        return str(unit.parent.uuid) if unit.parent_id and unit.parent else None


class OrgUnitInputSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=150)
    kind = serializers.CharField(max_length=16, required=False, default=OrgUnit.Kind.DIVISION)
    parent_unit = serializers.UUIDField(required=False, allow_null=True, default=None)


class OrgUnitUpdateInputSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=150, required=False)
    kind = serializers.CharField(max_length=16, required=False)
    parent_unit = serializers.UUIDField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


class LoginEventSerializer(serializers.ModelSerializer[LoginEvent]):
    class Meta:
        model = LoginEvent
        fields = ["at", "kind", "ip", "user_agent"]


class ImportBatchSerializer(serializers.ModelSerializer[ImportBatch]):
    good_rows = serializers.SerializerMethodField()
    bad_rows = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "uuid",
            "filename",
            "status",
            "created_at",
            "confirmed_at",
            "created_count",
            "good_rows",
            "bad_rows",
        ]

    def get_good_rows(self, batch: ImportBatch) -> list[dict[str, Any]]:
        return batch.good_rows

    def get_bad_rows(self, batch: ImportBatch) -> list[dict[str, Any]]:
        return batch.bad_rows
