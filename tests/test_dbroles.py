"""Least-privilege database roles (core.dbroles), on a whole deployment of their own.

A database beside the test database, owned by the owner role; migrations run as the owner, then
`dbroles apply`; the demo is seeded, a spare schema made and claimed, and a document drafted over
HTTPS, all by processes whose DATABASE_URL is the runtime role's. Then the attacker: connected as the
runtime role, it tries to truncate, update, delete, disable the triggers, mark the database as a test
database, set the old session switch, create or drop objects, become the owner.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import errors, sql

from config import embedded
from interagency.exchange.tests.deployments import Deployment, Server

pytestmark = pytest.mark.django_db

OWNER, RUNTIME = embedded.OWNER_ROLE, embedded.RUNTIME_ROLE


def url_as(url: str, user: str) -> str:
    """`url` with another user (no password: the test servers trust local connections)."""
    parts = urlsplit(url)
    address = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{user}@{address}", parts.path, parts.query, parts.fragment))


@dataclass
class Roles:
    deployment: Deployment
    server: Server
    tenant_schema: str  # a tenant the runtime role made after `dbroles apply`
    pooled_schema: str  # one made from a spare

    def connect(self, user: str = RUNTIME) -> psycopg.Connection[Any]:
        params = {**self.server.params, "user": user}
        params.pop("password", None)
        return psycopg.connect(dbname=self.deployment.database, autocommit=True, **params)


@pytest.fixture(scope="module")
def roles(tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any) -> Iterator[Roles]:
    with django_db_blocker.unblock():
        server = Server.of_test_database()
        with psycopg.connect(dbname=server.test_database, autocommit=True, **server.params) as conn:
            row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not row or not row[0]:
        pytest.skip("the test server's user is no superuser: it cannot make the two roles")
    database = f"{server.test_database[:40]}_roles"
    server.drop(database)
    embedded.roles_ensure(server.url_for("postgres"), database, owner=OWNER, runtime=RUNTIME)
    deployment = Deployment("roles", database, "roles.test", tmp_path_factory.mktemp("roles"), server)
    deployment.env.update(
        DATABASE_URL=url_as(server.url_for(database), RUNTIME),
        DATABASE_OWNER_URL=url_as(server.url_for(database), OWNER),
    )
    try:
        deployment.manage("migrate_schemas", "--shared", "--noinput", "-v", "0")  # as the owner
        deployment.manage("dbroles", "apply")
        deployment.manage("seed_demo", timeout=600)  # tenants made by the runtime role's process
        tenant_schema = deployment.run(
            "from tenants.models import Tenant\n"
            "report(Tenant.objects.get(org_code='000.00.15.H21').schema_name)"
        )
        deployment.manage("tenants", "refill-pool", "--size", "1", timeout=600)  # migrates a schema
        created = deployment.manage(
            "tenants",
            "create",
            "--name",
            "Sở Nội vụ",
            "--kind",
            "department",
            "--code",
            "000.00.14.H21",
            "--json",
        )
        pooled_schema = json.loads(created.stdout)["schema"]
        deployment.start()
        deployment.wait_ready()
        yield Roles(deployment, server, tenant_schema, pooled_schema)
    finally:
        deployment.stop()


def refused(conn: psycopg.Connection[Any], statement: str, schema: str = "public") -> str:
    """Run `statement` in `schema`; it must fail. Returns the error's SQLSTATE."""
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement)
    return str(caught.value.sqlstate)


def count(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT count(*) FROM core_auditentry").fetchone()
    assert row is not None
    return int(row[0])


def audit_schemas(roles: Roles) -> list[str]:
    return ["public", roles.tenant_schema, roles.pooled_schema]


def test_migrations_ran_as_the_owner_and_the_runtime_role_owns_nothing(roles: Roles) -> None:
    with roles.connect(OWNER) as conn:
        owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s)",
            [audit_schemas(roles)],
        ).fetchall()
        assert owners == [(OWNER,)]
        assert conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = ANY(%s)", [[OWNER, RUNTIME]]
        ).fetchall() == [(False,), (False,)]
    assert "least privilege" in roles.deployment.manage("dbroles", "check").stdout


def test_runtime_role_cannot_truncate_the_audit_trail(roles: Roles) -> None:
    with roles.connect() as conn:
        for schema in audit_schemas(roles):
            assert refused(conn, "TRUNCATE core_auditentry", schema) == errors.InsufficientPrivilege.sqlstate
            assert refused(conn, "TRUNCATE core_auditentry CASCADE", schema) == "42501"
        assert refused(conn, "TRUNCATE oversight_auditanchor") == "42501"


def test_the_old_session_switch_opens_nothing(roles: Roles) -> None:
    with roles.connect() as conn:
        conn.execute("SET tinhso.audit_truncate = 'test-database'")
        for schema in audit_schemas(roles):
            assert refused(conn, "TRUNCATE core_auditentry", schema) == "42501"


def test_runtime_role_cannot_disable_a_trigger(roles: Roles) -> None:
    with roles.connect() as conn:
        for schema in audit_schemas(roles):
            for which in ("ALL", "USER", "core_auditentry_append_only", "core_auditentry_no_truncate"):
                statement = f"ALTER TABLE core_auditentry DISABLE TRIGGER {which}"
                assert refused(conn, statement, schema) == "42501", statement
        assert refused(conn, "ALTER TABLE oversight_auditanchor DISABLE TRIGGER USER") == "42501"
        assert refused(conn, "DROP TRIGGER core_auditentry_append_only ON core_auditentry") == "42501"
        assert (
            refused(
                conn,
                "CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END; $$",
            )
            == "42501"
        )
        # Nor switch triggers off for its session.
        assert refused(conn, "SET session_replication_role = replica") == "42501"


def test_runtime_role_cannot_update_or_delete_audit_rows(roles: Roles) -> None:
    with roles.connect() as conn:
        for schema in audit_schemas(roles):
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            if schema != roles.pooled_schema:  # the seed was audited there: rows to rewrite
                assert count(conn) > 0
            assert refused(conn, "UPDATE core_auditentry SET action = 'nothing'", schema) == "42501"
            assert refused(conn, "DELETE FROM core_auditentry", schema) == "42501"
            assert (
                refused(conn, "ALTER TABLE core_auditentry RENAME TO core_auditentry_old", schema) == "42501"
            )
            assert refused(conn, "DROP TABLE core_auditentry", schema) == "42501"
        assert refused(conn, "UPDATE oversight_auditanchor SET id = id") == "42501"
        assert refused(conn, "DELETE FROM oversight_auditanchor") == "42501"


def test_runtime_role_cannot_mark_the_database_as_a_test_database(roles: Roles) -> None:
    database = sql.Identifier(roles.deployment.database)
    with roles.connect() as conn:
        statement = sql.SQL("COMMENT ON DATABASE {} IS 'tinhso test database'").format(database)
        assert refused(conn, statement.as_string(conn)) == "42501"


def test_runtime_role_cannot_become_the_owner_or_make_objects(roles: Roles) -> None:
    with roles.connect() as conn:
        assert refused(conn, f"SET ROLE {OWNER}") == "42501"
        assert refused(conn, "SET ROLE postgres") == "42501"
        for schema in audit_schemas(roles):
            assert refused(conn, "CREATE TABLE mine (id int)", schema) == "42501"
        assert refused(conn, "CREATE SCHEMA mine") == "42501"
        assert refused(conn, f"ALTER SCHEMA {roles.tenant_schema} RENAME TO stolen") == "42501"
        assert refused(conn, f"DROP SCHEMA {roles.tenant_schema} CASCADE") == "42501"
        # The owner's one step it may take renames recorded spares only, into tenant names only.
        claim = "SELECT public.tenants_spare_claim('{}', '{}')"
        assert refused(conn, claim.format(roles.tenant_schema, "stolen")) == "42501"
        assert refused(conn, claim.format("spare_not_recorded", "x")) == "42501"


def test_runtime_role_appends_to_the_audit_trail_through_the_app(roles: Roles) -> None:
    """The app, as the runtime role, drafts a document over HTTPS: its rows and its audit entry."""
    host = roles.deployment.run(
        "from tenants.models import Domain\n"
        f"report(Domain.objects.get(tenant__schema_name={roles.tenant_schema!r}, purpose='workspace').domain)"
    )
    with roles.connect() as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(roles.tenant_schema)))
        audited_before = count(conn)
    body = {
        "document_type": "CV",
        "summary": "Về việc phân quyền cơ sở dữ liệu",
        "drafting_unit": "TH",
        "signing_authority": "KT.",
    }
    made = roles.deployment.manage(
        "accounts",
        "token-create",
        "minhtht",
        "--tenant",
        roles.tenant_schema,
        "--name",
        "dbroles",
        "--scope",
        "write",
    )
    token = made.stdout.strip().split("\t")[-1]
    request = urllib.request.Request(  # noqa: S310  # our own deployment on loopback
        f"{roles.deployment.base_url}/api/v1/documents/outgoing/",
        data=json.dumps(body).encode(),
        headers={"Host": host, "Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    context = ssl.create_default_context(cafile=str(roles.deployment.cert_path))
    context.check_hostname = False  # the certificate names 127.0.0.1; the Host header names the tenant
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:  # noqa: S310
            status, answer = response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{exc.code}: {exc.read()[:2000]!r}\n{roles.deployment.log()}") from exc
    assert status == 201, answer
    with roles.connect() as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(roles.tenant_schema)))
        assert conn.execute(
            "SELECT summary FROM qlvbdh_document WHERE uuid = %s", [answer["uuid"]]
        ).fetchone() == (body["summary"],)
        assert count(conn) > audited_before


def test_runtime_role_seals_and_verifies_the_audit_chains(roles: Roles) -> None:
    """Beat's sealing (INSERT into the ledger) and the verification work without more privilege."""
    roles.deployment.manage("audit", "anchors", "seal")
    with roles.connect() as conn:
        row = conn.execute("SELECT count(*) FROM oversight_auditanchor").fetchone()
    assert row is not None
    assert row[0] > 0
    roles.deployment.manage("audit", "verify")


def test_spares_made_after_apply_get_the_same_grants(roles: Roles) -> None:
    """Default privileges and the post_migrate hook: a schema migrated after `dbroles apply` is
    read-write for the runtime role, its audit table append-only."""
    with roles.connect(OWNER) as conn:
        rows = conn.execute(
            "SELECT c.relname, has_table_privilege(%s, c.oid, 'UPDATE'), "
            "has_table_privilege(%s, c.oid, 'INSERT') "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            [RUNTIME, RUNTIME, roles.pooled_schema],
        ).fetchall()
    privileges = {name: (update, insert) for name, update, insert in rows}
    assert privileges["core_auditentry"] == (False, True)
    assert privileges["qlvbdh_document"] == (True, True)
    assert all(insert for _update, insert in privileges.values())


def test_check_reports_an_audit_table_the_runtime_role_may_rewrite(roles: Roles) -> None:
    with roles.connect(OWNER) as conn:
        conn.execute(f"GRANT UPDATE ON core_auditentry TO {RUNTIME}")
    try:
        done = roles.deployment.manage("dbroles", "check", check=False)
        assert done.returncode == 1
        assert "may change or empty 1 audit table(s), e.g. public.core_auditentry" in done.stderr
    finally:
        roles.deployment.manage("dbroles", "apply")
    assert roles.deployment.manage("dbroles", "check").returncode == 0


def test_one_role_is_said_to_be_no_least_privilege(tmp_path: Path) -> None:
    server = Server.of_test_database()
    deployment = Deployment("one", server.test_database, "one.test", tmp_path, server)
    done = deployment.manage("dbroles", "apply", check=False)
    assert done.returncode == 1
    assert "not least privilege" in done.stderr


def test_while_migrating_the_default_connection_is_the_owners_then_the_callers_again(roles: Roles) -> None:
    """Third-party data migrations (Wagtail's) write through `default`: while migrations run it is
    the owner's; the caller's own connection, with its open transaction, is given back."""
    seen = roles.deployment.run(
        "from django.db import connection, transaction\n"
        "from core import dbroles\n"
        "def who():\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute('SELECT current_user, txid_current_if_assigned()')\n"
        "        return cursor.fetchone()\n"
        "with transaction.atomic():\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute('SELECT txid_current()')\n"
        "    before = who()\n"
        "    with dbroles.owner_as_default():\n"
        "        inside = who()\n"
        "    after = who()\n"
        "report([before, inside, after])\n"
    )
    before, inside, after = seen
    assert [before[0], inside[0], after[0]] == [RUNTIME, OWNER, RUNTIME]
    assert before[1] is not None
    assert after[1] == before[1]  # the same transaction, still open
    assert inside[1] is None


def test_data_migrations_use_the_migrating_connection() -> None:
    """Migrations run on the owner's connection: a data migration that queried through the default
    (runtime) connection would wait on the owner's locks, or read another schema."""
    root = Path(__file__).resolve().parents[1]
    unbound = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.glob("*/migrations/*.py")) + sorted(root.glob("*/*/migrations/*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ".objects." in line and ".objects.using(" not in line
    ]
    assert not unbound, unbound


def test_a_backup_is_dumped_and_restored_by_the_owner_and_the_runtime_role_serves_it(roles: Roles) -> None:
    deployment = roles.deployment
    deployment.env.update(
        BACKUP_KEYS="roles-test-backup-key-0123456789-abcdef",
        BACKUP_DIR=str(deployment.directory / "backups"),
    )
    backup_id = deployment.manage("backups", "run", "--tenant", roles.tenant_schema).stdout.strip()
    assert deployment.manage("backups", "verify", backup_id).stdout.startswith(f"ok {backup_id}")
    restored = deployment.manage(
        "backups", "restore", backup_id, "--as-new-tenant", "--name", "Sở Tạm", "--org-code", "000.00.17.H21"
    ).stdout.strip()
    with roles.connect(OWNER) as conn:
        owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
            [restored],
        ).fetchall()
        assert owners == [(OWNER,)]
    with roles.connect() as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(restored)))
        row = conn.execute("SELECT count(*) FROM accounts_user").fetchone()
        assert row is not None
        assert row[0] > 0
        assert refused(conn, "TRUNCATE core_auditentry", restored) == "42501"
