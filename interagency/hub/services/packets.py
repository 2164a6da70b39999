"""The hub takes a packet in: `packet_accept` records it once per packet id (with its hash, signature
check and trace) and one `HubDelivery` per recipient, from an agency's relay or another hub."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.blobs import bulk_create_large
from core.errors import ApplicationError
from core.locks import lock_many_for_transaction
from interagency.edxml.codes import same_org_code
from interagency.edxml.packets import AttachmentBudget, DocumentPacket, EdxmlError, Packet, StatusPacket
from interagency.edxml.reader import parse_known, read_attachments
from interagency.edxml.signatures import signer_check, verify_packet
from interagency.hub.deviations import attachment_warning
from interagency.hub.models import FederationPeer, HubDelivery, HubPacket
from interagency.hub.services.authority import split_pem, trust_roots
from interagency.hub.services.queue import deliver_soon
from interagency.hub.services.routing import Route, routes_for
from interagency.hub.services.speakers import document_id_taken, known_for, packet_problem


class PacketRefused(ApplicationError):
    """The hub will not take this packet (bad signature, wrong sender, malformed): a 4xx."""

    def __init__(self, message: str, *, errors: list[str] | None = None) -> None:
        super().__init__(message, code="packet_refused", status=400, extra={"errors": errors or [message]})


def attachment_budget() -> AttachmentBudget:
    """What one packet's attachments may cost, from the settings."""
    return AttachmentBudget(
        max_count=settings.HUB_MAX_ATTACHMENTS,
        max_total_bytes=settings.HUB_MAX_ATTACHMENT_TOTAL_BYTES,
        max_ratio=settings.HUB_MAX_COMPRESSION_RATIO,
    )


def _recipients(packet: Packet) -> list[str]:
    # The reader gives codes as keys (org_code_key): standard ones normalised, others verbatim.
    if isinstance(packet, StatusPacket):
        codes = [packet.response_for.organ_id]
    else:
        codes = [organisation.organ_id for organisation in packet.recipients]
    seen: list[str] = []
    for code in codes:
        if code and not any(same_org_code(code, other) for other in seen):
            seen.append(code)
    return seen


def _check_attachments(content: bytes, packet: Packet) -> list[str]:
    """Read the files only now that the signature is checked, within the budget; the hub keeps
    the packet as it came, so they are read to be bounded, not kept. Returns a warning for each
    file that is not what it claims (kept raw for the clerk)."""
    if not isinstance(packet, DocumentPacket) or not packet.attachments:
        return []
    try:
        files = read_attachments(content, budget=attachment_budget())
    except EdxmlError as exc:
        raise PacketRefused(_("Tệp đính kèm của gói tin vượt giới hạn cho phép."), errors=exc.errors) from exc
    return [
        attachment_warning(index, file.name, file.broken)
        for index, file in enumerate(files, start=1)
        if file.broken
    ]


def _check_signature(
    content: bytes, *, expected_sender: str | None, peer: FederationPeer | None, roots: list[bytes] | None
) -> tuple[str, str, str]:
    """(state, signer's subject, certificate fingerprint) of a valid signature, or PacketRefused."""
    if peer is not None:
        roots = [root.encode() for root in split_pem(peer.trust_roots)]
        if not roots:
            raise PacketRefused(
                _(
                    "Trục %s chưa có chứng thư gốc ký số: không nhận gói tin nào từ trục này cho đến khi "
                    "được cấu hình."
                )
                % peer.system_id
            )
    check = verify_packet(
        content,
        trust_roots_pem=roots if roots is not None else trust_roots(),
        expected_org_code=expected_sender,
    )
    if check.state != "valid":
        raise PacketRefused(_("Chữ ký số của gói tin không hợp lệ: %s") % check.message)
    return check.state, check.subject, check.fingerprint


@dataclass(frozen=True)
class Built:
    """What one of our agencies' packets was built from in this process, with the certificate of
    the key that has just signed it: the bytes never left the process, so they are not read back
    (parsed, their signature verified, their files decoded) to learn what is already known. A
    packet read back from storage (a retry) or from another hub has no `Built`: it is checked in
    full."""

    packet: Packet  # the writer checked that its bytes read back as exactly this
    certificate: bytes


def _check_signer(certificate: bytes, *, expected_sender: str, roots: list[bytes]) -> tuple[str, str, str]:
    """`_check_signature` for a packet signed here: the signer's certificate must still chain to the
    roots and belong to the sender."""
    check = signer_check(certificate, trust_roots_pem=roots, expected_org_code=expected_sender)
    if check.state != "valid":
        raise PacketRefused(_("Chữ ký số của gói tin không hợp lệ: %s") % check.message)
    return check.state, check.subject, check.fingerprint


def _check_own_attachments(packet: Packet) -> list[str]:
    """The budget, for files we zipped ourselves (none is broken): counted and measured as they
    are, nothing decoded."""
    if not isinstance(packet, DocumentPacket) or not packet.attachments:
        return []
    budget = attachment_budget()
    total = sum(len(attachment.data) for attachment in packet.attachments)
    if len(packet.attachments) > budget.max_count or total > budget.max_total_bytes:
        raise PacketRefused(
            _("Tệp đính kèm của gói tin vượt giới hạn cho phép."),
            errors=[
                f"R.AttachmentEncoded: {len(packet.attachments)} tệp, {total} byte; tối đa "
                f"{budget.max_count} tệp, {budget.max_total_bytes} byte (too large)"
            ],
        )
    return []


def _header_or_none(content: bytes) -> Packet | None:
    try:
        return parse_known(content, budget=attachment_budget())
    except EdxmlError:
        return None  # its own checks refuse it


def _known(packet_id: uuid.UUID, digest: str) -> HubPacket | None:
    """The packet already taken under this id (other bytes under it are refused), else the one
    first taken with these exact bytes under any id (a replay): one query for both."""
    rows = list(
        HubPacket.objects.defer("content").filter(Q(packet_id=packet_id) | Q(sha256=digest)).order_by("id")
    )
    return _known_among(rows, packet_id, digest)


def _known_among(rows: list[HubPacket], packet_id: uuid.UUID, digest: str) -> HubPacket | None:
    """`_known` among rows already fetched (oldest first)."""
    for row in rows:
        if str(row.packet_id) == str(packet_id):
            if row.sha256 != digest:
                raise PacketRefused(_("Mã gói tin %s đã được dùng cho một gói tin khác.") % packet_id)
            return row
    return next((row for row in rows if row.sha256 == digest), None)


@dataclass(frozen=True)
class _Vetted:
    """A packet that passed every check and may be recorded."""

    packet_id: uuid.UUID
    content: bytes
    digest: str
    source: str
    packet: Packet
    sender: str
    signature: tuple[str, str, str]
    recipients: list[str]
    routes: list[Route]
    broken: list[str]


def _vet(
    *,
    content: bytes,
    packet_id: uuid.UUID,
    digest: str,
    source: str,
    expected_sender: str | None,
    peer: FederationPeer | None,
    roots: list[bytes] | None,
    routes_known: dict[str, Route] | None = None,
    built: Built | None = None,
) -> _Vetted:
    """Every check a packet must pass, or PacketRefused; nothing is written."""
    # The order matters: the header only (nothing decoded), then the signature, then the files.
    try:
        packet = built.packet if built else parse_known(content, budget=attachment_budget())
    except EdxmlError as exc:
        raise PacketRefused(_("Gói tin edXML không hợp lệ."), errors=exc.errors) from exc
    sender = packet.sender.organ_id
    if expected_sender is not None and not same_org_code(sender, expected_sender):
        raise PacketRefused(
            _("Gói tin ghi bên gửi %(sender)s, nhưng được gửi từ %(source)s.")
            % {"sender": sender, "source": source}
        )
    if built:
        signature = _check_signer(built.certificate, expected_sender=sender, roots=roots or trust_roots())
    else:
        signature = _check_signature(content, expected_sender=sender, peer=peer, roots=roots)
    recipients = _recipients(packet)
    if not recipients:
        raise PacketRefused(_("Gói tin không có nơi nhận."))
    # Who may say what, once the signer is known and before any file is decoded.
    problem = packet_problem(packet, sender=sender, source=source, peer=peer) or document_id_taken(
        packet, sender=sender, recipients=recipients, sha256=digest
    )
    if problem:
        raise PacketRefused(problem)
    broken = _check_own_attachments(packet) if built else _check_attachments(content, packet)
    routes = routes_for(recipients, routes_known)
    if all(route.refused for route in routes):
        raise PacketRefused(" ".join(route.error for route in routes))
    return _Vetted(packet_id, content, digest, source, packet, sender, signature, recipients, routes, broken)


def _record(vetted: list[_Vetted], *, trace: list[dict[str, Any]] | None) -> list[HubPacket | PacketRefused]:
    """Record vetted packets and their deliveries in a few statements for all of them; a packet id
    or bytes taken meanwhile answer with the packet already there."""
    now = timezone.now()
    # No savepoint of its own: a caller's failure rolls the caller's unit back, packets included.
    with transaction.atomic(savepoint=False):
        lock_many_for_transaction("hub.packet", [v.digest for v in vetted])  # same bytes: one packet
        known = list(
            HubPacket.objects.defer("content")
            .filter(Q(packet_id__in=[v.packet_id for v in vetted]) | Q(sha256__in=[v.digest for v in vetted]))
            .order_by("id")
        )
        outcomes: list[HubPacket | PacketRefused | None] = []
        for v in vetted:
            try:
                outcomes.append(_known_among(known, v.packet_id, v.digest))
            except PacketRefused as exc:
                outcomes.append(exc)
        new = [
            HubPacket(
                packet_id=v.packet_id,
                kind=HubPacket.Kind.STATUS if isinstance(v.packet, StatusPacket) else HubPacket.Kind.EDOC,
                business=None if isinstance(v.packet, StatusPacket) else v.packet.business_doc_type,
                status_code=v.packet.status_code if isinstance(v.packet, StatusPacket) else "",
                document_id=v.packet.document_id[:255],
                sender_code=v.sender,
                recipient_codes=v.recipients,
                source=v.source[:80],
                content=v.content,
                size=len(v.content),
                sha256=v.digest,
                signature=v.signature[0],
                signer=v.signature[1][:255],
                signer_fingerprint=v.signature[2],
                trace=[*(trace or []), {"by": v.source, "at": now.isoformat()}],
                warnings=[*v.packet.warnings, *v.broken],
            )
            for v, outcome in zip(vetted, outcomes, strict=True)
            if outcome is None
        ]
        bulk_create_large(HubPacket, new)
        routes = {v.packet_id: v.routes for v in vetted}
        HubDelivery.objects.bulk_create(
            [
                HubDelivery(
                    packet=record,
                    recipient_code=route.code,
                    document_id=record.document_id,
                    target=route.target,
                    state=HubDelivery.State.DEAD if route.error else HubDelivery.State.PENDING,
                    last_error=route.error,
                    next_attempt_at=now,
                )
                for record in new
                for route in routes[record.packet_id]
            ],
            ignore_conflicts=True,
        )
        if new:
            transaction.on_commit(deliver_soon)
    made = iter(new)
    return [outcome if outcome is not None else next(made) for outcome in outcomes]


def packet_accept(
    *,
    content: bytes,
    packet_id: uuid.UUID,
    source: str,
    expected_sender: str | None = None,
    peer: FederationPeer | None = None,
    trace: list[dict[str, Any]] | None = None,
    roots: list[bytes] | None = None,
) -> HubPacket:
    """Record a packet and its deliveries (public schema, inside the caller's transaction or its
    own). The same packet id again returns the stored packet; other bytes under it are refused. The
    same bytes under another packet id (a replay) return the packet first taken with them.
    `roots`: the province's trust roots when the caller already has them."""
    digest = hashlib.sha256(content).hexdigest()
    known = _known(packet_id, digest)
    if known is not None:
        return known
    vetted = _vet(
        content=content,
        packet_id=packet_id,
        digest=digest,
        source=source,
        expected_sender=expected_sender,
        peer=peer,
        roots=roots,
    )
    outcome = _record([vetted], trace=trace)[0]
    if isinstance(outcome, PacketRefused):
        raise outcome
    return outcome


@dataclass(frozen=True)
class Handed:
    """A packet one of our agencies has just built and signed, as its relay hands it in."""

    content: bytes
    packet_id: uuid.UUID
    source: str  # "tenant:<schema>"
    expected_sender: str  # the agency's own code: the packet must say it comes from there
    built: Built | None = None  # when built in this process now (not read back from storage)


def packets_accept(*, packets: list[Handed], roots: list[bytes]) -> list[HubPacket | PacketRefused]:
    """A relay's batch from our agencies (one or several), packets just built and signed under new
    ids: each is checked on its own (a refusal is that packet's outcome, nothing of it written),
    and those that pass are recorded together. Returns each packet's outcome, in order."""
    outcomes: list[HubPacket | PacketRefused | _Vetted] = []
    # What the checks read is fetched for the whole batch first (routes, originals, deliveries):
    # a few queries instead of a few per packet. The headers are read here, and again (from
    # parse_known's memory) by each packet's checks, which alone decide its outcome.
    headers = [handed.built.packet if handed.built else _header_or_none(handed.content) for handed in packets]
    routes_known: dict[str, Route] = {}
    addressees = {code for packet in headers if packet is not None for code in _recipients(packet)}
    routes_for(sorted(addressees), routes_known)
    with known_for(packet for packet in headers if packet is not None):
        for handed in packets:
            try:
                outcomes.append(
                    _vet(
                        content=handed.content,
                        packet_id=handed.packet_id,
                        digest=hashlib.sha256(handed.content).hexdigest(),
                        source=handed.source,
                        expected_sender=handed.expected_sender,
                        peer=None,
                        roots=roots,
                        routes_known=routes_known,
                        built=handed.built,
                    )
                )
            except PacketRefused as exc:
                outcomes.append(exc)
            except EdxmlError as exc:
                outcomes.append(PacketRefused(_("Gói tin edXML không hợp lệ."), errors=exc.errors))
    vetted = [outcome for outcome in outcomes if isinstance(outcome, _Vetted)]
    recorded = iter(_record(vetted, trace=None) if vetted else [])
    return [next(recorded) if isinstance(outcome, _Vetted) else outcome for outcome in outcomes]
