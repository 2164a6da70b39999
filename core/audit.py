"""Who did what, when, from where: `audit_record` appends to the current schema's trail.

Call it inside the service's transaction, so an action and its entry commit or fail together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest
from django.utils.ipv6 import clean_ipv6_address

from core.http import client_ip
from core.locks import lock_for_transaction
from core.models import AuditEntry
from core.tenancy import current_schema

if TYPE_CHECKING:  # core imports no app at run time; the type checker may look
    from rest_framework.request import Request

    from accounts.models import User


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, or the command line (`user` None, trusted shell access)."""

    user: User | None = None
    ip: str | None = None
    label: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        if not request.user.is_authenticated:
            raise PermissionDenied  # nobody acts anonymously; a user of None would be the shell
        return cls(user=request.user, ip=client_ip(request))

    @property
    def name(self) -> str:
        if self.user is not None:
            return str(self.user.get_username())
        return self.label or "system"

    @property
    def uuid(self) -> UUID | None:
        return getattr(self.user, "uuid", None)


def actor_from(request: HttpRequest | Request) -> Actor:
    """Who acts in this request, from a Django request or a DRF one."""
    return Actor.from_request(getattr(request, "_request", request))


def _digest(entry: AuditEntry) -> str:
    payload = {
        "prev": entry.prev_hash,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "actor_uuid": str(entry.actor_uuid) if entry.actor_uuid else None,
        "ip": entry.actor_ip,
        "action": entry.action,
        "target": [entry.target_type, entry.target_id, entry.target_label],
        "detail": entry.detail,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def audit_record(*, actor: Actor, action: str, target: Any = None, **detail: Any) -> AuditEntry:
    """Append one entry. `target` is a model instance (its type, uuid or pk, and str) or None."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the service's transaction")
    # One writer at a time per schema keeps the chain linear. An advisory lock, not LOCK TABLE:
    # the runtime role may only INSERT and SELECT here, and LOCK TABLE would want UPDATE.
    lock_for_transaction("core.auditentry", current_schema())
    last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    ip = actor.ip
    if ip and ":" in ip:
        ip = clean_ipv6_address(ip)  # the stored form, so the hash verifies after a reload
    entry = AuditEntry(
        actor=actor.name[:150],
        actor_uuid=actor.uuid,
        actor_ip=ip or None,
        action=action,
        detail=json.loads(json.dumps(detail, default=str)),
        prev_hash=last or "",
    )
    if target is not None:
        entry.target_type = target._meta.label_lower
        entry.target_id = str(getattr(target, "uuid", None) or target.pk)
        entry.target_label = str(target)[:255]
    entry.hash = _digest(entry)
    entry.save(force_insert=True)
    return entry


def audit_verify() -> int | None:
    """The id of the first entry whose hash or link does not hold, or None when the chain is whole."""
    previous = ""
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != previous or _digest(entry) != entry.hash:
            return entry.pk
        previous = entry.hash
    return None


def audit_record_many(
    *,
    actor: Actor,
    action: str,
    targets: list[Any],
    details: Sequence[dict[str, Any]] | None = None,
    **detail: Any,
) -> None:
    """One entry per target, chained in order, written in one statement (bulk imports, a batch of
    arrivals). `details`, when given, adds each target's own detail to the shared one."""
    if not targets:
        return
    own = list(details) if details is not None else [{} for _target in targets]
    first = audit_record(actor=actor, action=action, target=targets[0], **{**detail, **own[0]})
    previous = first.hash
    entries = []
    for target, more in zip(targets[1:], own[1:], strict=True):
        entry = AuditEntry(
            at=first.at,
            actor=first.actor,
            actor_uuid=first.actor_uuid,
            actor_ip=first.actor_ip,
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(getattr(target, "uuid", None) or target.pk),
            target_label=str(target)[:255],
            detail=json.loads(json.dumps({**detail, **more}, default=str))
            if details is not None
            else first.detail,
            prev_hash=previous,
        )
        entry.hash = previous = _digest(entry)
        entries.append(entry)
    AuditEntry.objects.bulk_create(entries, batch_size=500)
