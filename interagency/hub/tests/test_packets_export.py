"""`manage.py hub packets export --since DATE -o DIR`: the hub's stored packets as `.edxml` files.

That the exported files read with the reference Java library is proven in
`interagency/exchange/tests/test_reference_parser.py`."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.models import AuditEntry
from core.tenancy import in_public
from interagency.edxml.tests.factories import DocumentPacketFactory, StatusPacketFactory
from interagency.edxml.writer import build
from interagency.hub.models import HubPacket

pytestmark = pytest.mark.django_db


def _stored(content: bytes, *, received_at: datetime, kind: str = "edoc") -> HubPacket:
    with in_public():
        packet = HubPacket.objects.create(
            packet_id=uuid.uuid4(),
            kind=kind,
            document_id="000.00.91.H21,2026/11/20,125/STN-VP",
            sender_code="000.00.91.H21",
            source="tenant:alpha",
            content=content,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            signature="valid",
        )
        HubPacket.objects.filter(pk=packet.pk).update(received_at=received_at)
    return packet


def _export(*args: str) -> str:
    out = io.StringIO()
    call_command("hub", "packets", "export", *args, stdout=out)
    return out.getvalue()


def _day_start(days_ago: int) -> datetime:
    today = timezone.localdate() - timedelta(days=days_ago)
    return datetime.combine(today, datetime.min.time(), tzinfo=timezone.get_current_timezone())


def test_packets_taken_in_since_the_day_are_written_byte_for_byte_under_their_ids(province, tmp_path):
    old = _stored(build(DocumentPacketFactory.build()), received_at=_day_start(3) + timedelta(hours=23))
    first = _stored(build(DocumentPacketFactory.build()), received_at=_day_start(2))  # its first second
    status = _stored(build(StatusPacketFactory.build()), received_at=timezone.now(), kind="status")
    since = (timezone.localdate() - timedelta(days=2)).isoformat()

    printed = _export("--since", since, "-o", str(tmp_path / "out"))

    files = {path.name: path.read_bytes() for path in (tmp_path / "out").iterdir()}
    assert files == {
        f"{first.packet_id}.edxml": bytes(first.content),
        f"{status.packet_id}.edxml": bytes(status.content),
    }
    assert f"{old.packet_id}.edxml" not in files
    assert printed == f"2 packet(s) written to {tmp_path / 'out'}\n"
    with in_public():
        entry = AuditEntry.objects.get(action="hub.packets_export")
    assert entry.actor == "manage.py hub"
    assert entry.detail["since"] == since
    assert entry.detail["packets"] == 2


def test_exporting_again_rewrites_the_same_files_and_leaves_no_partial_ones(province, tmp_path):
    packet = _stored(build(DocumentPacketFactory.build()), received_at=timezone.now())
    since = timezone.localdate().isoformat()
    _export("--since", since, "-o", str(tmp_path))

    _export("--since", since, "-o", str(tmp_path))

    assert [path.name for path in tmp_path.iterdir()] == [f"{packet.packet_id}.edxml"]
    assert (tmp_path / f"{packet.packet_id}.edxml").read_bytes() == bytes(packet.content)


@pytest.mark.parametrize("value", ["2026-13-01", "03/12/2026", "yesterday", ""])
def test_a_bad_date_is_refused_with_a_sentence(province, tmp_path, value):
    with pytest.raises(CommandError, match=r"argument --since: .* is not a date; write it as YYYY-MM-DD\."):
        _export("--since", value, "-o", str(tmp_path))

    assert list(tmp_path.iterdir()) == []


def test_a_directory_that_cannot_be_written_is_refused_before_anything_is_read(province, tmp_path):
    _stored(build(DocumentPacketFactory.build()), received_at=timezone.now())
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"not a directory")
    since = timezone.localdate().isoformat()

    for target in (blocker, blocker / "below"):
        with pytest.raises(CommandError, match=rf"Không ghi được vào thư mục {target}: "):
            _export("--since", since, "-o", str(target))

    assert blocker.read_bytes() == b"not a directory"
    with in_public():
        assert not AuditEntry.objects.filter(action="hub.packets_export").exists()


def test_nothing_since_the_day_writes_nothing_and_says_so(province, tmp_path):
    _stored(build(DocumentPacketFactory.build()), received_at=_day_start(5))

    printed = _export("--since", timezone.localdate().isoformat(), "-o", str(tmp_path))

    assert printed == f"0 packet(s) written to {tmp_path}\n"
    assert list(tmp_path.iterdir()) == []
