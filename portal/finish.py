"""WAGTAIL_FINISH_WORKFLOW_ACTION (imported while Wagtail's models load: it imports nothing).

The last step's approval publishes (or schedules, at the go_live_at the secretary set) the approved
revision. Who may approve that step was checked by it (portal.services.workflow.task_act), so
Wagtail's own publish permission is not asked again."""

from __future__ import annotations

from typing import Any


def publish_workflow_state(workflow_state: Any, user: Any = None) -> None:
    workflow_state.content_object.get_latest_revision().publish(user=user, skip_permission_checks=True)
