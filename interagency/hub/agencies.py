"""How the hub reaches the agencies' side without importing it.

The hub lives in the public schema and knows nothing of what an agency keeps. Two things cross
the line, and `interagency.exchange` plugs both in from its `AppConfig.ready()`:

- the receiver: the hub calls it inside its delivery transaction, with the recipient's schema
  active, to hand one packet over (it must be idempotent on the packet id);
- the feeders: the sweep calls them to relay whatever the agencies' outboxes still hold (after
  a crash or a lost message), or the outboxes of the agencies named; each returns how many
  packets it handed in.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Protocol


class Receiver(Protocol):
    def __call__(
        self, *, content: bytes, packet_id: uuid.UUID, sha256: str, warnings: Sequence[str] = ()
    ) -> str: ...


# A packet handed over in a batch: content, packet id, sha256, the hub's warnings.
Handover = tuple[bytes, uuid.UUID, str, Sequence[str]]


class BatchReceiver(Protocol):
    def __call__(self, *, packets: Sequence[Handover]) -> list[str]: ...


class Feeder(Protocol):
    def __call__(self, *, schemas: Collection[str] | None = None) -> int: ...


_receivers: list[Receiver] = []
_feeders: list[Feeder] = []
_batch_receivers: list[BatchReceiver] = []


def connect(*, receiver: Receiver, feeder: Feeder, batch_receiver: BatchReceiver | None = None) -> None:
    """Register the agencies' side (once; a second registration of the same pair is a no-op).
    Without a `batch_receiver`, a batch is handed over one packet at a time."""
    if receiver not in _receivers:
        _receivers.append(receiver)
    if batch_receiver is not None and batch_receiver not in _batch_receivers:
        _batch_receivers.append(batch_receiver)
    if feeder not in _feeders:
        _feeders.append(feeder)


def receive(*, content: bytes, packet_id: uuid.UUID, sha256: str, warnings: Sequence[str] = ()) -> str:
    """Hand one packet to the agency whose schema is active, with the hub's warnings on it (what
    the tolerant reader accepted, and attachments found broken); returns what it did with it."""
    if len(_receivers) != 1:
        raise RuntimeError(f"the hub needs exactly one agency receiver, has {len(_receivers)}")
    return _receivers[0](content=content, packet_id=packet_id, sha256=sha256, warnings=warnings)


def receive_many(*, packets: Sequence[Handover]) -> list[str]:
    """Hand many packets to the agency whose schema is active, as one unit: all taken or, when it
    raises, none (the caller undoes its savepoint and hands them over one at a time). Returns
    each one's outcome, in order."""
    if len(_batch_receivers) != 1:
        return [receive(content=c, packet_id=p, sha256=h, warnings=w) for c, p, h, w in packets]
    return _batch_receivers[0](packets=packets)


def feed(*, schemas: Collection[str] | None = None) -> int:
    """Relay what the agencies of `schemas` (None: every agency) have waiting; returns how many
    packets came in."""
    return sum(feeder(schemas=schemas) for feeder in _feeders)
