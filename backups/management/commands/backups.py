"""`manage.py backups run|list|verify|drill|restore`: per-tenant backups (R6).

    backups run --tenant KEY | --public           back up one tenant (or the province's own schema);
                                                  prints the backup's id
    backups list [--tenant KEY]                   one line per backup, newest first
    backups verify ID                             every checksum; exit 1 with a sentence if bad
    backups drill ID | --tenant KEY               restore into a scratch schema, compare with the
                                                  manifest, drop it; exit 1 with a sentence if bad
    backups restore ID --as-new-tenant --name N --org-code C [--host H]
                                                  a temporary tenant on its own host; prints its schema
    backups restore ID --in-place                 the tenant back to the backup (maintenance page,
                                                  safety backup first, atomic schema swap)
    backups restore ID --beside                   into a new schema beside the live one (the only way
                                                  back for the province's own schema); prints it

Bad input or a bad backup exits with status 1 and one sentence. On a terminal (or with
--progress) a progress bar of the bytes moved goes to stderr; stdout stays what scripts read.
"""

from __future__ import annotations

import contextlib
import sys
from argparse import ArgumentParser
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from backups.drills import drill_run
from backups.inplace import backup_restore_in_place
from backups.models import Backup
from backups.selectors import backup_get, backup_list
from backups.services import backup_check, backup_restore_as_new_tenant, backup_restore_beside, backup_run
from backups.streams import progress_to
from core.audit import Actor
from core.errors import ApplicationError, validation_sentence
from core.tenancy import in_public, tenant_by_key
from tenants.models import Tenant

SHELL = Actor(label="manage.py backups")


class Command(BaseCommand):
    help = "Back up one tenant (schema and files), list, verify and restore backups."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--progress", action="store_true", help="a progress bar even off a terminal")
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="back up one tenant; prints the backup's id")
        target = run.add_mutually_exclusive_group(required=True)
        target.add_argument("--tenant", help="schema, organisation code or UUID")
        target.add_argument("--public", action="store_true", help="the province's own schema")
        listing = sub.add_parser("list", help="backups, newest first")
        listing.add_argument("--tenant", help="only this tenant's")
        verify = sub.add_parser("verify", help="check the manifest and every part's checksums")
        verify.add_argument("backup")
        drill = sub.add_parser("drill", help="restore a backup into a scratch schema and compare")
        which = drill.add_mutually_exclusive_group(required=True)
        which.add_argument("backup", nargs="?", help="the backup's id")
        which.add_argument("--tenant", help="the tenant's newest complete backup")
        restore = sub.add_parser("restore", help="restore a backup (verified first)")
        restore.add_argument("backup")
        mode = restore.add_mutually_exclusive_group(required=True)
        mode.add_argument("--in-place", action="store_true", help="bring its own tenant back to it")
        mode.add_argument("--as-new-tenant", action="store_true", help="a temporary tenant of its own")
        mode.add_argument(
            "--beside", action="store_true", help="into a new schema beside the live one, to read from"
        )
        restore.add_argument("--name", help="the temporary tenant's name")
        restore.add_argument("--org-code", help="its organisation code (unused so far)")
        restore.add_argument("--host", help="its workspace host (a label under BASE_DOMAIN, or a full name)")

    @contextlib.contextmanager
    def _progress(self, description: str, total: int | None) -> Iterator[None]:
        """A progress bar of the stored bytes moved, on stderr (stdout stays what scripts read);
        only on a terminal, unless --progress asks for it anyway."""
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        console = Console(stderr=True, force_terminal=self._force_progress or None)
        if not (self._force_progress or sys.stderr.isatty()):
            yield
            return
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task(description, total=total)
            progress_to(lambda size: bar.advance(task, size))
            try:
                yield
            finally:
                progress_to(None)

    def handle(self, *args: Any, **options: Any) -> None:
        self._force_progress = bool(options.get("progress"))
        try:
            getattr(self, f"_{options['action']}")(options)
        except ValidationError as exc:
            raise CommandError(validation_sentence(exc)) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _tenant(self, key: str) -> Any:
        with in_public():
            tenant = tenant_by_key(key)
        if tenant is None:
            raise CommandError(f"No tenant matches {key!r}.")
        return tenant

    def _province(self) -> Any:
        with in_public():
            province = Tenant.objects.filter(kind=Tenant.Kind.PROVINCE, schema_name="public").first()
        if province is None:
            raise CommandError("The province's own tenant row does not exist yet: nothing to back up.")
        return province

    def _backup(self, key: str) -> Backup:
        backup = backup_get(key)
        if backup is None:
            raise CommandError(f"No backup has the id {key!r} (see `manage.py backups list`).")
        return backup

    def _run(self, options: dict[str, Any]) -> None:
        tenant = self._province() if options["public"] else self._tenant(options["tenant"])
        with self._progress(f"backup {tenant.schema_name}", None):
            backup = backup_run(actor=SHELL, tenant=tenant)
        self.stdout.write(str(backup.uuid))

    def _list(self, options: dict[str, Any]) -> None:
        tenant_id = self._tenant(options["tenant"]).pk if options.get("tenant") else None
        with in_public():
            for backup in backup_list(tenant_id=tenant_id):
                self.stdout.write(
                    f"{backup.uuid}\t{backup.schema_name}\t{backup.state}\t"
                    f"{backup.started_at:%Y-%m-%d %H:%M:%S}\t{backup.size_stored}\t{backup.store}"
                )

    def _verify(self, options: dict[str, Any]) -> None:
        backup = self._backup(options["backup"])
        with self._progress(f"verify {backup.uuid}", backup.size_stored or None):
            manifest = backup_check(actor=SHELL, backup=backup)
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(f"ok {manifest['backup']}: {len(manifest['row_counts'])} tables, {rows} rows")

    def _drill(self, options: dict[str, Any]) -> None:
        if options.get("tenant"):
            tenant = self._tenant(options["tenant"])
            with in_public():
                backup = backup_list(tenant_id=tenant.pk).filter(state=Backup.State.COMPLETE).first()
            if backup is None:
                raise CommandError(f"{tenant.name} has no complete backup to drill.")
        else:
            backup = self._backup(options["backup"])
        with self._progress(f"drill {backup.uuid}", backup.size_stored or None):
            drill = drill_run(actor=SHELL, backup=backup)
        if not drill.ok:
            raise CommandError(f"The drill of backup {backup.uuid} failed: {drill.error}")
        self.stdout.write(
            f"ok drill {drill.uuid} of {backup.uuid}: {drill.detail['tables']} tables, "
            f"{drill.detail['rows']} rows, {drill.detail['files']} files"
        )

    def _restore(self, options: dict[str, Any]) -> None:
        backup = self._backup(options["backup"])
        # Verified first, then read again as it is restored (and the safety backup written).
        with self._progress(f"restore {backup.uuid}", 2 * backup.size_stored or None):
            self._restore_with(backup, options)

    def _restore_with(self, backup: Backup, options: dict[str, Any]) -> None:
        if options["beside"]:
            schema = backup_restore_beside(actor=SHELL, backup=backup)
            self.stdout.write(schema)
            if backup.tenant.is_public:
                self.stderr.write(
                    f"Warning: this is the province's own schema, restored beside the live one as {schema}; "
                    "the live public schema is unchanged. Copy what you need from it, then drop it. "
                    "Bringing the whole province back to a moment is the whole-cluster tool's job "
                    "(README: Backups, runbook)."
                )
            return
        if options["in_place"]:
            safety = backup_restore_in_place(actor=SHELL, backup=backup)
            self.stdout.write(f"restored; the state before is kept in backup {safety.uuid}")
            return
        if not options.get("name") or not options.get("org_code"):
            raise CommandError("A restore as a new tenant needs --name and --org-code.")
        hosts = {"workspace": options["host"]} if options.get("host") else None
        tenant = backup_restore_as_new_tenant(
            actor=SHELL,
            backup=backup,
            name=options["name"],
            org_code=options["org_code"],
            hosts=hosts,
        )
        self.stdout.write(str(tenant.schema_name))
