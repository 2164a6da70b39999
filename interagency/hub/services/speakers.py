"""Who may say what through the hub (public schema), asked by `packet_accept` once the signature
is known to be good.

- A peer speaks only for the organisation codes its `org_patterns` match, and never for the
  province's own agencies (a tenant, a directory organisation of kind tenant, the province).
- A standard DocumentId starts with its sender's OrganId: nobody sends under another's.
- A revoke, update or replace request, and a status, is honoured only from the one who may send
  it (the document's original sender; for a status, an organisation the document was sent to),
  through the route the document came by.

Each check returns why it refuses, or "" when the packet may pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.utils.translation import gettext as _

from interagency.edxml.codes import InvalidOrgCode, org_code_normal, same_org_code
from interagency.edxml.packets import DocumentPacket, Packet, StatusPacket
from interagency.hub.models import FederationPeer, HubDelivery, HubPacket, Organisation
from tenants.models import Tenant

# Statuses a document's sender sends about it; every other status comes from a recipient.
SENDER_STATUSES = ("13",)
NEW_DOCUMENT = (0, 3)


def is_province_agency(code: str) -> bool:
    """Whether `code` names one of ours: a tenant (the province included) or a directory tenant."""
    code = code.strip()
    return (
        Tenant.objects.filter(org_code__iexact=code).exists()
        or Organisation.objects.filter(kind=Organisation.Kind.TENANT, org_code__iexact=code).exists()
    )


def peer_patterns(peer: FederationPeer) -> list[str]:
    lines = (line.strip() for line in (peer.org_patterns or "").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _patterns_match(peer: FederationPeer, code: str) -> bool:
    """Shell-style patterns, case-insensitive."""
    folded = code.strip().casefold()
    return any(fnmatchcase(folded, pattern.casefold()) for pattern in peer_patterns(peer))


def peer_problem(peer: FederationPeer, sender: str) -> str:
    """Why this peer may not speak for `sender`: our own agencies never, whatever its patterns say."""
    if is_province_agency(sender):
        return _(
            "Trục %(peer)s không được gửi thay cơ quan trong tỉnh %(code)s: văn bản của cơ quan này "
            "chỉ đi từ chính hệ thống của tỉnh."
        ) % {"peer": peer.system_id, "code": sender}
    if not _patterns_match(peer, sender):
        return _("Trục %(peer)s không được gửi thay cơ quan %(code)s (ngoài các mã được giao cho trục).") % {
            "peer": peer.system_id,
            "code": sender,
        }
    return ""


def _standard(code: str) -> str:
    try:
        return org_code_normal(code)
    except InvalidOrgCode:
        return ""


def _owned_by(document_id: str, sender: str) -> bool:
    """Whether a DocumentId may be the sender's: one that starts with a standard OrganId must
    start with the sender's (or a short form of it, "15.H21" for "000.00.15.H21")."""
    head, comma, _rest = document_id.partition(",")
    owner = _standard(head) if comma else ""
    if not owner:
        return True  # no standard owner to compare (another scheme's id): the hub keys it per sender
    code = _standard(sender) or sender.strip().upper()
    return owner == code or code.endswith(f".{owner}") or owner.endswith(f".{code}")


@dataclass
class _Known:
    """What the checks of a relay's batch read, fetched for all its packets at once (`known_for`)."""

    originals: dict[str, list[HubPacket]]
    deliveries: dict[str, list[tuple[str, str, str]]]


_known: ContextVar[_Known | None] = ContextVar("speakers_known", default=None)


def _originals_of(document_ids: Iterable[str]) -> dict[str, list[HubPacket]]:
    found: dict[str, list[HubPacket]] = {document_id: [] for document_id in document_ids}
    rows = (
        HubPacket.objects.filter(
            kind=HubPacket.Kind.EDOC, business__in=NEW_DOCUMENT, document_id__in=list(found)
        )
        .only("id", "document_id", "sender_code", "source", "recipient_codes", "sha256")
        .order_by("id")
    )
    for row in rows:
        found[row.document_id].append(row)
    return found


def _deliveries_of(document_ids: Iterable[str]) -> dict[str, list[tuple[str, str, str]]]:
    """Each delivery of an original under these DocumentIds: (its sender, recipient, target).
    (By the delivery's own copy of the DocumentId, which is indexed.)"""
    found: dict[str, list[tuple[str, str, str]]] = {document_id: [] for document_id in document_ids}
    rows = HubDelivery.objects.filter(
        document_id__in=list(found), packet__kind=HubPacket.Kind.EDOC, packet__business__in=NEW_DOCUMENT
    ).values_list("document_id", "packet__sender_code", "recipient_code", "target")
    for document_id, sender, recipient, target in rows:
        found[document_id].append((sender, recipient, target))
    return found


@contextmanager
def known_for(packets: Iterable[Packet]) -> Iterator[None]:
    """Within it, the checks of these packets read what they need from two queries made here for
    all of them (a relay's batch: 20 packets, 2 queries instead of up to 20). What the batch
    itself records is not seen, as before: the checks run before anything is recorded."""
    originals: set[str] = set()
    deliveries: set[str] = set()
    for packet in packets:
        if isinstance(packet, StatusPacket):
            (originals if packet.status_code in SENDER_STATUSES else deliveries).add(packet.document_id)
        elif isinstance(packet, DocumentPacket):
            originals.add(packet.document_id)
            originals.add(packet.business_document_id or packet.document_id)
            originals.update(replaced.document_id for replaced in packet.replacements)
    token = _known.set(
        _Known(
            _originals_of(originals) if originals else {}, _deliveries_of(deliveries) if deliveries else {}
        )
    )
    try:
        yield
    finally:
        _known.reset(token)


def _originals(document_id: str) -> list[HubPacket]:
    """The new-document packets the hub carried under this DocumentId (any sender), oldest first."""
    known = _known.get()
    if known is not None and document_id in known.originals:
        return known.originals[document_id]
    return _originals_of([document_id])[document_id]


def _deliveries(document_id: str) -> list[tuple[str, str, str]]:
    known = _known.get()
    if known is not None and document_id in known.deliveries:
        return known.deliveries[document_id]
    return _deliveries_of([document_id])[document_id]


def _from_its_sender(document_id: str, sender: str, source: str) -> str:
    originals = [p for p in _originals(document_id) if same_org_code(p.sender_code, sender)]
    if not originals:
        return _(
            "Đề nghị về văn bản %(id)s chỉ được nhận từ chính cơ quan đã gửi văn bản đó; "
            "trục không có văn bản này từ %(sender)s."
        ) % {"id": document_id, "sender": sender}
    if not any(original.source == source for original in originals):
        return _(
            "Đề nghị về văn bản %(id)s phải đi theo đường văn bản đã đến (%(route)s), không qua %(source)s."
        ) % {"id": document_id, "route": originals[0].source, "source": source}
    return ""


def _status_problem(packet: StatusPacket, sender: str, source: str) -> str:
    document_id = packet.document_id
    if packet.status_code in SENDER_STATUSES:
        return _from_its_sender(document_id, sender, source)
    for original_sender, recipient, target in _deliveries(document_id):
        if not same_org_code(original_sender, packet.response_for.organ_id) or not same_org_code(
            recipient, sender
        ):
            continue
        if source.startswith("peer:" if target == HubDelivery.Target.PEER else "tenant:"):
            return ""
    return _(
        "Trạng thái về văn bản %(id)s chỉ được nhận từ cơ quan đã nhận văn bản đó, qua đường văn bản "
        "đã đi; %(sender)s không phải là nơi nhận."
    ) % {"id": document_id, "sender": sender}


def _document_problem(packet: DocumentPacket, sender: str, source: str) -> str:
    business = packet.business_doc_type
    named = [packet.document_id]
    if business in (1, 2):
        named.append(packet.business_document_id or packet.document_id)
    for document_id in named:
        if document_id and not _owned_by(document_id, sender):
            return _("Mã văn bản %(id)s thuộc cơ quan khác, không phải bên gửi %(sender)s.") % {
                "id": document_id,
                "sender": sender,
            }
    if business in (1, 2):
        return _from_its_sender(packet.business_document_id or packet.document_id, sender, source)
    if business == 3:
        for replaced in packet.replacements:
            if not _owned_by(replaced.document_id, sender):
                return _("Văn bản thay thế không được nêu văn bản %(id)s của cơ quan khác.") % {
                    "id": replaced.document_id
                }
            if _originals(replaced.document_id):
                problem = _from_its_sender(replaced.document_id, sender, source)
                if problem:
                    return problem
    return ""


def document_id_taken(packet: Packet, *, sender: str, recipients: list[str], sha256: str) -> str:
    """A DocumentId is unique per sender: the same sender may not send another new document under
    an id it already used to the same recipient (the recipient would drop one of the two)."""
    if not isinstance(packet, DocumentPacket) or packet.business_doc_type not in NEW_DOCUMENT:
        return ""
    for original in _originals(packet.document_id):
        if original.sha256 == sha256 or not same_org_code(original.sender_code, sender):
            continue
        shared = [
            code for code in recipients if any(same_org_code(code, c) for c in original.recipient_codes)
        ]
        if shared:
            return _(
                "Mã văn bản %(id)s đã được %(sender)s dùng cho một văn bản khác gửi %(to)s; "
                "văn bản mới cần mã mới (hoặc gửi dưới dạng cập nhật, thay thế)."
            ) % {"id": packet.document_id, "sender": sender, "to": ", ".join(shared)}
    return ""


def packet_problem(packet: Packet, *, sender: str, source: str, peer: FederationPeer | None) -> str:
    """Why the hub must not take this (signed, verified) packet from this source, or ""."""
    if peer is not None:
        problem = peer_problem(peer, sender)
        if problem:
            return problem
    if isinstance(packet, StatusPacket):
        return _status_problem(packet, sender, source)
    return _document_problem(packet, sender, source)
