"""``manage.py hub work|status|retry|peer-add|peer-list|peer-pull|evidence|verify-evidence|packets``:
run the hub's loop by hand, look after its queue, manage the other hubs it federates with, and
export what it carried.

`work` is the worker's loop without Celery (relay every agency's outbox, deliver what is due);
`--forever` keeps at it, which is how a plain process serves as a hub worker: it wakes on the
NOTIFY that comes with each outbox entry and due delivery, polls every `--interval` s, and pulls
each pull-mode peer when due (`HUB_PULL_INTERVAL_SECONDS`). `peer-add`
prints the secret the peer must send us (once; only its keyed hash is kept). Bad input exits with
status 1 and one sentence.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import InterfaceError, OperationalError, close_old_connections

from core.audit import Actor
from core.errors import ApplicationError

# `hub work --forever` relays every agency this often, whatever the notifications said.
SWEEP_SECONDS = 10.0


def _rounds(first: set[str] | None) -> Callable[[], set[str] | None]:
    """The agencies each round of `work` relays: first those that woke the loop (None: all),
    then those whose writes notified since (`work` adds those its own rounds wrote)."""
    from interagency.hub.services.queue import wakes

    pending = [first]

    def schemas() -> set[str] | None:
        if pending:
            return pending.pop()
        return wakes(timeout=0) or set()

    return schemas


class Command(BaseCommand):
    help = "Trục liên thông: chạy chuyển gói tin (work), xem hàng đợi (status), gửi lại (retry)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        work = actions.add_parser("work", help="relay outboxes and deliver due packets until idle")
        work.add_argument("--forever", action="store_true", help="keep polling (a worker without Celery)")
        work.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="at most this many seconds between rounds with --forever",
        )
        actions.add_parser("status", help="queue depth, dead letters and the last hour's deliveries")
        retry = actions.add_parser("retry", help="send a dead or waiting delivery again")
        retry.add_argument("delivery", type=int, metavar="DELIVERY_ID")
        add = actions.add_parser("peer-add", help="register another hub (prints its inbound secret once)")
        add.add_argument(
            "--protocol",
            choices=["tinhso", "vxp_axis", "vxp_system"],
            default="tinhso",
            help="tinhso: another tinhso hub; vxp_axis: a VXP axis we call; vxp_system: an e-office "
            "product calling our /vxp/ with the national SDK",
        )
        add.add_argument(
            "--system-id", required=True, help="the id the peer sends us (X-System-Id, systemId)"
        )
        add.add_argument("--name", default="")
        add.add_argument("--base-url", default="", help="the peer's https base URL (its hub_url)")
        add.add_argument("--remote-system-id", default="", help="our id at the peer")
        add.add_argument("--remote-secret", default="", help="our secret at the peer")
        add.add_argument("--secret", default=None, help="the peer's inbound secret (default: generated)")
        add.add_argument("--trust-roots", type=Path, help="PEM file: the peer's signing authority (required)")
        add.add_argument(
            "--org-patterns",
            default="",
            help="the organisation codes the peer speaks for: shell-style patterns, comma-separated (*.H36)",
        )
        add.add_argument("--tls-ca", type=Path, help="PEM file to verify the peer's TLS certificate")
        add.add_argument("--mode", choices=["push", "pull"], default="push")
        actions.add_parser("peer-list", help="the hubs we federate with")
        pull = actions.add_parser("peer-pull", help="fetch and acknowledge what waits for us at a peer")
        pull.add_argument("system_id", metavar="SYSTEM_ID")
        _evidence_add_parsers(actions)
        _packets_add_parsers(actions)

    def handle(self, *args: Any, **options: Any) -> None:
        from interagency.hub.selectors import queue_figures
        from interagency.hub.services.deliveries import delivery_retry, work

        action = options["action"]
        if action in EVIDENCE_ACTIONS:
            return _evidence_handle(self, options)
        if action == "packets":
            return _packets_handle(self, options)
        if action == "work":
            if options["forever"]:
                return self._work_forever(interval=options["interval"])
            try:
                relayed, delivered = work()
            except (OperationalError, InterfaceError) as exc:
                raise CommandError(f"The database is unreachable: {exc}") from exc
            self.stdout.write(f"relayed {relayed}, delivery tries {delivered}")
            return
        if action == "status":
            figures = queue_figures()
            for key, value in figures.items():
                self.stdout.write(f"{key}: {value}")
            return
        if action.startswith("peer-"):
            try:
                self._peer(action, options)
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
            return
        try:
            delivery = delivery_retry(actor=Actor(label="manage.py hub"), delivery_id=options["delivery"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"delivery {delivery.pk}: {delivery.state}")

    def _work_forever(self, *, interval: float) -> None:
        """A hub worker without Celery: LISTEN for the agencies' and the hub's NOTIFYs and relay
        and deliver as soon as one comes (at the latest every `interval` s); relay every agency
        every SWEEP_SECONDS, for whatever a lost notification left behind."""
        from interagency.hub.services.deliveries import work
        from interagency.hub.services.pulls import peers_pull_due
        from interagency.hub.services.queue import wakes

        ready = False
        next_pull_check = 0.0
        last_sweep = -SWEEP_SECONDS
        woke: set[str] | None = None
        while True:
            try:
                sweep = time.monotonic() - last_sweep >= SWEEP_SECONDS
                if sweep:
                    last_sweep = time.monotonic()
                if time.monotonic() >= next_pull_check:
                    # Pull-mode peers when due; which are due is looked up every few seconds.
                    next_pull_check = time.monotonic() + min(5.0, settings.HUB_PULL_INTERVAL_SECONDS)
                    for outcome in peers_pull_due():
                        self.stdout.write(f"pulled {outcome.system_id}: {outcome.summary}")
                relayed, delivered = work(schemas=_rounds(None if sweep else (woke or set())))
                if relayed or delivered:
                    self.stdout.write(f"relayed {relayed}, delivery tries {delivered}")
                if not ready:
                    ready = True  # what a supervisor (or bench/hub.py) waits for
                    self.stdout.write("hub worker ready")
                    self.stdout.flush()
                woke = wakes(timeout=max(interval, 0.05))
            except (OperationalError, InterfaceError) as exc:
                # PostgreSQL restarted or the network dropped: nothing is lost (each step is one
                # transaction); reconnect (and LISTEN again) and go on.
                self.stderr.write(f"database unreachable, retrying: {exc}")
                close_old_connections()
                time.sleep(max(interval, 1.0))
                last_sweep = -SWEEP_SECONDS

    def _peer(self, action: str, options: dict[str, Any]) -> None:
        from interagency.hub.services import federation
        from interagency.hub.services.pulls import peer_pull_any

        actor = Actor(label="manage.py hub")
        if action == "peer-list":
            for listed in federation.peer_list():
                state = "active" if listed.is_active else "inactive"
                self.stdout.write(
                    f"{listed.system_id}\t{listed.base_url}\t{listed.mode}\t{state}\t{listed.name}"
                )
            return
        if action == "peer-pull":
            peer = next((p for p in federation.peer_list() if p.system_id == options["system_id"]), None)
            if peer is None:
                raise CommandError(f"No peer has the system id {options['system_id']!r}.")
            result = peer_pull_any(peer=peer, actor=actor)
            self.stdout.write(
                f"listed {result.listed}, accepted {len(result.accepted)}, refused {len(result.refused)}, "
                f"errors {len(result.errors)}"
            )
            for line in [*result.refused, *result.errors]:
                self.stderr.write(line)
            return
        pems = {}
        for key in ("trust_roots", "tls_ca"):
            path = options[key]
            try:
                pems[key] = path.read_text() if path is not None else ""
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"Cannot read {path}: {exc}.") from exc
        peer, secret = federation.peer_create(
            actor=actor,
            data=federation.PeerData(
                system_id=options["system_id"],
                name=options["name"],
                base_url=options["base_url"],
                remote_system_id=options["remote_system_id"],
                remote_secret=options["remote_secret"],
                mode=options["mode"],
                protocol=options["protocol"],
                org_patterns=options["org_patterns"].replace(",", "\n"),
                **pems,
            ),
            secret=options["secret"],
        )
        self.stdout.write(f"peer {peer.system_id} added ({peer.base_url}, {peer.mode})")
        if options["secret"] is None and secret:
            self.stdout.write(f"inbound secret (shown once): {secret}")


# --- evidence: `hub evidence DOCUMENT_ID -o FILE.zip`, `hub verify-evidence FILE.zip` -------------

EVIDENCE_ACTIONS = ("evidence", "verify-evidence")


def _evidence_add_parsers(actions: Any) -> None:
    export = actions.add_parser("evidence", help="write the evidence ZIP of one exchange (edXML DocumentId)")
    export.add_argument("document_id", metavar="DOCUMENT_ID")
    export.add_argument("-o", "--output", required=True, metavar="FILE.zip")
    verify = actions.add_parser(
        "verify-evidence", help="check an evidence ZIP offline; exit 1 on any problem"
    )
    verify.add_argument("file", metavar="FILE.zip")


def _evidence_handle(command: BaseCommand, options: dict[str, Any]) -> None:
    from pathlib import Path

    from interagency.hub.services import evidence

    if options["action"] == "evidence":
        try:
            data = evidence.evidence_export(
                actor=Actor(label="manage.py hub"), document_id=options["document_id"]
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        Path(options["output"]).write_bytes(data)
        command.stdout.write(f"{options['output']}: {len(data)} bytes")
        return
    try:
        data = Path(options["file"]).read_bytes()
    except OSError as exc:
        raise CommandError(f"{options['file']}: {exc.strerror}") from exc
    problems = evidence.evidence_verify(data)
    for problem in problems:
        command.stderr.write(problem)
    if problems:
        raise CommandError(f"{options['file']}: {len(problems)} problem(s)")
    command.stdout.write(f"{options['file']}: intact")


# --- packets: `hub packets export --since DATE -o DIR` -------------------------------------------


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; write it as YYYY-MM-DD.") from None


def _packets_add_parsers(actions: Any) -> None:
    packets = actions.add_parser("packets", help="the packets the hub took in")
    packet_actions = packets.add_subparsers(dest="packets_action", required=True)
    export = packet_actions.add_parser(
        "export", help="write each packet taken in since DATE as DIR/<packet_id>.edxml, as received"
    )
    export.add_argument("--since", required=True, type=_day, metavar="DATE", help="YYYY-MM-DD, province time")
    export.add_argument("-o", "--output", required=True, type=Path, metavar="DIR")


def _packets_handle(command: BaseCommand, options: dict[str, Any]) -> None:
    from interagency.hub.services.exports import packets_export

    try:
        written = packets_export(
            actor=Actor(label="manage.py hub"), since=options["since"], directory=options["output"]
        )
    except ApplicationError as exc:
        raise CommandError(exc.message) from exc
    command.stdout.write(f"{written} packet(s) written to {options['output']}")
