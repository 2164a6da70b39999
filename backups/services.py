"""Backups of one tenant (schema + files) and their verification and restore.

A backup is two parts, each streamed plaintext -> zstandard -> AES-GCM chunks -> store:
`schema.dump` (pg_dump --schema -Fc, under a snapshot shared with the row counts) and `files.tar`
(the tenant's media prefix). The manifest is sealed the same way and written LAST: a backup with
no manifest never completed, whatever parts it left behind.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import posixpath
import subprocess
import tarfile
import tempfile
import threading
import uuid
from collections.abc import Iterator
from importlib import metadata
from typing import IO, Any, BinaryIO

import zstandard
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from accounts.permissions import can, in_province_scope
from accounts.roles import PermissionCode
from backups import pg
from backups.crypto import BackupKey, DecryptionError, configured_keys
from backups.models import Backup
from backups.store import BackupStore, configured_store
from backups.streams import Tally, read_pieces, reader_of, seal, unseal
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public, in_schema
from tenants import provisioning
from tenants.models import Tenant
from tenants.services import tenant_create

logger = logging.getLogger(__name__)

SCHEMA_PART = "schema.dump"
FILES_PART = "files.tar"
MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(ApplicationError):
    """A backup that cannot be made, verified or restored, with the sentence saying why."""


def _authorise(actor: Actor, code: PermissionCode = "backups.run") -> None:
    """A province operator on the console (`backups.run`, or `backups.restore` to restore)."""
    if actor.user is not None and not (in_province_scope() and can(actor.user, code)):
        raise PermissionDenied


def _keys() -> list[BackupKey]:
    try:
        return configured_keys()
    except (DecryptionError, ValueError) as exc:
        raise BackupError(str(exc)) from exc


def _object_key(backup: Backup, part: str) -> str:
    return f"{backup.location}/{part}.zst.enc"


def _app_version() -> str:
    try:
        return metadata.version("tinhso")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- backup --------------------------------------------------------------------------------------


def backup_run(
    *, actor: Actor, tenant: Tenant, trigger: str = Backup.Trigger.MANUAL, authorised: bool = False
) -> Backup:
    """Back up one tenant; returns the complete Backup or raises BackupError (the row says failed).

    `authorised`: the caller already checked a narrower rule (the agency's IT officer, R10)."""
    if not authorised:
        _authorise(actor)
    keys = _keys()
    store = configured_store()
    backup_id = uuid.uuid4()
    with in_public(), transaction.atomic():
        backup = Backup.objects.create(
            uuid=backup_id,
            tenant=tenant,
            schema_name=tenant.schema_name,
            org_code=tenant.org_code,
            trigger=trigger,
            store=store.name,
            location=f"{settings.BACKUP_PREFIX}/{tenant.uuid}/{backup_id}",
            key_id=keys[0].id_hex,
            actor=actor.name,
        )
        audit_record(actor=actor, action="backup.start", target=tenant, backup=str(backup_id))
    try:
        manifest = _backup_write(backup, tenant, store, keys[0])
    except Exception as exc:
        sentence = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
        logger.warning("backup %s of %s failed", backup_id, tenant.schema_name, exc_info=True)
        with contextlib.suppress(Exception):  # the store may be the thing that is down
            store.delete_prefix(backup.location)
        with in_public(), transaction.atomic():
            Backup.objects.filter(pk=backup.pk).update(
                state=Backup.State.FAILED, error=sentence, finished_at=timezone.now()
            )
            audit_record(
                actor=actor, action="backup.fail", target=tenant, backup=str(backup_id), error=sentence
            )
        raise BackupError(f"The backup of {tenant.schema_name} failed: {sentence}") from exc
    parts = manifest["parts"].values()
    with in_public(), transaction.atomic():
        backup.state = Backup.State.COMPLETE
        backup.size_plain = sum(p["plain_size"] for p in parts)
        backup.size_stored = sum(p["sealed_size"] for p in parts)
        backup.finished_at = timezone.now()
        backup.save(update_fields=["state", "size_plain", "size_stored", "finished_at"])
        audit_record(
            actor=actor,
            action="backup.complete",
            target=tenant,
            backup=str(backup_id),
            size=backup.size_stored,
        )
    return backup


def _put_sealed(store: BackupStore, key: str, source: IO[bytes], backup_key: BackupKey) -> dict[str, Any]:
    plain, sealed = Tally(), Tally(reports=True)
    store.put(key, reader_of(seal(source, backup_key, plain, sealed)))
    return {
        "key": key.rsplit("/", 1)[-1],
        "plain_sha256": plain.sha256,
        "plain_size": plain.size,
        "sealed_sha256": sealed.sha256,
        "sealed_size": sealed.size,
    }


def _backup_write(
    backup: Backup, tenant: Tenant, store: BackupStore, backup_key: BackupKey
) -> dict[str, Any]:
    schema = tenant.schema_name
    pg_dump = pg.tool("pg_dump")
    parts: dict[str, Any] = {}
    # One snapshot for the counts and the dump: the manifest describes exactly what was dumped.
    with pg.connect() as snap:
        snap.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = snap.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        migrations = [
            f"{app}.{name}"
            for app, name in snap.execute(
                sql.SQL("SELECT app, name FROM {}.django_migrations ORDER BY id").format(
                    sql.Identifier(schema)
                )
            ).fetchall()
        ]
        with tempfile.TemporaryFile() as errors:
            command = [
                pg_dump,
                "--format=custom",
                "--compress=0",
                "--no-owner",
                "--no-privileges",
                f"--schema={schema}",
                f"--snapshot={snapshot}",
            ]
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=pg.client_env())
            # The row counts scan every table: on the snapshot's own connection, while pg_dump runs.
            counting: dict[str, Any] = {}
            counter = threading.Thread(target=_row_counts_into, args=(snap, schema, counting), daemon=True)
            counter.start()
            try:
                if process.stdout is None:
                    raise BackupError("pg_dump did not start with a pipe.")
                parts[SCHEMA_PART] = _put_sealed(
                    store, _object_key(backup, SCHEMA_PART), process.stdout, backup_key
                )
            except BaseException:
                process.kill()
                process.wait()
                with contextlib.suppress(Exception):
                    snap.cancel()
                counter.join()
                raise
            counter.join()
            if "error" in counting:
                raise BackupError(f"Counting the rows failed: {counting['error']}")
            counts = counting["counts"]
            # Its output ended; it may still be exiting (killing it now would fail a good dump).
            process.wait(timeout=120)
            if process.returncode != 0:
                errors.seek(0)
                raise BackupError(f"pg_dump failed: {errors.read().decode(errors='replace').strip()}")
    with _files_tar(schema) as tar_stream:
        parts[FILES_PART] = _put_sealed(store, _object_key(backup, FILES_PART), tar_stream, backup_key)
    manifest = {
        "format": FORMAT,
        "backup": str(backup.uuid),
        "tenant": {
            "uuid": str(tenant.uuid),
            "schema": schema,
            "name": tenant.name,
            "kind": tenant.kind,
            "org_code": tenant.org_code,
        },
        "created_at": timezone.now().isoformat(),
        "app_version": _app_version(),
        "key_id": backup_key.id_hex,
        "migrations": migrations,
        "row_counts": counts,
        "parts": parts,
    }
    payload = json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()
    _put_sealed(store, _object_key(backup, MANIFEST), io.BytesIO(payload), backup_key)
    return manifest


def _row_counts_into(conn: Any, schema: str, result: dict[str, Any]) -> None:
    try:
        result["counts"] = _row_counts(conn, schema)
    except Exception as exc:  # reported by the caller, in its thread
        result["error"] = exc


def _row_counts(conn: Any, schema: str) -> dict[str, int]:
    query = "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename"
    tables = [row[0] for row in conn.execute(query, [schema]).fetchall()]
    return {
        table: conn.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        ).fetchone()[0]
        for table in tables
    }


def _storage_walk(path: str = "") -> Iterator[str]:
    try:
        folders, files = default_storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(path, name) if path else name
    for folder in sorted(folders):
        yield from _storage_walk(posixpath.join(path, folder) if path else folder)


@contextlib.contextmanager
def _files_tar(schema: str) -> Iterator[BinaryIO]:
    """The tenant's files as a tar stream, written by a thread into a pipe the caller reads."""
    read_fd, write_fd = os.pipe()
    failures: list[BaseException] = []

    def produce() -> None:
        try:
            with (
                os.fdopen(write_fd, "wb") as out,
                in_schema(schema),
                tarfile.open(fileobj=out, mode="w|") as tar,
            ):
                for name in _storage_walk():
                    info = tarfile.TarInfo(name)
                    info.size = default_storage.size(name)
                    with default_storage.open(name, "rb") as handle:
                        tar.addfile(info, handle)
        except BaseException as exc:  # reported by the reader once the stream ends
            failures.append(exc)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=produce, name=f"backup-files-{schema}", daemon=True)
    thread.start()
    reader = os.fdopen(read_fd, "rb")
    try:
        yield reader
    finally:
        reader.close()  # a producer still writing gets a broken pipe and stops
        thread.join()
    if failures:
        raise BackupError(f"Reading the tenant's files failed: {failures[0]}")


# --- verify --------------------------------------------------------------------------------------


def _open_sealed(
    store: BackupStore, key: str, keys: list[BackupKey], plain: Tally, sealed: Tally
) -> Iterator[bytes]:
    try:
        source = store.open(key)
    except Exception as exc:
        raise BackupError(
            f"The part {key.rsplit('/', 1)[-1]} cannot be read from {store.describe(key)}: {exc}"
        ) from exc
    return unseal(source, keys, plain, sealed)


def _manifest_read(backup: Backup, store: BackupStore, keys: list[BackupKey]) -> dict[str, Any]:
    key = _object_key(backup, MANIFEST)
    if not store.exists(key):
        raise BackupError(
            f"Backup {backup.uuid} has no manifest: it never completed (or the manifest was removed), "
            "so nothing in it can be trusted or restored."
        )
    try:
        manifest: dict[str, Any] = json.loads(b"".join(_open_sealed(store, key, keys, Tally(), Tally())))
    except (DecryptionError, zstandard.ZstdError, ValueError) as exc:
        raise BackupError(f"The manifest of backup {backup.uuid} cannot be opened: {exc}") from exc
    if manifest.get("backup") != str(backup.uuid) or manifest.get("tenant", {}).get("uuid") != str(
        backup.tenant.uuid
    ):
        raise BackupError(f"The manifest at {backup.location} belongs to another backup or tenant.")
    if manifest.get("format") != FORMAT or set(manifest.get("parts", {})) != {SCHEMA_PART, FILES_PART}:
        raise BackupError(f"The manifest of backup {backup.uuid} is not in a format this version reads.")
    return manifest


def _part_check(backup: Backup, part: str, expected: dict[str, Any], plain: Tally, sealed: Tally) -> None:
    if sealed.size != expected["sealed_size"] or sealed.sha256 != expected["sealed_sha256"]:
        raise BackupError(
            f"The part {part} of backup {backup.uuid} differs from its manifest "
            f"({sealed.size} bytes stored, {expected['sealed_size']} expected, or its checksum differs): "
            "it was altered or truncated."
        )
    if plain.size != expected["plain_size"] or plain.sha256 != expected["plain_sha256"]:
        raise BackupError(f"The content of part {part} of backup {backup.uuid} differs from its manifest.")


def _part_pieces(
    backup: Backup, store: BackupStore, keys: list[BackupKey], part: str, expected: dict[str, Any]
) -> Iterator[bytes]:
    """A part's plaintext; raises BackupError on any damage, at the latest after its last piece."""
    plain, sealed = Tally(), Tally(reports=True)
    try:
        yield from _open_sealed(store, _object_key(backup, part), keys, plain, sealed)
    except (DecryptionError, zstandard.ZstdError) as exc:
        raise BackupError(f"The part {part} of backup {backup.uuid} is damaged: {exc}") from exc
    _part_check(backup, part, expected, plain, sealed)


def backup_verify(*, backup: Backup) -> dict[str, Any]:
    """Read the manifest and every part through (streaming); the manifest, or BackupError."""
    if backup.state != Backup.State.COMPLETE:
        raise BackupError(
            f"Backup {backup.uuid} is {backup.get_state_display()}, not complete: it cannot be used."
        )
    store, keys = configured_store(), _keys()
    manifest = _manifest_read(backup, store, keys)
    for part, expected in manifest["parts"].items():
        for _piece in _part_pieces(backup, store, keys, part, expected):
            pass
    return manifest


def backup_check(*, actor: Actor, backup: Backup) -> dict[str, Any]:
    """`backup_verify` for an operator: the outcome, good or bad, goes into the audit trail."""
    _authorise(actor)
    try:
        manifest = backup_verify(backup=backup)
    except BackupError as exc:
        with in_public(), transaction.atomic():
            audit_record(
                actor=actor,
                action="backup.verify",
                target=backup.tenant,
                backup=str(backup.uuid),
                ok=False,
                error=exc.message,
            )
        raise
    with in_public(), transaction.atomic():
        audit_record(
            actor=actor, action="backup.verify", target=backup.tenant, backup=str(backup.uuid), ok=True
        )
    return manifest


# --- restore -------------------------------------------------------------------------------------


def backup_restore_as_new_tenant(
    *, actor: Actor, backup: Backup, name: str, org_code: str, hosts: dict[str, str] | None = None
) -> Tenant:
    """Verify, then restore into a new schema and files, and make it a tenant on its own host (R6)."""
    _authorise(actor, "backups.restore")
    if backup.tenant.is_public:
        raise BackupError("A backup of the province's own schema cannot become an agency's tenant.")
    manifest = backup_verify(backup=backup)  # before anything is touched
    store, keys = configured_store(), _keys()
    schema = f"restore_{uuid.uuid4().hex[:16]}"
    try:
        _restore_schema(backup, store, keys, manifest, schema)
        _restore_files(backup, store, keys, manifest, schema)
        provisioning.schema_migrate(schema)
        tenant = tenant_create(
            actor=actor,
            name=name,
            kind=manifest["tenant"]["kind"],
            org_code=org_code,
            hosts=hosts,
            adopt_schema=schema,
        )
    except BaseException:
        with contextlib.suppress(Exception), in_public(), transaction.atomic():
            if not Tenant.objects.filter(schema_name=schema).exists():
                provisioning.schema_drop(schema)
                _files_drop(schema)
        raise
    _restore_audit(actor, backup, manifest, target=tenant, mode="new_tenant")
    return tenant


def _restore_audit(
    actor: Actor, backup: Backup, manifest: dict[str, Any], *, target: Tenant, mode: str, **detail: Any
) -> None:
    with in_public(), transaction.atomic():
        audit_record(
            actor=actor,
            action="backup.restore",
            target=target,
            backup=str(backup.uuid),
            source=manifest["tenant"]["schema"],
            mode=mode,
            **detail,
        )


def backup_restore_beside(*, actor: Actor, backup: Backup) -> str:
    """Verify, then restore schema and files into a new schema `restore_<random>` beside the live
    one, for an operator to read or copy from; returns its name. Nothing live changes. The one way
    back for the province's own schema (whose live swap is the whole-cluster tool's job)."""
    _authorise(actor, "backups.restore")
    manifest = backup_verify(backup=backup)
    store, keys = configured_store(), _keys()
    schema = f"restore_{uuid.uuid4().hex[:16]}"
    try:
        _restore_schema(backup, store, keys, manifest, schema)
        _restore_files(backup, store, keys, manifest, schema)
    except BaseException:
        with contextlib.suppress(Exception), in_public(), transaction.atomic():
            provisioning.schema_drop(schema)
            _files_drop(schema)
        raise
    _restore_audit(actor, backup, manifest, target=backup.tenant, mode="beside", schema=schema)
    return schema


def _files_drop(schema: str) -> None:
    with in_schema(schema):
        for name in list(_storage_walk()):
            default_storage.delete(name)


def _restore_sql(source: str, target: str, hold: str) -> tuple[bytes, bytes]:
    """What psql runs around pg_restore's script, in one transaction.

    The dump recreates `source` by name; the live `source` (if any) steps aside to `hold` first,
    the restored one is renamed to `target`, and `hold` goes back: objects are bound by OID, so
    the renames carry everything, and other sessions never see any of it (it commits, or nothing)."""
    step_aside = sql.SQL(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = {source_literal}) THEN "
        "ALTER SCHEMA {source} RENAME TO {hold}; END IF; END $$;\n"
    )
    put_back = sql.SQL(
        "\nALTER SCHEMA {source} RENAME TO {target};\n"
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = {hold_literal}) THEN "
        "ALTER SCHEMA {hold} RENAME TO {source}; END IF; END $$;\n"
    )
    names = {
        "source": sql.Identifier(source),
        "target": sql.Identifier(target),
        "hold": sql.Identifier(hold),
        "source_literal": sql.Literal(source),
        "hold_literal": sql.Literal(hold),
    }
    with connection.cursor() as cursor:
        raw = cursor.connection
        return (
            step_aside.format(**names).as_string(raw).encode(),
            put_back.format(**names).as_string(raw).encode(),
        )


def _restore_schema(
    backup: Backup, store: BackupStore, keys: list[BackupKey], manifest: dict[str, Any], target: str
) -> None:
    from django_tenants.postgresql_backend.base import _check_schema_name

    source = manifest["tenant"]["schema"]
    hold = f"hold_{uuid.uuid4().hex[:16]}"
    for name in (source, target, hold):
        _check_schema_name(name)
    if provisioning.schema_exists(target):
        raise BackupError(f"The schema {target} already exists.")
    before, after = _restore_sql(source, target, hold)
    env = pg.client_env()
    with tempfile.TemporaryFile() as psql_errors, tempfile.TemporaryFile() as restore_errors:
        psql = subprocess.Popen(
            [pg.tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=env,
        )
        restore = subprocess.Popen(
            [pg.tool("pg_restore"), "--no-owner", "--no-privileges", "-f", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=restore_errors,
            env=env,
        )
        failures: list[BaseException] = []
        feeder = threading.Thread(
            target=_feed,
            args=(
                restore.stdin,
                _part_pieces(backup, store, keys, SCHEMA_PART, manifest["parts"][SCHEMA_PART]),
                failures,
            ),
            daemon=True,
        )
        if psql.stdin is None or restore.stdout is None:
            raise BackupError("psql or pg_restore did not start with pipes.")
        committed = False
        try:
            feeder.start()
            psql.stdin.write(before)
            for piece in read_pieces(restore.stdout):
                psql.stdin.write(piece)
            feeder.join()
            if restore.wait() != 0 or failures:
                raise failures[0] if failures else BackupError(f"pg_restore failed: {_text(restore_errors)}")
            psql.stdin.write(after)
            psql.stdin.close()
            if psql.wait() != 0:
                raise BackupError(f"Restoring the schema failed: {_text(psql_errors)}")
            committed = True
        finally:
            if not committed:
                # Killed before its input ended, psql never commits: the database is as it was.
                for process in (restore, psql):
                    if process.poll() is None:
                        process.kill()
                    process.wait()
                feeder.join()
    with pg.connect() as check:
        counts = _row_counts(check, target)
    if counts != manifest["row_counts"]:
        raise BackupError(
            f"The restored schema's row counts differ from the manifest of backup {backup.uuid}."
        )


def _feed(sink: IO[bytes] | None, pieces: Iterator[bytes], failures: list[BaseException]) -> None:
    if sink is None:
        return
    try:
        for piece in pieces:
            sink.write(piece)
    except BaseException as exc:
        failures.append(exc)
    finally:
        with contextlib.suppress(OSError):
            sink.close()


def _text(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read().decode(errors="replace").strip()[-2000:]


def _restore_files(
    backup: Backup, store: BackupStore, keys: list[BackupKey], manifest: dict[str, Any], schema: str
) -> None:
    pieces = _part_pieces(backup, store, keys, FILES_PART, manifest["parts"][FILES_PART])
    with in_schema(schema), tarfile.open(fileobj=reader_of(pieces), mode="r|") as tar:
        for member in tar:
            if not member.isfile():
                continue
            name = member.name
            if name.startswith("/") or ".." in name.split("/"):
                raise BackupError(f"The backup holds a file outside the tenant's folder: {name!r}.")
            source = tar.extractfile(member)
            if source is None:
                continue
            with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
                for piece in read_pieces(source):
                    spool.write(piece)
                spool.seek(0)
                saved = default_storage.save(name, File(spool, name=posixpath.basename(name)))
            if saved != name:
                raise BackupError(f"The file {name} could not be restored under its own name.")
