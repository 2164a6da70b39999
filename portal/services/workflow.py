"""The board's workflow writes (P2-P5): every action checked against the roles held in accounts,
audited, and done through Wagtail's own workflow models."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page, TaskState, Workflow, WorkflowPage, WorkflowTask

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.text import nfc
from portal.models import BoardTask, HomePage, RefusalReason

WORKFLOW_NAME = "Quy trình Ban biên tập"
_STEPS = [
    (BoardTask.Step.EDIT, "Biên tập, xếp chuyên mục"),
    (BoardTask.Step.APPROVE, "Phê duyệt"),
    (BoardTask.Step.PUBLISH, "Xuất bản"),
]


class TakedownReason(models.TextChoices):
    """Why the board head takes an item down (P4)."""

    PROVIDER = "provider", gettext_lazy("Theo đề nghị của nơi cung cấp thông tin")
    STALE = "stale", gettext_lazy("Nội dung không còn phù hợp")


@transaction.atomic
def board_workflow_ensure() -> Workflow:
    """The board's workflow with its three steps, on the whole site (idempotent)."""
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    for order, (step, name) in enumerate(_STEPS):
        task = BoardTask.objects.filter(step=step).first() or BoardTask.objects.create(step=step, name=name)
        WorkflowTask.objects.update_or_create(workflow=workflow, task=task, defaults={"sort_order": order})
    home = HomePage.objects.first()
    if home is not None:
        WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})
    return workflow


def _check_text(value: Any, field: str, message: str) -> str:
    text = nfc(str(value or ""))
    if not text:
        raise ValidationError({field: [message]})
    return text[:2000]


@transaction.atomic
def workflow_submit(*, page: Page, user: Any) -> Any:
    """Send a draft to the board (what Wagtail's "submit for moderation" does). Idempotent."""
    workflow = page.get_workflow()
    if workflow is None:
        raise ApplicationError(_("Trang này chưa có quy trình duyệt."))
    if page.workflow_in_progress:
        return page.current_workflow_state
    state = workflow.start(page, user)
    audit_record(actor=Actor(user=user, label="seed_demo"), action="portal.submit", target=page)
    return state


@transaction.atomic
def task_act(*, task: BoardTask, task_state: TaskState, user: Any, action: str, **data: Any) -> Any:
    """One action on a step: approve, return with notes, refuse with a P5 reason, or publish (now or
    at a set time). Refused unless the person's roles allow this step for this item."""
    from portal.workflow import actions_for

    page = task_state.workflow_state.content_object
    if action not in {name for name, _label, _form in actions_for(task, page, user)}:
        raise PermissionDenied
    actor = Actor(user=user)
    comment = nfc(str(data.get("comment") or ""))[:2000]
    detail: dict[str, Any] = {"step": task.step}
    if action == "refuse":
        reason = data.get("reason")
        if reason not in RefusalReason.values:
            raise ValidationError({"reason": [_("Hãy chọn một lý do từ chối theo quy chế.")]})
        comment = _check_text(comment, "comment", _("Hãy ghi rõ lý do từ chối."))
        label = str(RefusalReason(reason).label)
        task_state.reject(user=user, comment=f"{label}: {comment}")
        task_state.workflow_state.refresh_from_db()
        task_state.workflow_state.cancel(user=user)
        detail.update(reason=reason, note=comment)
    elif action == "reject":
        comment = _check_text(comment, "comment", _("Hãy ghi ý kiến khi trả lại bài."))
        task_state.reject(user=user, comment=comment)
        detail.update(note=comment)
    elif action == "publish":
        go_live_at = data.get("go_live_at")
        if go_live_at is not None:
            if timezone.is_naive(go_live_at):
                go_live_at = timezone.make_aware(go_live_at)
            if go_live_at <= timezone.now():
                raise ValidationError({"go_live_at": [_("Giờ hẹn đăng phải ở tương lai.")]})
            revision = page.get_latest_revision()
            revision.content["go_live_at"] = go_live_at.isoformat()
            revision.save(update_fields=["content"])
            detail.update(go_live_at=go_live_at.isoformat())
        task_state.approve(user=user, comment=comment)
    else:
        task_state.approve(user=user, comment=comment)
    detail.setdefault("note", comment)
    audit_record(actor=actor, action=f"portal.{action}", target=page, **detail)
    return task_state


@transaction.atomic
def page_take_down(*, actor: Actor, page: Page, reason: str, note: str) -> Page:
    """Only the board head takes a published item down (P4), with a reason. Idempotent."""
    require_actor(actor, "portal.take_down")
    if reason not in TakedownReason.values:
        raise ValidationError({"reason": [_("Hãy chọn lý do gỡ bài.")]})
    note = _check_text(note, "note", _("Hãy ghi rõ lý do gỡ bài."))
    locked = Page.objects.select_for_update().get(pk=page.pk).specific
    if not locked.live:
        return locked
    locked.unpublish(user=actor.user, log_action=True)
    audit_record(actor=actor, action="portal.take_down", target=locked, reason=reason, note=note)
    return locked


def publish_due_at(state: TaskState) -> datetime.datetime:
    from django.conf import settings

    return state.started_at + datetime.timedelta(hours=settings.PORTAL_PUBLISH_DUE_HOURS)
