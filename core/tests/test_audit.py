"""The audit trail is append-only and tamper-evident (R11)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

from core.audit import Actor, audit_record, audit_verify
from core.models import AuditEntry
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db


def _three_entries() -> list[AuditEntry]:
    actor = Actor(label="test", ip="::ffff:10.0.0.1")
    with transaction.atomic():
        return [audit_record(actor=actor, action=f"test.step{i}", step=i, text="Văn bản") for i in range(3)]


def test_entries_chain_and_verify(tenant):
    with in_tenant(tenant):
        entries = _three_entries()
        assert entries[1].prev_hash == entries[0].hash
        assert audit_verify() is None


def test_update_and_delete_are_refused_by_the_database(tenant):
    with in_tenant(tenant):
        entry = _three_entries()[0]
        with pytest.raises((InternalError, IntegrityError, ProgrammingError)), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
        with pytest.raises((InternalError, IntegrityError, ProgrammingError)), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()


def test_tampering_behind_the_trigger_is_detected(tenant):
    with in_tenant(tenant):
        entries = _three_entries()
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")
            cursor.execute("UPDATE core_auditentry SET actor = 'someone else' WHERE id = %s", [entries[1].pk])
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_append_only")
        assert audit_verify() == entries[1].pk


def test_verify_command_reports_a_row_altered_by_hand(tenant, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with in_tenant(tenant):
        entries = _three_entries()
    call_command("audit", "verify", "--tenant", tenant.schema_name)
    assert f"{tenant.schema_name}\tok 3" in capsys.readouterr().out

    with in_tenant(tenant), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")
        cursor.execute("UPDATE core_auditentry SET detail = '{}' WHERE id = %s", [entries[2].pk])
        cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_append_only")

    with pytest.raises(CommandError, match="1 audit chain"):
        call_command("audit", "verify", "--tenant", tenant.schema_name)
    assert f"BROKEN at entry {entries[2].pk}" in capsys.readouterr().out
