"""``manage.py directory sync`` and ``manage.py directory import FILE``: the organisation directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.audit import Actor
from core.errors import ApplicationError
from interagency.hub.services.directory import MAX_CSV_BYTES, directory_import_csv, directory_sync_tenants


class Command(BaseCommand):
    help = "Danh bạ cơ quan: đồng bộ từ các đơn vị (sync) hoặc nhập cơ quan bên ngoài từ tệp CSV (import)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("sync", help="one directory row per non-archived tenant")
        imports = actions.add_parser("import", help="import external organisations from a CSV file")
        imports.add_argument("file", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor(label="manage.py directory")
        if options["action"] == "sync":
            synced = directory_sync_tenants(actor=actor)
            for message in synced.skipped:
                self.stderr.write(message)
            self.stdout.write(
                f"created {synced.created}, updated {synced.updated}, deactivated {synced.deactivated}"
            )
            return
        path = Path(options["file"])
        try:
            if path.stat().st_size > MAX_CSV_BYTES:
                raise CommandError(f"{path} is larger than {MAX_CSV_BYTES} bytes.")
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        try:
            result = directory_import_csv(actor=actor, content=content)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} bad line(s) in {path}; nothing was imported.")
        self.stdout.write(f"created {result.created}, updated {result.updated}")
