from __future__ import annotations

from rest_framework import serializers

from tenants.models import Domain, Tenant


class DomainOutputSerializer(serializers.ModelSerializer[Domain]):
    host = serializers.CharField(source="domain")

    class Meta:
        model = Domain
        fields = ["host", "purpose", "is_primary"]


class TenantOutputSerializer(serializers.ModelSerializer[Tenant]):
    parent_org_code = serializers.CharField(source="parent.org_code", read_only=True, default=None)
    domains = DomainOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Tenant
        fields = [
            "uuid",
            "name",
            "kind",
            "org_code",
            "parent_org_code",
            "status",
            "schema_name",
            "domains",
            "created_at",
        ]


class TenantCreateInputSerializer(serializers.Serializer[None]):
    name = serializers.CharField(max_length=255)
    kind = serializers.ChoiceField(choices=[c for c in Tenant.Kind.choices if c[0] != Tenant.Kind.PROVINCE])
    org_code = serializers.CharField(max_length=32)
    parent_org_code = serializers.CharField(
        required=False, allow_blank=True, help_text="The parent tenant's organisation code (or UUID)"
    )
    hosts = serializers.DictField(
        child=serializers.CharField(max_length=253),
        required=False,
        help_text='Overrides by purpose, e.g. {"portal": "thptdatong"} or a full host name',
    )


class TenantTransitionInputSerializer(serializers.Serializer[None]):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class HostProposalInputSerializer(serializers.Serializer[None]):
    name = serializers.CharField(max_length=255)
    kind = serializers.ChoiceField(choices=[c for c in Tenant.Kind.choices if c[0] != Tenant.Kind.PROVINCE])
