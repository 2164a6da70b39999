"""The relay: builds, signs and hands the agency's waiting outbox entries to the hub.

Each entry is built and signed once (kept, so a retry sends the same bytes) and recorded at the
hub and marked relayed in one transaction, so it is relayed exactly once however often the relay
is interrupted; the hub ignores a packet id it already has.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Q, prefetch_related_objects
from django.utils import timezone
from lxml import etree
from psycopg import sql

from core.blobs import blobs_write
from core.tenancy import in_public, in_schema
from interagency.edxml.codes import VIETNAM_TZ
from interagency.edxml.packets import (
    Attachment,
    DocumentPacket,
    EdxmlError,
    Organisation,
    Packet,
    ReplacementInfo,
    ResponseFor,
    Signer,
    Staff,
    StatusPacket,
)
from interagency.edxml.reader import remember
from interagency.edxml.writer import build
from interagency.exchange.models import OutboxEntry
from interagency.exchange.services.agency import Agency, current_agency
from interagency.exchange.services.keys import signing_hook
from interagency.hub.services.authority import trust_roots
from interagency.hub.services.packets import Built, Handed, PacketRefused, packets_accept
from interagency.hub.services.queue import in_loop, loop_memo, loop_wrote
from qlvbdh import catalogue
from qlvbdh.models import Distribution, Document
from qlvbdh.selectors.attachments import attachment_open, sending_files, sending_prefetch, signed_digests
from tenants.models import Tenant

logger = logging.getLogger(__name__)
# Outbox entries per relay transaction: one switch to the public schema and one UPDATE for them.
RELAY_BATCH = 20
# Agencies whose outboxes one statement looks into (relay_all).
WAITING_CHUNK = 200
# Agencies whose batches one relay transaction takes together (their packets checked and recorded
# at the hub at once); bounded so a transaction's locks and bytes stay small.
AGENCIES_PER_RELAY = 10
PRIORITY: dict[str, int] = {
    catalogue.Urgency.NORMAL: 0,
    catalogue.Urgency.URGENT: 1,
    catalogue.Urgency.VERY_URGENT: 2,
    catalogue.Urgency.FLASH: 3,
}


class SignedFileChanged(Exception):
    """A file's stored bytes are not the ones its signature covered: the packet is not built."""


def _attachments_of(document: Document) -> tuple[Attachment, ...]:
    latest: dict[str, Any] = {}
    for attachment in sending_files(document):
        latest.setdefault(attachment.original_name, attachment)
    signed = signed_digests(document=document)
    files = []
    for number, attachment in enumerate(latest.values(), start=1):
        with attachment_open(attachment=attachment) as handle:
            data = handle.read()
        # Checked at issue too; this closes the window between issue and relay.
        if signed is not None and signed.get(attachment.pk) != hashlib.sha256(data).hexdigest():
            raise SignedFileChanged(f"{attachment.original_name}: not the signed file (SHA-256 differs)")
        files.append(
            Attachment(
                content_id=str(number),
                name=attachment.original_name,
                data=data,
                content_type=attachment.content_type or "application/octet-stream",
            )
        )
    return tuple(files)


def _packet_for(entry: OutboxEntry, agency: Agency) -> Packet:
    sender = Organisation(organ_id=agency.org_code, organ_name=agency.name[:200])
    staff = Staff(staff=str(entry.staff.get("staff", ""))[:100])
    if entry.kind == OutboxEntry.Kind.STATUS:
        organ_id = entry.recipient_codes[0]  # the addressee
        _sender_code, day, code = entry.exchange_id.split(",", 2)
        return StatusPacket(
            sender=sender,
            response_for=ResponseFor(
                organ_id=organ_id,
                document_id=entry.exchange_id,
                code=code,
                promulgation_date=date(*map(int, day.split("/"))),
            ),
            status_code=entry.status_code,
            timestamp=entry.created_at.astimezone(VIETNAM_TZ).replace(microsecond=0),
            staff=staff,
            description=entry.description,
        )
    document = entry.document
    if document is None:
        raise EdxmlError([f"N.Document: outbox entry {entry.packet_id} has no document"])
    fetched = getattr(document, "addressees_fetched", None)  # _batch_take's prefetch
    if fetched is None:
        fetched = Distribution.objects.filter(document=document, unit__isnull=True)
    names = {row.org_code: row.org_name for row in fetched}
    recipients = tuple(
        Organisation(organ_id=code, organ_name=(names.get(code) or "")[:200])
        for code in entry.recipient_codes
    )
    replacements: tuple[ReplacementInfo, ...] = ()
    if entry.business == 3 and entry.description:
        replacements = (
            ReplacementInfo(document_id=entry.description, organ_ids=tuple(entry.recipient_codes)),
        )
    issued: date = document.issued_on or entry.created_at.date()
    return DocumentPacket(
        sender=sender,
        recipients=recipients,
        document_id=entry.exchange_id,
        code_number=document.number,
        code_notation=document.notation,
        promulgation_date=issued,
        subject=document.summary,
        type_name=str(catalogue.DOCUMENT_TYPES.get(document.document_type, ""))[:100],
        signer=Signer(competence=document.signing_authority, full_name=document.signer_name),
        due_date=document.due_date,
        priority=PRIORITY.get(document.urgency, 0),
        promulgation_amount=document.copy_count,
        page_amount=document.page_count,
        business_doc_type=entry.business or 0,
        business_document_id=entry.exchange_id if entry.business else "",
        replacements=replacements,
        attachments=_attachments_of(document),
        trace=((agency.org_code, entry.created_at.astimezone(VIETNAM_TZ).replace(microsecond=0)),),
    )


def _build(
    entry: OutboxEntry, agency: Agency, sign: Callable[[etree._Element], etree._Element] | None = None
) -> bytes:
    return build(_packet_for(entry, agency), sign=sign or signing_hook())


def outbox_relay(*, limit: int = 50, agency: Agency | None = None) -> int:
    """Hand waiting entries of this agency to the hub, oldest first; returns how many went."""
    return outbox_relay_many([agency or current_agency()], limit=limit)


@dataclass
class _Batch:
    """One agency's share of a relay transaction."""

    agency: Agency
    size: int  # how many were asked for
    entries: list[OutboxEntry]
    problems: dict[int, Exception] = field(default_factory=dict)
    # Content made now, to store (a retry's is stored), with what it was made from.
    built: dict[int, Built] = field(default_factory=dict)
    went: int = 0  # how many were relayed


def _earlier_waiting() -> Any:
    # Packets about one document leave in the order they were written, whatever relays run at once:
    # behind the document itself and behind what went earlier to the same addressees. DocumentIds
    # are unique per sender only, so another sender's document under the same id holds nothing up.
    return OutboxEntry.objects.filter(
        exchange_id=OuterRef("exchange_id"), relayed_at__isnull=True, id__lt=OuterRef("id")
    ).filter(Q(kind=OutboxEntry.Kind.EDOC) | Q(recipient_codes=OuterRef("recipient_codes")))


def _batch_take(agency: Agency, size: int, failed: set[int]) -> _Batch | None:
    """Lock (SKIP LOCKED: two relays never take the same one) and build the agency's next waiting
    entries, in its schema; None when it has none."""
    entries = list(
        OutboxEntry.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("document")  # what a document's packet is built from, in the same query
        .filter(relayed_at__isnull=True)
        .exclude(pk__in=failed)
        .exclude(Exists(_earlier_waiting()))
        .order_by("id")[:size]
    )
    if not entries:
        return None
    batch = _Batch(agency, size, entries)
    # What building the documents' packets reads, in a few queries for the batch, not each.
    documents = [entry.document for entry in entries if entry.content is None and entry.document is not None]
    if documents:
        sending_prefetch(documents)
        prefetch_related_objects(
            documents,
            Prefetch(
                "distribution",
                queryset=Distribution.objects.filter(unit__isnull=True),
                to_attr="addressees_fetched",
            ),
        )
    # The agency's key, looked up (or issued) once per batch, outside any entry's savepoint.
    sign = (
        loop_memo(("signing_hook", agency.schema_name), signing_hook)
        if any(entry.content is None for entry in entries)
        else None
    )
    for entry in entries:
        if entry.content is None and sign is not None:
            try:
                packet = _packet_for(entry, agency)
                content = build(packet, sign=sign)
            except (EdxmlError, SignedFileChanged, OSError) as exc:
                batch.problems[entry.pk] = exc
                continue
            entry.content = content
            entry.sha256 = hashlib.sha256(content).hexdigest()
            batch.built[entry.pk] = Built(packet, sign.cert_pem)
            remember(content, packet)  # what its recipients' side reads, if it arrives in this process
    return batch


def _batch_mark(batch: _Batch, now: Any, failed: set[int]) -> int:
    """In the agency's schema: what went marked relayed, what did not kept waiting with its reason.
    Returns how many went."""
    went = []
    for entry in batch.entries:
        problem = batch.problems.get(entry.pk)
        if problem is not None:
            # Not retried in this run: it would fail the same way. Kept waiting and visible, its
            # content unchanged (built again next time).
            OutboxEntry.objects.filter(pk=entry.pk).update(
                attempts=entry.attempts + 1, last_error=str(problem)[:2000]
            )
            logger.warning("hub: outbox entry %s not relayed: %s", entry.packet_id, problem)
            failed.add(entry.pk)
            continue
        entry.relayed_at = now
        entry.attempts += 1
        entry.last_error = ""
        went.append(entry)
    # What they share in one UPDATE; the bytes built now in a second, bound on the server.
    OutboxEntry.objects.filter(pk__in=[entry.pk for entry in went]).update(
        relayed_at=now, attempts=F("attempts") + 1, last_error=""
    )
    blobs_write(
        OutboxEntry,
        ["content", "sha256"],
        {entry.pk: (entry.content, entry.sha256) for entry in went if entry.pk in batch.built},
    )
    return len(went)


def _again(batches: list[_Batch]) -> list[Agency]:
    """The agencies of these batches (each with room left) whose outbox is searched again now."""
    going = []
    for batch in batches:
        if in_loop() and len(batch.entries) < batch.size:
            # The hub's loop looks at it again in its next round, with the others in one
            # statement (relay_all's _waiting), not with a look of its own now that would mostly
            # find nothing: what this batch let through (an entry waiting behind one just
            # relayed) goes then. A batch of which nothing went let nothing through, and its
            # entries would only fail again, round after round: the sweep retries them.
            if batch.went:
                loop_wrote(batch.agency.schema_name)
        else:
            going.append(batch.agency)
    return going


def outbox_relay_many(agencies: Sequence[Agency], *, limit: int = 50) -> int:
    """Hand the waiting entries of these agencies to the hub, each agency's oldest first, at most
    `limit` per agency; returns how many went.

    A transaction at a time takes a batch of each agency that has some: in its schema, lock them,
    build and sign each once (kept, so a retry sends the same bytes); then at the hub, under one
    switch to the public schema, check each packet on its own and record those that pass together;
    then mark them relayed in each schema. A crash anywhere rolls the transaction back; the hub
    ignores a packet id it has. An entry that cannot go waits with its reason; the others still go.
    Several agencies in one transaction share the hub's statements (locks, look-ups, INSERTs):
    as documents trickle in, each recipient's 01 status is its own agency's single entry.
    """
    relayed = 0
    failed: dict[str, set[int]] = {agency.schema_name: set() for agency in agencies}
    taken: dict[str, int] = dict.fromkeys(failed, 0)

    def room(agency: Agency) -> int:
        return limit - taken[agency.schema_name] - len(failed[agency.schema_name])

    going = [agency for agency in agencies if room(agency) > 0]
    while going:
        with transaction.atomic():
            batches = []
            for agency in going:
                with in_schema(agency.schema_name):
                    batch = _batch_take(agency, min(RELAY_BATCH, room(agency)), failed[agency.schema_name])
                if batch is not None:
                    batches.append(batch)
            if not batches:
                break
            ready = [(b, entry) for b in batches for entry in b.entries if entry.pk not in b.problems]
            with in_public():
                # Once for the batch (for the loop, a while): every entry is checked against them.
                roots = loop_memo("trust_roots", trust_roots)
                # Each entry checked on its own (a refusal writes nothing), then recorded together.
                outcomes = packets_accept(
                    packets=[
                        Handed(
                            bytes(entry.content or b""),
                            entry.packet_id,
                            f"tenant:{batch.agency.schema_name}",
                            batch.agency.org_code,
                            batch.built.get(entry.pk),
                        )
                        for batch, entry in ready
                    ],
                    roots=roots,
                )
            for (batch, entry), outcome in zip(ready, outcomes, strict=True):
                if isinstance(outcome, PacketRefused):
                    batch.problems[entry.pk] = outcome
            now = timezone.now()
            for batch in batches:
                schema = batch.agency.schema_name
                with in_schema(schema):
                    batch.went = _batch_mark(batch, now, failed[schema])
                taken[schema] += batch.went
                relayed += batch.went
        going = _again([batch for batch in batches if room(batch.agency) > 0])
    return relayed


def outbox_relay_in(*, schema_name: str) -> int:
    """The relay task's body: relay one agency's outbox, if it is still an active tenant."""
    with in_public():
        if not Tenant.objects.filter(schema_name=schema_name, status=Tenant.Status.ACTIVE).exists():
            return 0  # archived, suspended or gone since the task was queued; the sweep relays it later
    with in_schema(schema_name):
        return outbox_relay()


def relay_all(*, limit_per_tenant: int = 200, schemas: Collection[str] | None = None) -> int:
    """Relay every agency's waiting outbox entries (the sweep after a crash or a broker outage),
    or only those of the agencies in `schemas` (the ones that said they wrote some)."""
    relayed = 0
    if schemas is not None and not schemas:
        return 0
    with in_public():
        active = Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(
            schema_name=settings.PUBLIC_SCHEMA_NAME
        )
        if schemas is not None:
            active = active.filter(schema_name__in=list(schemas))
        agencies = {
            schema: Agency(org_code=org_code, name=name, schema_name=schema)
            for schema, org_code, name in active.values_list("schema_name", "org_code", "name")
        }
    waiting = [agencies[schema] for schema in _waiting(sorted(agencies))]
    for start in range(0, len(waiting), AGENCIES_PER_RELAY):
        relayed += outbox_relay_many(waiting[start : start + AGENCIES_PER_RELAY], limit=limit_per_tenant)
    return relayed


def _waiting(schemas: list[str]) -> list[str]:
    """Those of `schemas` whose outbox holds an entry not yet relayed: one statement per
    WAITING_CHUNK agencies (a sweep of every agency is one or a few round trips, not two each)."""
    table = OutboxEntry._meta.db_table
    found: list[str] = []
    with in_public(), connection.cursor() as cursor:
        for start in range(0, len(schemas), WAITING_CHUNK):
            chunk = schemas[start : start + WAITING_CHUNK]
            query = sql.SQL(" UNION ALL ").join(
                sql.SQL("(SELECT %s WHERE EXISTS (SELECT 1 FROM {} WHERE relayed_at IS NULL))").format(
                    sql.Identifier(schema, table)
                )
                for schema in chunk
            )
            cursor.execute(query.as_string(connection.connection), chunk)
            found.extend(row[0] for row in cursor.fetchall())
    return sorted(found)
