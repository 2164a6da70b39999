"""``manage.py edxml check FILE...``: diagnose edXML packets received from other systems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from interagency.edxml.codes import MAX_PACKET_BYTES
from interagency.edxml.packets import EdxmlError, StatusPacket
from interagency.edxml.reader import parse


class Command(BaseCommand):
    help = "Kiểm tra gói tin edXML: in OK kèm loại, DocumentId, mã trạng thái, hoặc các lỗi."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="check edXML files")
        check.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        files: list[str] = options["files"]
        failed = sum(not self._check(name) for name in files)
        if failed:
            raise CommandError(f"{failed} of {len(files)} packet(s) failed the check.")

    def _check(self, name: str) -> bool:
        path = Path(name)
        try:
            # Checked before reading: a huge file is refused without loading it.
            size = path.stat().st_size
            if size > MAX_PACKET_BYTES:
                raise EdxmlError(
                    [f"R.edXML: gói tin {size} byte, tối đa {MAX_PACKET_BYTES} (packet too large)"]
                )
            packet = parse(path.read_bytes())
        except OSError as exc:
            self.stdout.write(f"FAIL\t{name}\tcannot read the file: {exc.strerror or exc}")
            return False
        except EdxmlError as exc:
            self.stdout.write(f"FAIL\t{name}\t" + "; ".join(exc.errors))
            return False
        status = packet.status_code if isinstance(packet, StatusPacket) else "-"
        self.stdout.write(f"OK\t{name}\t{packet.kind}\t{packet.document_id}\t{status}")
        return True
