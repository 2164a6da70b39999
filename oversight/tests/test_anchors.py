"""The audit chains are anchored in the province's signed ledger (issue 12): deleting a schema's
newest entries, or rewriting one and rehashing the chain after it, verifies on the chain alone but
not against the ledger. The attacks are done with the owner's rights (triggers switched off),
as someone who can rewrite the tables but does not hold the province's key would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

from core.audit import Actor, _digest, audit_record, audit_verify
from core.models import AuditEntry
from core.tenancy import in_public, in_tenant
from oversight.anchors import anchors_seal
from oversight.models import AuditAnchor
from oversight.tasks import audit_anchor_task

pytestmark = pytest.mark.django_db


@contextmanager
def owner_cursor(table: str) -> Iterator[Any]:
    """A cursor with the table owner's rights and `table`'s triggers off, as an attacker would have."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield cursor
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def _entries(count: int, start: int = 0) -> list[AuditEntry]:
    actor = Actor(label="test", ip="10.0.0.1")
    with transaction.atomic():
        return [audit_record(actor=actor, action="test.step", step=i) for i in range(start, start + count)]


def test_beat_seals_each_moved_head_once(tenant, other_tenant, capsys):
    with in_tenant(tenant):
        entries = _entries(3)
    with in_tenant(other_tenant):
        _entries(1)
    assert (
        settings.CELERY_BEAT_SCHEDULE["oversight-audit-anchor"]["task"] == "oversight.tasks.audit_anchor_task"
    )
    assert audit_anchor_task() == 2
    seal = AuditAnchor.objects.get(schema=tenant.schema_name)
    assert (seal.entry_id, seal.entry_hash, seal.tenant_uuid) == (
        entries[-1].pk,
        entries[-1].hash,
        tenant.uuid,
    )
    assert anchors_seal() == 0  # nothing moved: nothing sealed again

    with in_tenant(tenant):
        _entries(1, start=3)
    assert anchors_seal() == 1
    assert (
        list(AuditAnchor.objects.values_list("prev", flat=True))[1:]
        == list(AuditAnchor.objects.values_list("digest", flat=True))[:-1]
    )

    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert f"{tenant.schema_name}\tok 4" in out
    assert f"{other_tenant.schema_name}\tok 1" in out


def test_deleting_the_newest_entries_is_reported(tenant, other_tenant, capsys):
    with in_tenant(tenant):
        entries = _entries(4)
    anchors_seal()
    with in_tenant(tenant), owner_cursor("core_auditentry") as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id >= %s", [entries[2].pk])
    with in_tenant(tenant):
        assert audit_verify() is None  # the chain alone still holds: this is what the ledger is for

    with pytest.raises(CommandError) as raised:
        call_command("audit", "verify")
    sentence = str(raised.value)
    assert tenant.name in sentence
    assert tenant.schema_name in sentence
    assert f"entry {entries[3].pk}" in sentence
    assert "deleted" in sentence
    out = capsys.readouterr().out
    assert f"{other_tenant.schema_name}\tok 0" in out  # the others are not blamed


def test_rewriting_and_rehashing_the_chain_is_reported(tenant):
    with in_tenant(tenant):
        entries = _entries(3)
    anchors_seal()
    with in_tenant(tenant), owner_cursor("core_auditentry") as cursor:
        previous = entries[0].hash
        for entry in AuditEntry.objects.filter(id__gte=entries[1].pk).order_by("id"):
            if entry.pk == entries[1].pk:
                entry.actor = "someone else"
            entry.prev_hash = previous
            entry.hash = previous = _digest(entry)
            cursor.execute(
                "UPDATE core_auditentry SET actor = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [entry.actor, entry.prev_hash, entry.hash, entry.pk],
            )
    with in_tenant(tenant):
        assert audit_verify() is None

    with pytest.raises(CommandError, match=rf"entry {entries[2].pk} differs from its seal .*rewritten"):
        call_command("audit", "verify", "--tenant", tenant.schema_name)


def test_a_forged_seal_does_not_verify(tenant):
    """Rewriting the chain and its seal too: the seal's signature needs the province's key."""
    with in_tenant(tenant):
        entries = _entries(2)
    anchors_seal()
    with in_tenant(tenant), owner_cursor("core_auditentry") as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    with owner_cursor("oversight_auditanchor") as cursor:
        cursor.execute(
            "UPDATE oversight_auditanchor SET entry_id = %s, entry_hash = %s",
            [entries[0].pk, entries[0].hash],
        )

    with pytest.raises(CommandError, match="bad signature"):
        call_command("audit", "verify")


def test_seals_removed_from_the_ledger_are_found_in_the_exported_file(tenant, tmp_path: Path, capsys):
    with in_tenant(tenant):
        entries = _entries(2)
    anchors_seal()
    with in_tenant(tenant):
        _entries(2, start=2)
    anchors_seal()
    kept = tmp_path / "anchors.json"
    call_command("audit", "anchors", "export", "--output", str(kept))
    document = json.loads(kept.read_text())
    assert [seal["entry"] for seal in document["anchors"]] == [entries[1].pk, entries[1].pk + 2]
    assert "BEGIN CERTIFICATE" in document["authority_certificate"]

    # The attacker removes the newest entries and the newest seal: the database alone agrees.
    with in_tenant(tenant), owner_cursor("core_auditentry") as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id > %s", [entries[1].pk])
    with owner_cursor("oversight_auditanchor") as cursor:
        cursor.execute(
            "DELETE FROM oversight_auditanchor WHERE id = (SELECT max(id) FROM oversight_auditanchor)"
        )
    call_command("audit", "verify")
    capsys.readouterr()

    with pytest.raises(CommandError, match="in the exported file but no longer in the ledger"):
        call_command("audit", "verify", "--anchors", str(kept))
    assert f"entry {entries[1].pk + 2}" in capsys.readouterr().out


def test_a_seal_removed_from_the_middle_breaks_the_ledger(tenant, other_tenant):
    with in_tenant(tenant):
        _entries(1)
    anchors_seal()
    with in_tenant(other_tenant):
        _entries(1)
    anchors_seal()
    with in_tenant(tenant):
        _entries(1)
    anchors_seal()
    with owner_cursor("oversight_auditanchor") as cursor:
        cursor.execute("DELETE FROM oversight_auditanchor WHERE schema = %s", [other_tenant.schema_name])

    with pytest.raises(CommandError, match="does not follow the seal before it"):
        call_command("audit", "verify")


def test_the_ledger_is_append_only(tenant):
    with in_tenant(tenant):
        _entries(1)
    anchors_seal()
    with pytest.raises((InternalError, IntegrityError, ProgrammingError)), transaction.atomic():
        AuditAnchor.objects.update(entry_hash="0" * 64)
    with pytest.raises((InternalError, IntegrityError, ProgrammingError)), transaction.atomic():
        AuditAnchor.objects.all().delete()


def test_a_file_that_is_no_export_is_refused_with_a_sentence(tmp_path: Path, province):
    bad = tmp_path / "other.json"
    bad.write_text('{"anchors": []}')
    with pytest.raises(CommandError, match="not an exported audit ledger"):
        call_command("audit", "verify", "--anchors", str(bad))
    with pytest.raises(CommandError, match="Cannot read the exported ledger"):
        call_command("audit", "verify", "--anchors", str(tmp_path / "missing.json"))


def test_public_trail_is_sealed_too(province, capsys):
    with in_public():
        entries = _entries(2)
    anchors_seal()
    with in_public(), owner_cursor("core_auditentry") as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=rf"the province \(public\): entry {entries[1].pk}"):
        call_command("audit", "verify", "--tenant", "public")
