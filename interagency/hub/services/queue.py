"""Ask a worker for a delivery run after commit; the beat sweep covers a lost message."""

from __future__ import annotations

import logging

from core.tenancy import in_public
from interagency.hub.tasks import hub_deliver_task

logger = logging.getLogger(__name__)


def deliver_soon() -> None:
    try:
        with in_public():
            hub_deliver_task.delay()
    except Exception:
        logger.warning("hub: could not queue a delivery run; the sweep will", exc_info=True)
