"""``manage.py hub work|status|retry``: run the hub's loop by hand and look after its queue.

`work` is the worker's loop without Celery (relay every agency's outbox, deliver what is due);
`--forever` keeps polling, which is how a plain process can serve as a hub worker.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.audit import Actor
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "Trục liên thông: chạy chuyển gói tin (work), xem hàng đợi (status), gửi lại (retry)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        work = actions.add_parser("work", help="relay outboxes and deliver due packets until idle")
        work.add_argument("--forever", action="store_true", help="keep polling (a worker without Celery)")
        work.add_argument("--interval", type=float, default=1.0, help="seconds between polls with --forever")
        actions.add_parser("status", help="queue depth, dead letters and the last hour's deliveries")
        retry = actions.add_parser("retry", help="send a dead or waiting delivery again")
        retry.add_argument("delivery", type=int, metavar="DELIVERY_ID")

    def handle(self, *args: Any, **options: Any) -> None:
        from interagency import hub

        action = options["action"]
        if action == "work":
            while True:
                relayed, delivered = hub.work()
                if relayed or delivered or not options["forever"]:
                    self.stdout.write(f"relayed {relayed}, delivery tries {delivered}")
                if not options["forever"]:
                    return
                time.sleep(max(options["interval"], 0.05))
        if action == "status":
            figures = hub.queue_figures()
            for key, value in figures.items():
                self.stdout.write(f"{key}: {value}")
            return
        try:
            delivery = hub.delivery_retry(actor=Actor(label="manage.py hub"), delivery_id=options["delivery"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"delivery {delivery.pk}: {delivery.state}")
