"""Anchors for the audit chains: each schema's chain head, sealed into the province's ledger.

A hash chain alone proves nothing to someone who may rewrite the whole table: deleting the newest
entries, or changing one and recomputing every hash after it, leaves a chain that verifies. So on a
schedule (beat, `audit_anchor_task`) each schema's newest entry is sealed into `AuditAnchor` in the
public schema, signed with the province's key; `ledger_verify` then checks every chain against
its seals. The ledger exports to a file (`manage.py audit anchors export`) kept outside the
database, and `verify` can check against such a file too, so removing seals is found as well.
What changed after the newest seal is not covered: the schedule bounds that window.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction
from django.utils import timezone

from core.audit import audit_verify
from core.locks import lock_for_transaction
from core.models import AuditEntry
from core.tenancy import in_public, in_schema, public_schema_name, tenant_model
from interagency.hub.services.authority import authority_get
from oversight.models import AuditAnchor
from oversight.signing import province_key, province_sign, province_signature_holds

EXPORT_FORMAT = "tinhso-audit-anchors/1"


@dataclass(frozen=True)
class Seal:
    """One seal as the ledger and the exported file both hold it."""

    id: int
    sealed_at: str
    schema: str
    tenant: str | None
    entry: int
    hash: str
    prev: str
    digest: str
    signature: str

    @classmethod
    def of(cls, anchor: AuditAnchor) -> Seal:
        return cls(
            id=anchor.pk,
            sealed_at=anchor.sealed_at.isoformat(),
            schema=anchor.schema,
            tenant=str(anchor.tenant_uuid) if anchor.tenant_uuid else None,
            entry=anchor.entry_id,
            hash=anchor.entry_hash,
            prev=anchor.prev,
            digest=anchor.digest,
            signature=anchor.signature,
        )

    def payload(self) -> bytes:
        return _payload(self.prev, self.sealed_at, self.schema, self.tenant, self.entry, self.hash)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _payload(
    prev: str, sealed_at: str, schema: str, tenant: str | None, entry: int, entry_hash: str
) -> bytes:
    fields = {
        "prev": prev,
        "at": sealed_at,
        "schema": schema,
        "tenant": tenant,
        "entry": entry,
        "hash": entry_hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def _signature_holds(public_key: rsa.RSAPublicKey, seal: Seal) -> bool:
    if not province_signature_holds(seal.payload(), seal.signature, public_key):
        return False
    return hashlib.sha256(seal.payload()).hexdigest() == seal.digest


def _schemas() -> list[tuple[str, str | None]]:
    """(schema, tenant uuid) of the province's own trail and of every agency."""
    model = tenant_model()
    with in_public():
        agencies = (
            model.objects.exclude(schema_name=public_schema_name())
            .order_by("schema_name")
            .values_list("schema_name", "uuid")
        )
        return [(public_schema_name(), None), *((schema, str(uuid)) for schema, uuid in agencies)]


def anchors_seal() -> int:
    """Seal the head of every schema's chain that moved since its last seal. Returns how many.

    Safe to run concurrently and repeatedly: one sealer at a time, and an unchanged head is not
    sealed again. Costs one query per schema; audit_record is untouched.
    """
    heads = []
    for schema, tenant in _schemas():
        with in_schema(schema):
            head = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
        if head is not None:
            heads.append((schema, tenant, head))
    if not heads:
        return 0
    key = province_key()
    with in_public(), transaction.atomic():
        lock_for_transaction("oversight.auditanchor", "ledger")  # INSERT and SELECT only: no LOCK TABLE
        sealed = {
            schema: (entry_id, entry_hash)
            for schema, entry_id, entry_hash in AuditAnchor.objects.order_by("schema", "-id")
            .distinct("schema")
            .values_list("schema", "entry_id", "entry_hash")
        }
        prev = AuditAnchor.objects.order_by("-id").values_list("digest", flat=True).first() or ""
        now = timezone.now()
        anchors = []
        for schema, tenant, (entry_id, entry_hash) in heads:
            if sealed.get(schema) == (entry_id, entry_hash):
                continue
            payload = _payload(prev, now.isoformat(), schema, tenant, entry_id, entry_hash)
            digest = hashlib.sha256(payload).hexdigest()
            anchors.append(
                AuditAnchor(
                    sealed_at=now,
                    schema=schema,
                    tenant_uuid=tenant,
                    entry_id=entry_id,
                    entry_hash=entry_hash,
                    prev=prev,
                    digest=digest,
                    signature=province_sign(payload, key),
                )
            )
            prev = digest
        AuditAnchor.objects.bulk_create(anchors, batch_size=500)  # ids follow the list: the chain's order
    return len(anchors)


def anchors_export() -> dict[str, Any]:
    """The whole ledger and the certificate that verifies it, as one JSON-ready document."""
    with in_public():
        seals = [Seal.of(anchor).as_json() for anchor in AuditAnchor.objects.order_by("id").iterator()]
        certificate = authority_get().certificate
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "authority_certificate": certificate,
        "anchors": seals,
    }


class ExportError(ValueError):
    """An exported ledger file that cannot be read as one."""


def seals_from_export(document: Any) -> tuple[rsa.RSAPublicKey, list[Seal]]:
    """The seals of an exported file and the public key in it; ExportError when it is not one."""
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ExportError(f"not an exported audit ledger (format {EXPORT_FORMAT} expected)")
    try:
        certificate = x509.load_pem_x509_certificate(str(document["authority_certificate"]).encode())
        public_key = certificate.public_key()
        seals = [Seal(**item) for item in document["anchors"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise ExportError(f"the exported audit ledger is damaged ({exc})") from exc
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise ExportError("the exported audit ledger's certificate holds no RSA key")
    return public_key, seals


@dataclass
class Report:
    """What `ledger_verify` found: per schema its entry count or its problems, and the ledger's own."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    ledger: list[str] = field(default_factory=list)

    def add(self, schema: str, sentence: str) -> None:
        self.problems.setdefault(schema, []).append(sentence)

    @property
    def sentences(self) -> list[str]:
        return [*self.ledger, *(s for sentences in self.problems.values() for s in sentences)]


def _when(seal: Seal) -> str:
    return (
        datetime.fromisoformat(seal.sealed_at)
        .astimezone(timezone.get_current_timezone())
        .strftime("%Y-%m-%d %H:%M:%S")
    )


def _ledger_check(seals: list[Seal], public_key: rsa.RSAPublicKey, report: Report) -> list[Seal]:
    """The ledger's own chain and signatures; returns the seals that hold."""
    holding = []
    prev = ""
    for seal in seals:
        if not _signature_holds(public_key, seal):
            report.ledger.append(
                f"ledger: seal {seal.id} ({seal.schema}, entry {seal.entry}) has a bad signature"
            )
            continue
        if seal.prev != prev:
            report.ledger.append(
                f"ledger: seal {seal.id} ({seal.schema}, entry {seal.entry}) does not follow the seal "
                "before it: seals were removed"
            )
        prev = seal.digest
        holding.append(seal)
    return holding


def _file_check(
    stored: list[Seal],
    kept: tuple[rsa.RSAPublicKey, list[Seal]],
    public_key: rsa.RSAPublicKey,
    report: Report,
) -> list[Seal]:
    """Seals of an exported file that the ledger no longer has; they count as the ledger's own."""
    file_key, file_seals = kept
    if file_key.public_numbers() != public_key.public_numbers():
        report.ledger.append("ledger: the exported file was signed by another key than the province's")
        return []
    digests = {seal.digest for seal in stored}
    missing = []
    for seal in file_seals:
        if seal.digest in digests:
            continue
        if not _signature_holds(file_key, seal):
            report.ledger.append(f"ledger: the exported file's seal {seal.id} has a bad signature")
            continue
        report.ledger.append(
            f"ledger: seal {seal.id} ({seal.schema}, entry {seal.entry}, sealed {_when(seal)}) is in the "
            "exported file but no longer in the ledger: seals were removed"
        )
        missing.append(seal)
    return missing


def ledger_verify(
    schemas: Iterable[str] | None = None, *, kept: tuple[rsa.RSAPublicKey, list[Seal]] | None = None
) -> Report:
    """Check each schema's chain (every link) and its entries against their seals.

    `schemas` None: the province's and every agency's. `kept`: an exported ledger (seals_from_export)
    whose seals count too, so that seals removed from the database are found.
    """
    report = Report()
    every = schemas is None
    known = dict(_schemas())
    with in_public():
        names = dict(tenant_model().objects.values_list("schema_name", "name"))
    targets = list(known) if schemas is None else list(schemas)
    public_key = province_key().public_key()
    with in_public():
        stored = [Seal.of(anchor) for anchor in AuditAnchor.objects.order_by("id").iterator()]
    seals = _ledger_check(stored, public_key, report)
    if kept is not None:
        seals += _file_check(stored, kept, public_key, report)
    by_schema: dict[str, list[Seal]] = {}
    for seal in seals:
        by_schema.setdefault(seal.schema, []).append(seal)
    if every:
        for schema in sorted(set(by_schema) - set(known)):
            report.add(schema, f"schema {schema} has seals in the ledger but no tenant any more")
    for schema in targets:
        who = "the province" if schema == public_schema_name() else f"tenant {names.get(schema, schema)}"
        with in_schema(schema):
            first_bad = audit_verify()
            report.counts[schema] = AuditEntry.objects.count()
            mine = by_schema.get(schema, [])
            found = dict(
                AuditEntry.objects.filter(id__in={seal.entry for seal in mine}).values_list("id", "hash")
            )
        if first_bad is not None:
            report.add(
                schema, f"{who} ({schema}): BROKEN at entry {first_bad}: its hash or link does not hold"
            )
        for seal in mine:
            if seal.entry not in found:
                report.add(
                    schema,
                    f"{who} ({schema}): entry {seal.entry}, sealed {_when(seal)}, is missing: "
                    "entries were deleted",
                )
                break
            if found[seal.entry] != seal.hash:
                report.add(
                    schema,
                    f"{who} ({schema}): entry {seal.entry} differs from its seal of {_when(seal)}: "
                    "the chain was rewritten",
                )
                break
    return report
