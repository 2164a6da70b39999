"""Least-privilege database roles: an owner role and a runtime role.

The owner (DATABASE_OWNER_URL, the `owner` alias) owns every schema, table and function: it runs the
migrations and the runtime DDL of provisioning (spare schemas). The runtime role (DATABASE_URL, the
`default` alias, web and workers) owns nothing: it reads and writes the ordinary tables, and may only
INSERT and SELECT the audit tables. Not owning them, it can neither disable their triggers nor mark
the database (the comment that lets a test database TRUNCATE them); holding no TRUNCATE, UPDATE or
DELETE on them, it cannot rewrite them even where a trigger were missing.

With no DATABASE_OWNER_URL (or the same URL) there is one role, today's behaviour: not least privilege.
`manage.py dbroles apply` grants what the runtime role needs in every schema and sets the owner's
default privileges, so what later migrations and new tenants create gets the same grants; after every
migrate in a schema the post_migrate hook applies that schema again. Idempotent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from psycopg import sql

OWNER_ALIAS = "owner"

# Append-only ledgers (triggers refuse UPDATE, DELETE and TRUNCATE): the runtime role may only add
# and read rows, so the privileges themselves refuse what the triggers refuse.
AUDIT_TABLES = ("core_auditentry", "oversight_auditanchor", "oversight_rankingresult")
ORDINARY_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
AUDIT_TABLE_PRIVILEGES = "SELECT, INSERT"
# Functions the runtime role calls that run as their owner (SECURITY DEFINER), each a narrow step of
# runtime DDL: `tenants_spare_claim` renames a spare schema to a new tenant's (tenants/migrations/0002).
OWNER_FUNCTIONS = ("tenants_spare_claim(text, text)",)


def separate() -> bool:
    """True when the owner and the runtime role are two roles (DATABASE_OWNER_URL set apart)."""
    return OWNER_ALIAS in settings.DATABASES


def owner_alias() -> str:
    """The alias that runs DDL: `owner` with two roles, else the one `default`."""
    return OWNER_ALIAS if separate() else DEFAULT_DB_ALIAS


def runtime_role() -> str:
    return str(settings.DATABASES[DEFAULT_DB_ALIAS]["USER"])


def _is_owner(alias: str) -> bool:
    if not separate():
        return False
    return bool(connections[alias].settings_dict["USER"] == settings.DATABASES[OWNER_ALIAS]["USER"])


@contextmanager
def owner_as_default() -> Iterator[None]:
    """Within: `default` is a connection of the owner role, in this thread.

    Migrations run here. Third-party data migrations (Wagtail's, contenttypes' and auth's
    post_migrate) write through `default` whatever alias migrate was given; as the runtime role they
    would be refused. The caller's own `default` connection, and any transaction open on it, is put
    back untouched afterwards. With one role there is nothing to swap."""
    if not separate() or _is_owner(DEFAULT_DB_ALIAS):
        yield
        return
    previous = connections[DEFAULT_DB_ALIAS]
    params = connections.settings[OWNER_ALIAS]
    owner = load_backend(params["ENGINE"]).DatabaseWrapper(params, DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = owner
    try:
        yield
    finally:
        try:
            owner.close()
        finally:
            connections[DEFAULT_DB_ALIAS] = previous


def _execute(cursor: Any, statements: list[sql.Composable]) -> list[str]:
    done = []
    for statement in statements:
        text = statement.as_string(cursor.connection)
        cursor.execute(text)
        done.append(text)
    return done


def _owned_schemas(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT nspname FROM pg_namespace "
        "WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' "
        "AND pg_has_role(current_user, nspowner, 'USAGE') ORDER BY nspname"
    )
    return [row[0] for row in cursor.fetchall()]


def schema_statements(cursor: Any, schema: str, runtime: str) -> list[sql.Composable]:
    """The runtime role's grants in one schema: ordinary tables read-write, audit tables append-only."""
    s, role = sql.Identifier(schema), sql.Identifier(runtime)
    statements: list[sql.Composable] = [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, role),
        sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}, PUBLIC").format(s, role),
        sql.SQL("GRANT " + ORDINARY_TABLE_PRIVILEGES + " ON ALL TABLES IN SCHEMA {} TO {}").format(s, role),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(s, role),
    ]
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s)",
        [schema, list(AUDIT_TABLES)],
    )
    for (table,) in cursor.fetchall():
        t = sql.Identifier(schema, table)
        statements += [
            sql.SQL("REVOKE ALL ON TABLE {} FROM {}, PUBLIC").format(t, role),
            sql.SQL("GRANT " + AUDIT_TABLE_PRIVILEGES + " ON TABLE {} TO {}").format(t, role),
        ]
    return statements


def database_statements(cursor: Any, runtime: str) -> list[sql.Composable]:
    """Default privileges: what the owner creates later (schemas, tables, sequences) is granted as
    ordinary; audit tables made later are narrowed again by the post_migrate hook."""
    role = sql.Identifier(runtime)
    cursor.execute("SELECT current_user")
    owner = sql.Identifier(cursor.fetchone()[0])
    statements: list[sql.Composable] = [
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} GRANT USAGE ON SCHEMAS TO {}").format(owner, role),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} GRANT " + ORDINARY_TABLE_PRIVILEGES + " ON TABLES TO {}"
        ).format(owner, role),
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} GRANT USAGE, SELECT ON SEQUENCES TO {}").format(
            owner, role
        ),
    ]
    for function in OWNER_FUNCTIONS:
        cursor.execute("SELECT to_regprocedure(%s)", [f"public.{function}"])
        if cursor.fetchone()[0] is not None:
            statements.append(sql.SQL("GRANT EXECUTE ON FUNCTION public." + function + " TO {}").format(role))
    return statements


class RolesError(Exception):
    """The roles are not configured as least privilege needs; the message says what to change."""


def _check_configured(cursor: Any, runtime: str) -> None:
    if not separate():
        raise RolesError(
            "DATABASE_OWNER_URL is not set apart from DATABASE_URL: one role owns everything "
            "(not least privilege), there is nothing to grant."
        )
    cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = %s", [runtime])
    row = cursor.fetchone()
    if row is None:
        raise RolesError(f"The runtime role {runtime!r} (DATABASE_URL's user) does not exist.")
    if row[0] == runtime:
        raise RolesError("DATABASE_OWNER_URL and DATABASE_URL log in as the same role.")
    if row[1]:
        raise RolesError(f"The runtime role {runtime!r} is a superuser: it could do anything.")


def apply(using: str | None = None) -> list[str]:
    """Grant the runtime role what it needs in every schema; returns the statements run."""
    alias = using or owner_alias()
    runtime = runtime_role()
    connection = connections[alias]
    with connection.cursor() as cursor:
        _check_configured(cursor, runtime)
        statements = database_statements(cursor, runtime)
        for schema in _owned_schemas(cursor):
            statements += schema_statements(cursor, schema, runtime)
        return _execute(cursor, statements)


def apply_schema(using: str, schema: str) -> list[str]:
    """What `apply` grants in one schema (after it was migrated); nothing with one role."""
    if not _is_owner(using):
        return []
    with connections[using].cursor() as cursor:
        return _execute(cursor, schema_statements(cursor, schema, runtime_role()))


def problems(using: str | None = None) -> list[str]:
    """What the runtime role could do that it should not, as sentences (empty: least privilege)."""
    alias = using or owner_alias()
    runtime = runtime_role()
    found: list[str] = []
    with connections[alias].cursor() as cursor:
        try:
            _check_configured(cursor, runtime)
        except RolesError as exc:
            return [str(exc)]
        cursor.execute(
            "SELECT r.rolcreaterole OR r.rolcreatedb OR r.rolbypassrls, "
            "pg_has_role(%s, current_user, 'USAGE') "
            "FROM pg_roles r WHERE r.rolname = %s",
            [runtime, runtime],
        )
        powers, member = cursor.fetchone()
        if powers:
            found.append(f"{runtime} may create roles or databases, or bypass row security.")
        if member:
            found.append(f"{runtime} is a member of the owner role: it may act as the owner.")
        cursor.execute(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema' "
            "AND pg_has_role(%s, c.relowner, 'USAGE') "
            "UNION SELECT quote_ident(nspname) FROM pg_namespace "
            "WHERE nspname NOT LIKE 'pg\\_%%' AND nspname <> 'information_schema' "
            "AND pg_has_role(%s, nspowner, 'USAGE') ORDER BY 1",
            [runtime, runtime],
        )
        owned = [row[0] for row in cursor.fetchall()]
        if owned:
            found.append(f"{runtime} owns {len(owned)} object(s), e.g. {', '.join(owned[:3])}.")
        cursor.execute(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = ANY(%s) "
            "AND has_table_privilege(%s, c.oid, 'UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') ORDER BY 1",
            [list(AUDIT_TABLES), runtime],
        )
        writable = [row[0] for row in cursor.fetchall()]
        if writable:
            examples = ", ".join(writable[:3])
            found.append(f"{runtime} may change or empty {len(writable)} audit table(s), e.g. {examples}.")
    return found


def after_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate (once per migrate, core's signal): the migrated schema's grants, audit tables
    narrowed to INSERT and SELECT again."""
    schema = getattr(connections[using], "schema_name", None)
    if schema:
        apply_schema(using, str(schema))
