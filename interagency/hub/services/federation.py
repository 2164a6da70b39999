"""Federation with other hubs (public schema): the endpoint's side of the national axis's transport.

A peer authenticates on every call with `X-System-Id` and `X-Secret`; we keep only a keyed hash
of its secret (`peer_secret_digest`). It pushes packets to us (`packet_take`), and, in the pull
model, lists what waits for it here (`peer_packets_waiting`), fetches each (`peer_packet_get`) and
acknowledges it (`peer_packet_ack`: done / fail / processing). Our own calls to a peer's endpoint
are in `interagency.hub.services.connector`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public
from interagency.hub.models import FederationPeer, HubAttempt, HubDelivery, HubPacket, Organisation
from interagency.hub.services.authority import split_pem
from interagency.hub.services.packets import PacketRefused, packet_accept
from interagency.hub.services.retries import backoff, max_attempts
from interagency.hub.services.sealing import seal

PACKETS_PATH = "/federation/v1/packets/"
MESSAGE_TYPES = (HubPacket.Kind.EDOC.value, HubPacket.Kind.STATUS.value)
ACK_STATUSES = ("done", "fail", "processing")
MAX_LIST = 500
# Compared against when the system id is unknown, so a miss costs the same as a wrong secret.
_NO_PEER_DIGEST = "0" * 64


class FederationError(ApplicationError):
    """A refused federation call: 401 (who), 403 (inactive), 400/413 (what was sent), 404."""


def peer_secret_digest(secret: str) -> str:
    """The keyed hash we keep of a peer's inbound secret (HMAC-SHA256 keyed with SECRET_KEY)."""
    key = f"tinhso.federation:{settings.SECRET_KEY}".encode()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def peer_authenticate(*, system_id: str, secret: str) -> FederationPeer:
    """The peer calling us, or 401 for missing or wrong credentials and 403 for an inactive peer."""
    if not system_id or not secret:
        raise FederationError(
            _("Thiếu thông tin xác thực: cần tiêu đề X-System-Id và X-Secret."),
            code="unauthenticated",
            status=401,
        )
    with in_public():
        peer = FederationPeer.objects.filter(system_id=system_id).first()
    expected = peer.secret_digest if peer is not None else _NO_PEER_DIGEST
    if not hmac.compare_digest(expected, peer_secret_digest(secret)) or peer is None:
        raise FederationError(
            _("Mã hệ thống hoặc khóa bí mật không đúng."), code="unauthenticated", status=401
        )
    if not peer.is_active:
        raise FederationError(_("Kết nối với hệ thống này đang bị tạm dừng."), code="inactive", status=403)
    return peer


# --- peers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerData:
    system_id: str
    name: str
    base_url: str
    remote_system_id: str
    remote_secret: str
    trust_roots: str = ""
    tls_ca: str = ""
    mode: str = FederationPeer.Mode.PUSH
    org_patterns: str = ""
    protocol: str = FederationPeer.Protocol.TINHSO


# A VXP system has no endpoint of its own: this stands for it where the directory names a hub
# (an organisation whose hub_url is it is reached by that system pulling from us).
VXP_SYSTEM_ADDRESS = "https://vxp.invalid/{system_id}"
# Stored as a peer's secret_digest when X-Secret must never authenticate it (VXP peers).
NO_SECRET_DIGEST = "-"  # noqa: S105  # not a secret: matches no digest


def _protocol_settings(data: PeerData, system_id: str) -> tuple[str, str, str, str]:
    """base_url, remote system id, remote secret and mode, as the peer's protocol wants them."""
    if data.protocol == FederationPeer.Protocol.VXP_SYSTEM:
        base_url = data.base_url.strip() or VXP_SYSTEM_ADDRESS.format(system_id=system_id)
        return base_url_normal(base_url), system_id, "", FederationPeer.Mode.PULL
    if not data.remote_system_id.strip() or not data.remote_secret:
        raise ApplicationError(_("Cần mã hệ thống phía bên kia và khóa bí mật phía bên kia."))
    mode = FederationPeer.Mode.PUSH if data.protocol == FederationPeer.Protocol.VXP_AXIS else data.mode
    return base_url_normal(data.base_url), data.remote_system_id.strip(), data.remote_secret, mode


def base_url_normal(url: str) -> str:
    """https://host[:port][/path] without a trailing slash: the form peers and hub_url are compared in."""
    url = (url or "").strip().rstrip("/")
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError as exc:
        raise ApplicationError(_("Địa chỉ trục “%s” phải là một URL https hợp lệ.") % url) from exc
    return url


def _pem_certificates(bundle: str, label: str) -> str:
    pems = split_pem(bundle)
    if bundle.strip() and not pems:
        raise ApplicationError(_("%s không chứa chứng thư PEM nào.") % label)
    for pem in pems:
        try:
            x509.load_pem_x509_certificate(pem.encode())
        except ValueError as exc:
            raise ApplicationError(_("%s có một chứng thư PEM không đọc được.") % label) from exc
    return "\n".join(pems) + ("\n" if pems else "")


def peer_create(*, actor: Actor, data: PeerData, secret: str | None = None) -> tuple[FederationPeer, str]:
    """Register another hub; returns the peer and its inbound secret (shown once, kept only hashed)."""
    require_actor(actor, "interagency.manage")
    system_id = data.system_id.strip()
    if not system_id:
        raise ApplicationError(_("Cần mã hệ thống."))
    if data.protocol not in FederationPeer.Protocol.values:
        raise ApplicationError(_("Giao thức “%s” không hợp lệ.") % data.protocol)
    if data.mode not in FederationPeer.Mode.values:
        raise ApplicationError(_("Cách chuyển “%s” không hợp lệ (push hoặc pull).") % data.mode)
    base_url, remote_system_id, remote_secret, mode = _protocol_settings(data, system_id)
    if not split_pem(data.trust_roots):
        raise ApplicationError(
            _(
                "Cần chứng thư gốc ký số của trục %s: mọi gói tin từ trục này phải được ký bằng chứng thư "
                "do nó cấp."
            )
            % system_id
        )
    secret = secret or secrets.token_urlsafe(32)
    if len(secret) < 16:
        raise ApplicationError(_("Khóa bí mật cần ít nhất 16 ký tự."))
    vxp_system = data.protocol == FederationPeer.Protocol.VXP_SYSTEM
    peer = FederationPeer(
        system_id=system_id,
        name=data.name.strip() or system_id,
        protocol=data.protocol,
        # A VXP system proves its secret by HMAC (so it is kept sealed); a VXP axis never calls us.
        secret_digest=peer_secret_digest(secret)
        if data.protocol == FederationPeer.Protocol.TINHSO
        else NO_SECRET_DIGEST,
        vxp_secret=seal(secret.encode()) if vxp_system else "",
        base_url=base_url,
        remote_system_id=remote_system_id,
        remote_secret=seal(remote_secret.encode()),
        trust_roots=_pem_certificates(data.trust_roots, _("Chứng thư gốc ký số")),
        tls_ca=_pem_certificates(data.tls_ca, _("Chứng thư TLS")),
        mode=mode,
        org_patterns=org_patterns_clean(data.org_patterns),
    )
    with in_public():
        if FederationPeer.objects.filter(system_id=system_id).exists():
            raise ApplicationError(_("Mã hệ thống %s đã được dùng.") % system_id)
        try:
            with transaction.atomic():
                peer.full_clean()
                peer.save()
                audit_record(
                    actor=actor,
                    action="hub.peer_create",
                    target=peer,
                    base_url=peer.base_url,
                    protocol=peer.protocol,
                )
        except IntegrityError as exc:
            raise ApplicationError(_("Mã hệ thống %s đã được dùng.") % system_id) from exc
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages)) from exc
    return peer, secret if data.protocol != FederationPeer.Protocol.VXP_AXIS else ""


def peer_list() -> list[FederationPeer]:
    with in_public():
        return list(FederationPeer.objects.order_by("system_id"))


# --- inbound: a peer pushes a packet -----------------------------------------------------------


def packet_take(
    *, peer: FederationPeer, content: bytes, packet_id: str, sha256: str, message_type: str
) -> tuple[HubPacket, bool]:
    """A packet a peer posted: check id, type and hash, then hand it to the hub. Returns it and
    whether it is new (False: the same packet id again, nothing changes)."""
    try:
        parsed_id = uuid.UUID(packet_id)
    except ValueError as exc:
        raise FederationError(_("X-Packet-Id phải là một UUID."), code="bad_packet_id") from exc
    if message_type not in MESSAGE_TYPES:
        raise FederationError(_("X-Message-Type phải là edoc hoặc status."), code="bad_message_type")
    actual = hashlib.sha256(content).hexdigest()
    if not hmac.compare_digest(actual, (sha256 or "").strip().lower()):
        raise FederationError(
            _("Mã băm SHA-256 của gói tin không khớp với X-Content-SHA256 (nhận được %s).") % actual,
            code="hash_mismatch",
        )
    with in_public(), transaction.atomic():
        existed = HubPacket.objects.filter(packet_id=parsed_id).exists()
        packet = packet_accept(
            content=content, packet_id=parsed_id, source=f"peer:{peer.system_id}", peer=peer
        )
        # A replay (these bytes under another packet id) is answered as the packet first taken.
        existed = existed or packet.packet_id != parsed_id
        if packet.kind != message_type:  # rolls the new packet back
            raise PacketRefused(
                _("X-Message-Type là %(said)s nhưng gói tin là %(kind)s.")
                % {"said": message_type, "kind": packet.kind}
            )
    return packet, not existed


# --- the pull model: what waits here for a peer -------------------------------------------------


def _peer_deliveries(peer: FederationPeer) -> QuerySet[HubDelivery]:
    """Deliveries to organisations reached through this peer (their hub_url is its base_url)."""
    codes = Organisation.objects.filter(kind=Organisation.Kind.EXTERNAL, hub_url=peer.base_url).values(
        "org_code"
    )
    return HubDelivery.objects.filter(target=HubDelivery.Target.PEER, recipient_code__in=codes)


def peer_packets_waiting(*, peer: FederationPeer, limit: int = 100) -> list[dict[str, Any]]:
    """Packets with a pending delivery to this peer, oldest first, one entry per packet."""
    limit = max(1, min(limit, MAX_LIST))
    with in_public():
        rows = (
            _peer_deliveries(peer)
            .filter(state=HubDelivery.State.PENDING)
            .select_related("packet")
            .defer("packet__content")
            .order_by("id")
        )
        listed: dict[uuid.UUID, dict[str, Any]] = {}
        for delivery in rows.iterator(chunk_size=200):
            packet = delivery.packet
            entry = listed.get(packet.packet_id)
            if entry is None:
                if len(listed) >= limit:
                    break
                entry = listed[packet.packet_id] = {
                    "packet_id": str(packet.packet_id),
                    "message_type": packet.kind,
                    "document_id": packet.document_id,
                    "sender_code": packet.sender_code,
                    "recipient_codes": [],
                    "sha256": packet.sha256,
                    "size": packet.size,
                    "received_at": packet.received_at.isoformat(),
                }
            entry["recipient_codes"].append(delivery.recipient_code)
    return list(listed.values())


def peer_packet_get(*, peer: FederationPeer, packet_id: uuid.UUID) -> HubPacket:
    """A packet with a delivery (in any state) to this peer; any other is a 404."""
    with in_public():
        packet = HubPacket.objects.filter(
            packet_id=packet_id, pk__in=_peer_deliveries(peer).values("packet_id")
        ).first()
    if packet is None:
        raise FederationError(
            _("Không có gói tin %s cho hệ thống này.") % packet_id, code="not_found", status=404
        )
    return packet


def peer_packet_ack(*, peer: FederationPeer, packet_id: uuid.UUID, status: str, reason: str = "") -> str:
    """The peer's answer about a packet it fetched: done (delivered), fail (a failed try, retried or
    dead like any other), processing (nothing changes). Returns the deliveries' state; repeating a
    done changes nothing."""
    if status not in ACK_STATUSES:
        raise FederationError(_("Trạng thái phải là done, fail hoặc processing."), code="bad_status")
    reason = (reason or "").strip()[:2000]
    with in_public(), transaction.atomic():
        deliveries = list(
            _peer_deliveries(peer)
            .select_for_update()
            .filter(packet__packet_id=packet_id)
            .order_by("id")  # several rows: locked in primary-key order
        )
        if not deliveries:
            raise FederationError(
                _("Không có gói tin %s cho hệ thống này.") % packet_id, code="not_found", status=404
            )
        now = timezone.now()
        for delivery in deliveries:
            if delivery.state != HubDelivery.State.PENDING or status == "processing":
                continue
            delivery.attempts += 1
            if status == "done":
                delivery.state = HubDelivery.State.DELIVERED
                delivery.delivered_at = now
                delivery.last_error = ""
                HubAttempt.objects.create(
                    delivery=delivery, ok=True, outcome=f"acknowledged by {peer.system_id}"
                )
            else:
                message = _("%(peer)s báo lỗi: %(reason)s") % {
                    "peer": peer.system_id,
                    "reason": reason or _("không rõ lý do"),
                }
                if delivery.attempts >= max_attempts():
                    delivery.state = HubDelivery.State.DEAD
                else:
                    delivery.next_attempt_at = now + backoff(delivery.attempts)
                delivery.last_error = message
                HubAttempt.objects.create(delivery=delivery, ok=False, outcome=message[:255])
            delivery.save(
                update_fields=["state", "attempts", "next_attempt_at", "delivered_at", "last_error"]
            )
        states = {delivery.state for delivery in deliveries}
    for state in (HubDelivery.State.PENDING, HubDelivery.State.DEAD, HubDelivery.State.DELIVERED):
        if state in states:
            return str(state)
    return str(HubDelivery.State.DELIVERED)


# --- peers: the operator's changes (console page, each audited) ---------------------------------

_ORG_PATTERN = re.compile(r"^[A-Za-z0-9._\-*?]{1,64}$")


def org_patterns_clean(text: str) -> str:
    """The organisation codes a peer may speak for: one shell-style pattern per line (`*.H22`,
    `vxp.saas.*`), blank lines dropped, duplicates once, in the order given."""
    patterns: list[str] = []
    for line in (text or "").splitlines():
        pattern = line.strip()
        if not pattern:
            continue
        if not _ORG_PATTERN.match(pattern):
            raise ApplicationError(
                _("Mẫu mã cơ quan “%s” không hợp lệ: chỉ dùng chữ, số, dấu chấm, gạch ngang, * và ?.")
                % pattern[:80]
            )
        if pattern.strip("*?.") == "":
            raise ApplicationError(
                _("Mẫu “%s” khớp với mọi mã cơ quan; hãy ghi rõ các mã trục này được đại diện.") % pattern
            )
        if pattern.lower() not in (p.lower() for p in patterns):
            patterns.append(pattern)
    return "\n".join(patterns)


@dataclass(frozen=True)
class PeerChanges:
    """What the operator may change about a peer besides its secrets and trust roots."""

    name: str
    base_url: str
    remote_system_id: str
    mode: str
    org_patterns: str
    tls_ca: str

    @classmethod
    def of(cls, peer: FederationPeer) -> PeerChanges:
        """The peer as it is now, in these terms."""
        return cls(**{name: getattr(peer, name) for name in cls.__dataclass_fields__})


def _peer_locked(peer_id: int) -> FederationPeer:
    peer = FederationPeer.objects.select_for_update().filter(pk=peer_id).first()
    if peer is None:
        raise ApplicationError(_("Không tìm thấy trục liên thông này."), code="not_found", status=404)
    return peer


def peer_update(*, actor: Actor, peer_id: int, changes: PeerChanges) -> FederationPeer:
    require_actor(actor, "interagency.manage")
    if changes.mode not in FederationPeer.Mode.values:
        raise ApplicationError(_("Cách chuyển “%s” không hợp lệ (push hoặc pull).") % changes.mode)
    if not changes.remote_system_id.strip():
        raise ApplicationError(_("Cần mã hệ thống của tỉnh mình tại trục bên kia."))
    base_url = base_url_normal(changes.base_url)
    tls_ca = _pem_certificates(changes.tls_ca, _("Chứng thư TLS"))
    patterns = org_patterns_clean(changes.org_patterns)
    with in_public(), transaction.atomic():
        peer = _peer_locked(peer_id)
        before = asdict(PeerChanges.of(peer))
        peer.name = changes.name.strip() or peer.system_id
        peer.base_url = base_url
        peer.remote_system_id = changes.remote_system_id.strip()
        # A VXP system only ever pulls from us, and we only ever send to a VXP axis.
        peer.mode = {
            FederationPeer.Protocol.VXP_SYSTEM: FederationPeer.Mode.PULL,
            FederationPeer.Protocol.VXP_AXIS: FederationPeer.Mode.PUSH,
        }.get(FederationPeer.Protocol(peer.protocol), changes.mode)
        peer.org_patterns = patterns
        peer.tls_ca = tls_ca
        changed = sorted(key for key, value in before.items() if getattr(peer, key) != value)
        if not changed:
            return peer
        peer.full_clean()
        peer.save(update_fields=changed)
        audit_record(
            actor=actor,
            action="hub.peer_update",
            target=peer,
            changed=changed,
            **{key: getattr(peer, key) for key in changed if key != "tls_ca"},
        )
    return peer


def _peer_set_active(actor: Actor, peer_id: int, active: bool) -> FederationPeer:
    require_actor(actor, "interagency.manage")
    with in_public(), transaction.atomic():
        peer = _peer_locked(peer_id)
        if peer.is_active == active:
            return peer  # pausing a paused peer again changes nothing
        peer.is_active = active
        peer.save(update_fields=["is_active"])
        audit_record(actor=actor, action="hub.peer_resume" if active else "hub.peer_pause", target=peer)
    return peer


def peer_pause(*, actor: Actor, peer_id: int) -> FederationPeer:
    """Stop exchanging with a peer: its calls get 403, deliveries to it wait untried (until
    `peer_resume`), nothing is pulled from it."""
    return _peer_set_active(actor, peer_id, False)


def peer_resume(*, actor: Actor, peer_id: int) -> FederationPeer:
    return _peer_set_active(actor, peer_id, True)


def peer_secret_rotate(*, actor: Actor, peer_id: int) -> tuple[FederationPeer, str]:
    """A new inbound secret for the peer (returned once, kept only hashed); the old one stops working."""
    require_actor(actor, "interagency.manage")
    secret = secrets.token_urlsafe(32)
    with in_public(), transaction.atomic():
        peer = _peer_locked(peer_id)
        if peer.protocol == FederationPeer.Protocol.VXP_AXIS:
            raise ApplicationError(_("Trục VXP không gọi tới tỉnh: không có khóa bí mật nào để đổi."))
        if peer.protocol == FederationPeer.Protocol.VXP_SYSTEM:
            peer.vxp_secret = seal(secret.encode())
        else:
            peer.secret_digest = peer_secret_digest(secret)
        peer.secret_rotated_at = timezone.now()
        peer.save(update_fields=["secret_digest", "vxp_secret", "secret_rotated_at"])
        audit_record(actor=actor, action="hub.peer_secret_rotate", target=peer)
    return peer, secret


def peer_remote_secret_set(*, actor: Actor, peer_id: int, remote_secret: str) -> FederationPeer:
    """The secret we send when we call the peer (their side rotated it), kept sealed."""
    require_actor(actor, "interagency.manage")
    if len(remote_secret) < 16 or remote_secret != remote_secret.strip():
        raise ApplicationError(_("Khóa bí mật cần ít nhất 16 ký tự, không có khoảng trắng ở đầu hay cuối."))
    with in_public(), transaction.atomic():
        peer = _peer_locked(peer_id)
        peer.remote_secret = seal(remote_secret.encode())
        peer.save(update_fields=["remote_secret"])
        audit_record(actor=actor, action="hub.peer_remote_secret_set", target=peer)
    return peer


def peer_trust_roots_replace(*, actor: Actor, peer_id: int, trust_roots: str) -> FederationPeer:
    """Replace the certificates the peer's packets must chain to (never empty: a peer without trust
    roots could sign for anyone)."""
    require_actor(actor, "interagency.manage")
    roots = _pem_certificates(trust_roots, _("Chứng thư gốc ký số"))
    if not roots:
        raise ApplicationError(_("Cần ít nhất một chứng thư gốc ký số (PEM) của trục bên kia."))
    with in_public(), transaction.atomic():
        peer = _peer_locked(peer_id)
        if peer.trust_roots == roots:
            return peer
        peer.trust_roots = roots
        peer.save(update_fields=["trust_roots"])
        audit_record(
            actor=actor,
            action="hub.peer_trust_roots_replace",
            target=peer,
            fingerprints=[summary["fingerprint"] for summary in certificate_summaries(roots)],
        )
    return peer


def certificate_summaries(bundle: str) -> list[dict[str, Any]]:
    """Each certificate of a PEM bundle as the console shows and the audit keeps it: subject,
    issuer, expiry and SHA-256 fingerprint."""
    summaries: list[dict[str, Any]] = []
    for pem in split_pem(bundle):
        try:
            certificate = x509.load_pem_x509_certificate(pem.encode())
        except ValueError:
            summaries.append(
                {"subject": _("(không đọc được)"), "issuer": "", "not_after": None, "fingerprint": ""}
            )
            continue
        summaries.append(
            {
                "subject": certificate.subject.rfc4514_string(),
                "issuer": certificate.issuer.rfc4514_string(),
                "not_after": certificate.not_valid_after_utc,
                "fingerprint": certificate.fingerprint(hashes.SHA256()).hex(),
            }
        )
    return summaries
