"""``manage.py edxml check [--strict] FILE...``: diagnose edXML packets received from other systems.

Per file: ``OK`` (kind, DocumentId, status code), then one ``WARN`` line per deviation the hub
accepts, and one per broken attachment; or ``FAIL`` with the errors. Exits 1 if any file failed,
0 when every packet would be accepted (warnings or not)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from interagency.edxml.codes import MAX_PACKET_BYTES
from interagency.edxml.packets import DocumentPacket, EdxmlError, StatusPacket
from interagency.edxml.reader import parse, read_attachments
from interagency.hub.services.packets import attachment_budget


class Command(BaseCommand):
    help = (
        "Kiểm tra gói tin edXML: in OK kèm loại, DocumentId, mã trạng thái và các cảnh báo (WARN), "
        "hoặc các lỗi (FAIL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="check edXML files")
        check.add_argument("--strict", action="store_true", help="deviations are errors (what tinhso writes)")
        check.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        files: list[str] = options["files"]
        failed = sum(not self._check(name, strict=options["strict"]) for name in files)
        if failed:
            raise CommandError(f"{failed} of {len(files)} packet(s) failed the check.")

    def _check(self, name: str, *, strict: bool) -> bool:
        path = Path(name)
        try:
            # Checked before reading: a huge file is refused without loading it.
            size = path.stat().st_size
            if size > MAX_PACKET_BYTES:
                raise EdxmlError(
                    [f"R.edXML: gói tin {size} byte, tối đa {MAX_PACKET_BYTES} (packet too large)"]
                )
            data = path.read_bytes()
            budget = attachment_budget()
            packet = parse(data, strict=strict, budget=budget)
            broken = []
            if isinstance(packet, DocumentPacket) and packet.attachments:
                broken = [
                    f"M.{a.name}: tệp đính kèm giữ nguyên, không đọc được ({a.broken})"
                    for a in read_attachments(data, budget=budget)
                    if a.broken
                ]
            if strict and broken:
                raise EdxmlError(broken)
        except OSError as exc:
            self.stdout.write(f"FAIL\t{name}\tcannot read the file: {exc.strerror or exc}")
            return False
        except EdxmlError as exc:
            self.stdout.write(f"FAIL\t{name}\t" + "; ".join(exc.errors))
            return False
        status = packet.status_code if isinstance(packet, StatusPacket) else "-"
        self.stdout.write(f"OK\t{name}\t{packet.kind}\t{packet.document_id}\t{status}")
        for warning in [*packet.warnings, *broken]:
            self.stdout.write(f"WARN\t{name}\t{warning}")
        return True
