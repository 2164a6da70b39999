"""The hub's stored packets written out as files (`manage.py hub packets export`): each packet the hub
took in since a day, as `<packet_id>.edxml`, byte for byte as received (signed by its sender), for
another system or the reference edXML library to read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from tempfile import NamedTemporaryFile

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public
from interagency.hub.models import HubPacket

# Packets' bytes are fetched a few at a time: at most this much held at once (one larger packet
# alone is fine, a packet is at most 50 MB).
CHUNK_BYTES = 32 * 1024 * 1024


def _directory_ready(directory: Path) -> None:
    """Create the directory if needed and prove it takes a file, before any packet is read."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with NamedTemporaryFile(dir=directory, prefix=".probe-"):
            pass
    except OSError as exc:
        raise ApplicationError(
            _("Không ghi được vào thư mục %(directory)s: %(reason)s.")
            % {"directory": directory, "reason": exc.strerror or exc},
            code="unwritable",
        ) from exc


def _chunks(ids: list[tuple[int, int]]) -> Iterator[list[int]]:
    chunk: list[int] = []
    held = 0
    for pk, size in ids:
        if chunk and held + size > CHUNK_BYTES:
            yield chunk
            chunk, held = [], 0
        chunk.append(pk)
        held += size
    if chunk:
        yield chunk


def _write(directory: Path, name: str, data: bytes) -> None:
    """Write whole or not at all: a file under its final name is always a whole packet."""
    target = directory / name
    partial = directory / f".{name}.part"
    try:
        partial.write_bytes(data)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ApplicationError(
            _("Không ghi được tệp %(file)s: %(reason)s.") % {"file": target, "reason": exc.strerror or exc},
            code="unwritable",
        ) from exc


def packets_export(*, actor: Actor, since: date, directory: Path) -> int:
    """Write every packet the hub took in from the start of `since` (the province's time) into
    `directory`; returns how many. Safe to repeat: a packet's file is the same bytes again."""
    from accounts.permissions import require_actor

    require_actor(actor, "interagency.watch")
    _directory_ready(directory)
    start = datetime.combine(since, time.min, tzinfo=timezone.get_current_timezone())
    written = 0
    with in_public():
        ids = list(HubPacket.objects.filter(received_at__gte=start).order_by("id").values_list("id", "size"))
        for chunk in _chunks(ids):
            for packet_id, content in (
                HubPacket.objects.filter(id__in=chunk).order_by("id").values_list("packet_id", "content")
            ):
                _write(directory, f"{packet_id}.edxml", bytes(content))
                written += 1
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="hub.packets_export",
                since=since.isoformat(),
                packets=written,
                directory=str(directory.resolve()),
            )
    return written
