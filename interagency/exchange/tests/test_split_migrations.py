"""Splitting `interagency` into hub and exchange moves no data: a database that applied the old
`interagency` migrations is marked migrated by the replacing ones without running an operation
(a CreateModel would fail on the existing table), and its rows stay as they were."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from core.tenancy import in_public, in_schema, in_tenant
from interagency.exchange.models import ReceivedPacket
from interagency.hub.models import Organisation

pytestmark = pytest.mark.django_db(transaction=True)

OLD = [("interagency", "0001_directory"), ("interagency", "0002_hub"), ("interagency", "0003_peer_mode")]
NEW = {"hub": ["0001_directory", "0002_hub", "0003_peer_mode"], "exchange": ["0001_initial"]}


def _as_before_the_split() -> MigrationRecorder:
    """This schema's migration record as the last release left it: interagency's, not hub's or exchange's."""
    recorder = MigrationRecorder(connection)
    for app, names in NEW.items():  # later migrations stay: they ran on top of the split
        recorder.migration_qs.filter(app=app, name__in=names).delete()
    for app, name in OLD:
        recorder.record_applied(app, name)
    return recorder


def _new_recorded(recorder: MigrationRecorder) -> set[tuple[str, str]]:
    return {key for key in recorder.applied_migrations() if key[0] in NEW and key[1] in NEW[key[0]]}


@pytest.fixture
def forget_old_records(tenant):
    """Put each schema's `interagency` records back as they were: Django records a replacing
    migration's replaced ones too, and counts the replacing one unapplied without them, so deleting
    them all would leave the shared test schemas unmigratable (a later migrate fails)."""
    schemas = ["public", tenant.schema_name]
    before = []
    for schema in schemas:
        with in_schema(schema):
            before.append(
                set(
                    MigrationRecorder(connection)
                    .migration_qs.filter(app="interagency")
                    .values_list("name", flat=True)
                )
            )
    yield
    for schema, names in zip(schemas, before, strict=True):
        with in_schema(schema):
            recorder = MigrationRecorder(connection)
            recorder.migration_qs.filter(app="interagency").exclude(name__in=names).delete()
            for name in names - set(
                recorder.migration_qs.filter(app="interagency").values_list("name", flat=True)
            ):
                recorder.record_applied("interagency", name)


def test_public_schema_migrated_before_the_split_keeps_its_rows(province, forget_old_records):
    with in_public():
        kept = Organisation.objects.create(org_code="000.00.71.H21", name="Sở trước khi tách", kind="tenant")
        recorder = _as_before_the_split()

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)

    with in_public():
        assert _new_recorded(recorder) == {(app, name) for app, names in NEW.items() for name in names}
        assert Organisation.objects.get(pk=kept.pk).name == "Sở trước khi tách"


def test_tenant_schema_migrated_before_the_split_keeps_its_rows(tenant, forget_old_records):
    with in_tenant(tenant):
        kept = ReceivedPacket.objects.create(
            packet_id=uuid.uuid4(),
            kind="edoc",
            document_id="x",
            sender_code="H21",
            sha256="0" * 64,
            outcome="arrived",
        )
        recorder = _as_before_the_split()

    call_command("migrate_schemas", schema_name=tenant.schema_name, interactive=False, verbosity=0)

    with in_tenant(tenant):
        assert _new_recorded(recorder) == {(app, name) for app, names in NEW.items() for name in names}
        assert ReceivedPacket.objects.get(pk=kept.pk).outcome == "arrived"
