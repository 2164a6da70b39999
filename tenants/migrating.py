"""Migrating a thousand tenant schemas: skip the ones already migrated, keep going past a failure.

django-tenants' executors build Django's migration graph and run `migrate` in every schema, even
one with nothing to do (about a second each: a no-op over 1,000 tenants takes a quarter of an
hour), and the first exception stops the run (multiprocessing: the pool with it). This one
(`migrate_schemas --executor tinhso`, the default through GET_EXECUTOR_FUNCTION):

- compares every schema's django_migrations with the migrations on disk in a few queries and
  leaves out the schemas that hold every one (a no-op is about a millisecond per schema);
- migrates the others one by one in MIGRATION_PROCESSES processes with django-tenants' own
  `run_migrations` (each migration commits on its own), catching what one schema raises, so
  the rest still migrate;
- prints `[n/N (p%) schema] migrated | up to date | FAILED: reason` as each schema ends, then a
  summary, and fails the command (exit status 1) naming the schemas that failed. Running it
  again skips those that finished and goes on where each failed one stopped.

Options that change what migrate does (an app label or target, --fake, --plan, --check, ...)
migrate every schema as given, without the skip."""

from __future__ import annotations

import io
import multiprocessing
import sys
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor
from django_tenants.migration_executors.base import MigrationExecutor, run_migrations

CODENAME = "tinhso"
# Options of migrate_schemas that ask for something other than "apply what is missing".
_SPECIAL = (
    "app_label",
    "migration_name",
    "fake",
    "fake_initial",
    "plan",
    "prune",
    "check_unapplied",
    "run_syncdb",
)


def executor_for(codename: str | None = None) -> type[MigrationExecutor]:
    """settings.GET_EXECUTOR_FUNCTION: ours by default and for `--executor tinhso`, django-tenants'
    `standard`, `multiprocessing` and `subprocess` when named."""
    if codename in (None, CODENAME):
        return TolerantExecutor
    return get_executor(codename)


def migrations_on_disk() -> frozenset[tuple[str, str]]:
    """Every migration a migrated schema records (Django records each one in every schema, even
    where the router lets none of its operations run). A squashing migration stands for the ones
    it replaces, as the recorder writes both once they are applied."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


# Schemas checked per query: one statement of a few hundred subqueries, not a round trip each.
_CHECK_CHUNK = 200


def schemas_behind(schemas: Iterable[str], alias: str) -> list[str]:
    """The schemas whose django_migrations lacks a migration on disk (or that have none), in order.
    One query per chunk of schemas compares each schema's records with the list on disk in the
    database (about a millisecond a schema), instead of reading them into Python a schema at a time."""
    wanted = sorted(migrations_on_disk())
    apps, names = [app for app, _ in wanted], [name for _, name in wanted]
    schemas = list(schemas)
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT s FROM unnest(%s::text[]) AS s "
            "WHERE to_regclass(format('%%I.django_migrations', s)) IS NULL",
            [schemas],
        )
        without_table = {row[0] for row in cursor.fetchall()}
        complete: set[str] = set()
        tabled = [schema for schema in schemas if schema not in without_table]
        for start in range(0, len(tabled), _CHECK_CHUNK):
            chunk = tabled[start : start + _CHECK_CHUNK]
            probes = " UNION ALL ".join(
                "SELECT %s::text WHERE NOT EXISTS (SELECT FROM wanted w WHERE NOT EXISTS "  # noqa: S608  # quoted names
                f"(SELECT FROM {connections[alias].ops.quote_name(schema)}.django_migrations m "
                f"WHERE m.app = w.app AND m.name = w.name))"
                for schema in chunk
            )
            cursor.execute(
                f"WITH wanted AS (SELECT * FROM unnest(%s::text[], %s::text[]) AS w(app, name)) {probes}",  # noqa: S608
                [apps, names, *chunk],
            )
            complete.update(row[0] for row in cursor.fetchall())
    return [schema for schema in schemas if schema not in complete]


@dataclass(frozen=True)
class Outcome:
    schema: str
    error: str = ""  # empty: migrated
    seconds: float = 0.0


def _migrate_one(args: tuple[Any, ...], options: dict[str, Any], schema: str) -> Outcome:
    connection: Any = connections[options.get("database") or DEFAULT_DB_ALIAS]  # django-tenants wrapper
    inside = connection.in_atomic_block  # the caller's transaction (one role): it fails whole
    started = time.monotonic()
    try:
        run_migrations(args, options, CODENAME, schema, allow_atomic=inside)
    except Exception as exc:
        if inside:
            raise
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        try:
            connection.close()  # a failed migration may leave it in an aborted transaction
        finally:
            connection.set_schema_to_public()
        return Outcome(schema, detail or type(exc).__name__, time.monotonic() - started)
    return Outcome(schema, "", time.monotonic() - started)


def _migrate_in_child(job: tuple[tuple[Any, ...], dict[str, Any], str]) -> Outcome:
    return _migrate_one(*job)


class TolerantExecutor(MigrationExecutor):
    codename = CODENAME

    def run_migrations(self, tenants: Iterable[str] | None = None) -> None:
        schemas = list(tenants or [])
        if self.PUBLIC_SCHEMA_NAME in schemas:
            # The shared apps first, as django-tenants does; a failure there stops everything.
            run_migrations(self.args, self.options, self.codename, self.PUBLIC_SCHEMA_NAME)
            schemas.remove(self.PUBLIC_SCHEMA_NAME)
        if schemas:
            self._run_tenants(schemas)

    def run_multi_type_migrations(self, tenants: Iterable[tuple[str, str]]) -> None:
        raise CommandError("the tinhso executor does not handle multi-type tenants")

    def _run_tenants(self, schemas: list[str]) -> None:
        started = time.monotonic()
        out = sys.stdout if int(self.options.get("verbosity", 1)) >= 1 else io.StringIO()
        alias = self.options.get("database") or self.TENANT_DB_ALIAS
        total = len(schemas)
        if any(self.options.get(name) for name in _SPECIAL):
            behind = schemas
        else:
            behind = schemas_behind(schemas, alias)
        done = total - len(behind)
        out.write(
            f"{total} tenant schemas: {done} up to date (django_migrations holds every migration), "
            f"{len(behind)} to migrate\n"
        )
        out.flush()
        failed: list[Outcome] = []
        for outcome in self._outcomes(behind, alias):
            done += 1
            state = f"FAILED: {outcome.error}" if outcome.error else "migrated"
            percent = 100 * done // total
            out.write(f"[{done}/{total} ({percent}%) {outcome.schema}] {state} ({outcome.seconds:.1f} s)\n")
            out.flush()
            if outcome.error:
                failed.append(outcome)
        out.write(
            f"{total - len(failed)} of {total} tenant schemas migrated or up to date, {len(failed)} failed, "
            f"in {time.monotonic() - started:.1f} s\n"
        )
        out.flush()
        if failed:
            names = ", ".join(outcome.schema for outcome in failed[:20])
            more = f" and {len(failed) - 20} more" if len(failed) > 20 else ""
            raise CommandError(
                f"{len(failed)} tenant schema(s) failed to migrate: {names}{more}. The others are migrated; "
                "fix the cause and run migrate_schemas again: it goes on where each one stopped."
            )

    def _outcomes(self, schemas: list[str], alias: str) -> Iterator[Outcome]:
        processes = max(1, int(getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 1)))
        options = dict(self.options)
        if processes == 1 or len(schemas) == 1 or "fork" not in multiprocessing.get_all_start_methods():
            for schema in schemas:
                yield _migrate_one(self.args, options, schema)
            return
        # Children are forked with Django set up (as django-tenants' multiprocessing executor);
        # none may inherit an open connection.
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(processes=processes, maxtasksperchild=50) as pool:
            jobs = ((self.args, options, schema) for schema in schemas)
            yield from pool.imap_unordered(_migrate_in_child, jobs)
