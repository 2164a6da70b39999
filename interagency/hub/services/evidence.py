"""Evidence of one exchange: every packet the hub took about one edXML DocumentId, as a ZIP that
can be checked offline, years later, without our database.

    packets/001-edoc-0.edxml        the bytes exactly as received (signed by the sender)
    manifest.json                   what the hub recorded: hashes, signature checks, deliveries, tries
    trust/authority.pem             the province authority the agencies' certificates chain to
    trust/peers/<system id>.pem     another hub's authority, for packets that came through it
    README.txt                      how to check it

`evidence_verify` recomputes each hash and re-checks each signature against the bundled roots, at
the time the hub received the packet (a certificate that has expired since still proves it).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public
from interagency.edxml.signatures import verify_packet
from interagency.hub.models import FederationPeer, HubDelivery, HubPacket
from interagency.hub.services.authority import trust_roots

MANIFEST = "manifest.json"
AUTHORITY_PEM = "trust/authority.pem"
FORMAT = "tinhso-hub-evidence/1"
# A fixed timestamp for every member: the same exchange exports to the same packet files.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")

README = """Bằng chứng trao đổi văn bản qua Trục liên thông (tinhso)
==========================================================

Tệp ZIP này chứa mọi gói tin edXML mà trục đã nhận về một văn bản (một DocumentId), đúng từng byte
như khi nhận, cùng manifest.json ghi lại mã băm SHA-256, kết quả kiểm tra chữ ký số, người ký,
dấu vết (trace), các lượt chuyển tới từng nơi nhận và từng lần thử.

Cách kiểm tra:
  1. So dấu vân tay SHA-256 của trust/authority.pem với dấu vân tay mà Sở/Trung tâm CNTT của tỉnh
     công bố (openssl x509 -in trust/authority.pem -noout -fingerprint -sha256).
  2. Chạy: manage.py hub verify-evidence <tệp.zip>
     Lệnh tính lại SHA-256 của từng gói tin trong packets/ và so với manifest.json, kiểm tra lại
     chữ ký số XML-DSig của từng gói tin với các chứng thư gốc trong trust/ (tại thời điểm trục
     nhận gói tin) và so với trạng thái chữ ký ghi trong manifest. Không có dòng lỗi nào: hợp lệ.
  3. Không có phần mềm này: sha256sum packets/* rồi so với "sha256" trong manifest.json; chữ ký
     XML-DSig (enveloped, trong edXMLHeader) kiểm tra được bằng xmlsec1 với chứng thư trong gói
     tin, chứng thư đó phải do trust/authority.pem cấp.

How to verify (English): compare the SHA-256 fingerprint of trust/authority.pem with the one the
province publishes; then run `manage.py hub verify-evidence FILE.zip`, which recomputes every
packet's SHA-256 against manifest.json and re-checks every XML-DSig signature offline against the
roots in trust/ (as of the time the hub received the packet). No output and exit code 0: intact.
"""


def _packet_name(index: int, packet: HubPacket) -> str:
    code = packet.status_code if packet.kind == HubPacket.Kind.STATUS else str(packet.business or 0)
    return f"packets/{index:03d}-{packet.kind}-{_SAFE.sub('_', code or 'x')}.edxml"


def _peer_system_id(source: str) -> str | None:
    return source.split(":", 1)[1] if source.startswith("peer:") else None


def _peer_pem_name(system_id: str) -> str:
    return f"trust/peers/{_SAFE.sub('_', system_id)}.pem"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _delivery_entry(delivery: HubDelivery) -> dict[str, Any]:
    return {
        "recipient": delivery.recipient_code,
        "target": delivery.target,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "created_at": _iso(delivery.created_at),
        "delivered_at": _iso(delivery.delivered_at),
        "last_error": delivery.last_error,
        "tries": [
            {"at": _iso(attempt.at), "ok": attempt.ok, "outcome": attempt.outcome}
            for attempt in delivery.tries.all()
        ],
    }


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def evidence_export(*, actor: Actor, document_id: str) -> bytes:
    """The ZIP of one exchange. Raises ApplicationError (404) for a DocumentId the hub never saw."""
    from accounts.permissions import require_actor

    require_actor(actor, "interagency.watch")
    document_id = (document_id or "").strip()
    with in_public(), transaction.atomic():
        packets = list(
            HubPacket.objects.filter(document_id=document_id)
            .prefetch_related("deliveries__tries")
            .order_by("id")
        )
        if not packets:
            raise ApplicationError(
                _("Trục chưa nhận gói tin nào có DocumentId “%s”.") % document_id,
                code="not_found",
                status=404,
            )
        authority = b"".join(trust_roots())
        system_ids = sorted({sid for packet in packets if (sid := _peer_system_id(packet.source))})
        peer_roots = dict(
            FederationPeer.objects.filter(system_id__in=system_ids).values_list("system_id", "trust_roots")
        )
        trust_files: dict[str, bytes] = {AUTHORITY_PEM: authority}
        entries = []
        contents: dict[str, bytes] = {}
        for index, packet in enumerate(packets, start=1):
            system_id = _peer_system_id(packet.source)
            if system_id is None:
                trust = [AUTHORITY_PEM]
            elif peer_roots.get(system_id):
                trust = [_peer_pem_name(system_id)]
                trust_files[trust[0]] = peer_roots[system_id].encode()
            else:
                trust = []  # a peer without roots: its packets were taken as "untrusted" or "absent"
            name = _packet_name(index, packet)
            contents[name] = bytes(packet.content)
            entries.append(
                {
                    "file": name,
                    "packet_id": str(packet.packet_id),
                    "kind": packet.kind,
                    "business": packet.business,
                    "status_code": packet.status_code,
                    "document_id": packet.document_id,
                    "sender": packet.sender_code,
                    "recipients": packet.recipient_codes,
                    "source": packet.source,
                    "received_at": _iso(packet.received_at),
                    "size": packet.size,
                    "sha256": packet.sha256,
                    "signature": packet.signature,
                    "signer": packet.signer,
                    "signer_fingerprint": packet.signer_fingerprint,
                    "trust": trust,
                    "trace": packet.trace,
                    "deliveries": [_delivery_entry(delivery) for delivery in packet.deliveries.all()],
                }
            )
        manifest = {
            "format": FORMAT,
            "document_id": document_id,
            "exported_at": timezone.now().isoformat(),
            "exported_by": actor.name,
            "packets": entries,
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in contents.items():
                _write(archive, name, data)
            _write(
                archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
            )
            for name, data in trust_files.items():
                _write(archive, name, data)
            _write(archive, "README.txt", README.encode())
        data = buffer.getvalue()
        # The entry names the exact ZIP handed out, so a copy shown later can be matched to it.
        audit_record(
            actor=actor,
            action="hub.evidence_export",
            target=packets[0],
            document_id=document_id,
            packets=len(packets),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    return data


def _read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    manifest = json.loads(archive.read(MANIFEST))
    if not isinstance(manifest, dict) or not isinstance(manifest.get("packets"), list):
        raise ValueError("manifest.json has no packet list")
    return manifest


def _received_at(entry: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(entry.get("received_at")))
    except ValueError:
        return None


def evidence_verify(zip_bytes: bytes) -> list[str]:
    """What is wrong with an evidence ZIP, one sentence each; an empty list means it holds."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    except zipfile.BadZipFile:
        return [_("Tệp không phải là một tệp ZIP bằng chứng.")]
    problems: list[str] = []
    with archive:
        names = set(archive.namelist())
        try:
            manifest = _read_manifest(archive)
        except (KeyError, ValueError) as exc:
            return [_("Không đọc được manifest.json: %s") % exc]
        listed: set[str] = set()
        for entry in manifest["packets"]:
            name = str(entry.get("file", ""))
            label = f"{name} ({entry.get('packet_id', '?')})"
            listed.add(name)
            if name not in names:
                problems.append(_("%s: thiếu tệp gói tin.") % label)
                continue
            content = archive.read(name)
            digest = hashlib.sha256(content).hexdigest()
            if digest != entry.get("sha256"):
                problems.append(
                    _("%(label)s: SHA-256 là %(actual)s, manifest ghi %(expected)s.")
                    % {"label": label, "actual": digest, "expected": entry.get("sha256")}
                )
            if len(content) != entry.get("size"):
                problems.append(
                    _("%(label)s: dài %(actual)d byte, manifest ghi %(expected)s.")
                    % {"label": label, "actual": len(content), "expected": entry.get("size")}
                )
            roots: list[bytes] = []
            for trust_name in entry.get("trust") or []:
                if trust_name not in names:
                    problems.append(
                        _("%(label)s: thiếu chứng thư gốc %(file)s.") % {"label": label, "file": trust_name}
                    )
                    continue
                roots.append(archive.read(trust_name))
            from_peer = str(entry.get("source", "")).startswith("peer:")
            try:
                check = verify_packet(
                    content,
                    trust_roots_pem=roots,
                    expected_org_code=None if from_peer and not roots else entry.get("sender"),
                    at=_received_at(entry),
                )
            except ValueError as exc:
                problems.append(
                    _("%(label)s: chứng thư gốc không đọc được: %(error)s") % {"label": label, "error": exc}
                )
                continue
            if check.state != entry.get("signature"):
                problems.append(
                    _("%(label)s: chữ ký kiểm lại “%(actual)s”, manifest “%(expected)s” (%(message)s).")
                    % {
                        "label": label,
                        "actual": check.state,
                        "expected": entry.get("signature"),
                        "message": check.message,
                    }
                )
            elif (
                check.fingerprint
                and entry.get("signer_fingerprint")
                and check.fingerprint != entry["signer_fingerprint"]
            ):
                problems.append(_("%s: chứng thư người ký khác với manifest.") % label)
        for extra in sorted(name for name in names if name.startswith("packets/") and name not in listed):
            problems.append(_("%s: tệp gói tin không có trong manifest.") % extra)
    return problems
