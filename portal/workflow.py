"""The editorial board's workflow as Wagtail sees it (P3): who may act on which step, the forms of
each action, and what finishing the workflow does. The rules are read from the roles held in
accounts; the writes are portal.services.workflow's.

Steps: an editor edits and files the item under a section; a deputy approves it (the board head
when it is marked important, sensitive or sector-level); a secretary publishes it, now or at a set
time. In a column marked routine, editors and deputies may approve and publish too (Điều 12.2).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.forms import TaskStateCommentForm
from wagtail.models import Page, TaskState

from accounts.permissions import user_roles
from accounts.roles import Role
from portal.models import BoardTask, RefusalReason, SectionPage


def is_routine(page: Page) -> bool:
    parent = page.get_parent()
    specific = parent.specific if parent is not None else None
    return isinstance(specific, SectionPage) and specific.routine


def needs_board_head(page: Page) -> bool:
    specific = page.specific
    return bool(getattr(specific, "needs_board_head", lambda: False)())


def roles_for_step(task: BoardTask, page: Page) -> set[str]:
    routine = is_routine(page)
    if task.step == BoardTask.Step.EDIT:
        return {Role.EDITOR, Role.BOARD_DEPUTY, Role.BOARD_HEAD}
    if task.step == BoardTask.Step.APPROVE:
        if needs_board_head(page):
            return {Role.BOARD_HEAD}
        return {Role.BOARD_DEPUTY, Role.BOARD_HEAD} | ({Role.EDITOR} if routine else set())
    return {Role.BOARD_SECRETARY} | ({Role.EDITOR, Role.BOARD_DEPUTY} if routine else set())


def user_can_act(task: BoardTask, page: Any, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not isinstance(page, Page):
        return False
    return bool(user_roles(user) & roles_for_step(task, page))


def actions_for(task: BoardTask, page: Any, user: Any) -> list[tuple[str, str, bool]]:
    if not user_can_act(task, page, user):
        return []
    back = [("reject", str(_("Trả lại để sửa")), True), ("refuse", str(_("Từ chối đăng")), True)]
    if task.step == BoardTask.Step.EDIT:
        return [("approve", str(_("Đã biên tập, chuyển duyệt")), False), *back]
    if task.step == BoardTask.Step.APPROVE:
        return [("approve", str(_("Duyệt")), False), ("approve", str(_("Duyệt, kèm ý kiến")), True), *back]
    return [("publish", str(_("Đăng bài (ngay hoặc hẹn giờ)")), True), *back]


class ReturnForm(TaskStateCommentForm):
    comment = forms.CharField(label=_("Ý kiến"), widget=forms.Textarea(attrs={"rows": 3}), required=True)


class RefusalForm(forms.Form):
    reason = forms.ChoiceField(label=_("Lý do từ chối"), choices=RefusalReason.choices)
    comment = forms.CharField(label=_("Ghi chú"), widget=forms.Textarea(attrs={"rows": 3}), required=True)


class PublishForm(forms.Form):
    go_live_at = forms.DateTimeField(
        label=_("Đăng lúc (để trống: đăng ngay)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    comment = forms.CharField(label=_("Ý kiến"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


def form_for_action(action: str) -> type[forms.Form]:
    return {"reject": ReturnForm, "refuse": RefusalForm, "publish": PublishForm}.get(
        action, TaskStateCommentForm
    )


def task_states_moderatable(task: BoardTask, user: Any) -> QuerySet[TaskState]:
    states = task.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)
    ids = [
        state.pk
        for state in states.select_related("workflow_state")
        if user_can_act(task, _page_of(state), user)
    ]
    return TaskState.objects.filter(pk__in=ids)


def _page_of(state: TaskState) -> Any:
    obj = state.workflow_state.content_object
    return obj if isinstance(obj, Page) else None


def submit_demo_draft(page: Page) -> None:
    from portal.services.workflow import workflow_submit

    workflow_submit(page=page, user=None)
