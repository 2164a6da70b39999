"""migrate_schemas' executor (tenants/migrating.py): a schema already migrated is left alone, a
migration that fails in one tenant does not stop the others, and running it again finishes the
failed one. Real schemas, the real command, the real newest migration of qlvbdh."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from core.tenancy import in_schema

pytestmark = pytest.mark.django_db(transaction=True)

# A migration that only adds indexes: applying it again where its index exists fails, as a
# migration meeting an unexpected object in one agency's schema would.
ADDED = ("qlvbdh", "0013_my_tasks_in_order")
INDEXES = ("qlvbdh_task_person_all", "qlvbdh_task_unit_all")


def _forget(schema: str, *, keep_indexes: bool) -> None:
    """The schema as before ADDED: its record gone and, unless kept (in its way), its indexes."""
    with in_schema(schema), connection.cursor() as cursor:
        MigrationRecorder(connection).record_unapplied(*ADDED)
        if not keep_indexes:
            for index in INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(index)}")


def _applied(schema: str) -> bool:
    with in_schema(schema):
        return ADDED in MigrationRecorder(connection).applied_migrations()


def _migrate(capsys: Any) -> tuple[str, CommandError | None]:
    error = None
    try:
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=1)
    except CommandError as exc:
        error = exc
    return capsys.readouterr().out, error


@pytest.fixture
def three(tenant: Any, other_tenant: Any, third_tenant: Any) -> Iterator[list[str]]:
    schemas = [tenant.schema_name, other_tenant.schema_name, third_tenant.schema_name]
    yield schemas
    # Whatever happened, the shared test schemas end migrated.
    for schema in schemas:
        if not _applied(schema):
            _forget(schema, keep_indexes=False)
            call_command("migrate_schemas", schema_name=schema, tenant=True, interactive=False, verbosity=0)


def test_a_failure_in_one_tenant_does_not_stop_the_others_and_a_rerun_finishes_it(three, capsys):
    fails, done, migrates = three  # the failing one comes first: the others are migrated after it
    _forget(migrates, keep_indexes=False)
    _forget(fails, keep_indexes=True)  # its indexes stand where the migration makes them

    out, error = _migrate(capsys)

    assert error is not None
    assert fails in str(error)
    assert migrates not in str(error)
    assert done not in str(error)
    assert "3 tenant schemas: 1 up to date" in out
    assert f"{fails}] FAILED:" in out
    assert "already exists" in out
    assert f"{migrates}] migrated" in out
    assert _applied(migrates)
    assert not _applied(fails)

    # when the cause is removed, the same command goes on with the failed schema only
    _forget(fails, keep_indexes=False)
    out, error = _migrate(capsys)

    assert error is None
    assert "3 tenant schemas: 2 up to date" in out
    assert f"[3/3 (100%) {fails}] migrated" in out
    assert _applied(fails)


def test_a_schema_with_every_migration_is_not_migrated_again(three, capsys):
    out, error = _migrate(capsys)

    assert error is None
    assert "3 tenant schemas: 3 up to date" in out
    assert "Applying" not in out
    assert "] migrated" not in out


def test_a_schema_lacking_only_a_record_is_migrated(three, capsys):
    """Skipping is decided by the records alone: one missing record and the schema is migrated
    (here: the indexes are made again), so a half-applied schema is never taken as done."""
    _forget(three[0], keep_indexes=False)

    out, error = _migrate(capsys)

    assert error is None
    assert f"{three[0]}] migrated" in out
    with in_schema(three[0]), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND indexname = ANY(%s)",
            [three[0], list(INDEXES)],
        )
        assert cursor.fetchone()[0] == 2
