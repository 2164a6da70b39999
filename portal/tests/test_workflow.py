"""P2-P5: the board's workflow, step by step, and every refusal the regulation asks for."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_tenant
from portal import selectors
from portal.models import ArticlePage, BoardTask, SectionPage
from portal.services.workflow import page_take_down, task_act, workflow_submit
from portal.tests import factories

pytestmark = pytest.mark.django_db


def _board() -> dict[str, Any]:
    return {
        role: UserFactory.create(roles=[role])
        for role in ("contributor", "editor", "board_deputy", "board_secretary", "board_head")
    }


def _current(page: Any) -> tuple[Any, Any]:
    page.refresh_from_db()
    state = page.current_workflow_state
    return (state.current_task_state.task.specific, state.current_task_state) if state else (None, None)


def _draft(parent: Any = None, **fields: Any) -> ArticlePage:
    return factories.article_create(
        parent=parent or factories.section(SectionPage.Kind.INBOX), publish=False, **fields
    )


def _submitted(parent: Any = None, **fields: Any) -> tuple[dict[str, Any], ArticlePage]:
    """The board, and a draft its contributor sent in."""
    board = _board()
    page = _draft(parent=parent, **fields)
    workflow_submit(page=page, user=board["contributor"])
    return board, page


def _locked_for(page: Any, user: Any) -> bool:
    lock = page.get_lock()
    return bool(lock and lock.for_user(user))


def _act(page: Any, user: Any, action: str, **data: Any) -> Any:
    task, state = _current(page)
    return task_act(task=task, task_state=state, user=user, action=action, **data)


def test_contributor_to_secretary_publishes_and_each_step_is_audited(portal):
    with in_tenant(portal):
        board = _board()
        page = _draft(image=factories.image_create())
        workflow_submit(page=page, user=board["contributor"])
        # the editor files it under news, then passes it on
        page.move(factories.section(SectionPage.Kind.NEWS), pos="last-child", user=board["editor"])
        _act(page, board["editor"], "approve")
        assert _current(page)[0].step == BoardTask.Step.APPROVE
        _act(page, board["board_deputy"], "approve")
        assert _current(page)[0].step == BoardTask.Step.PUBLISH
        assert not ArticlePage.objects.get(pk=page.pk).live
        _act(page, board["board_secretary"], "publish", go_live_at=None, comment="")
        page = ArticlePage.objects.get(pk=page.pk)
        assert page.live
        assert page.get_parent().specific.kind == SectionPage.Kind.NEWS
        actions = list(
            AuditEntry.objects.filter(target_id=str(page.pk)).order_by("id").values_list("action", flat=True)
        )
        assert actions == ["portal.submit", "portal.approve", "portal.approve", "portal.publish"]


def test_each_step_refuses_the_roles_it_is_not_for(portal):
    with in_tenant(portal):
        board, page = _submitted(parent=factories.section(SectionPage.Kind.NEWS))
        for role in ("contributor", "board_secretary"):
            with pytest.raises(PermissionDenied):
                _act(page, board[role], "approve")
        _act(page, board["editor"], "approve")
        for role in ("contributor", "editor", "board_secretary"):
            with pytest.raises(PermissionDenied):
                _act(page, board[role], "approve")
        _act(page, board["board_deputy"], "approve")
        for role in ("contributor", "editor", "board_deputy", "board_head"):
            with pytest.raises(PermissionDenied):
                _act(page, board[role], "publish", go_live_at=None)
        assert not ArticlePage.objects.get(pk=page.pk).live


@pytest.mark.parametrize("importance", ["important", "sensitive", "sector"])
def test_deputy_cannot_approve_sensitive_article(portal, importance):
    with in_tenant(portal):
        board, page = _submitted(parent=factories.section(SectionPage.Kind.NEWS), importance=importance)
        _act(page, board["editor"], "approve")
        task, _state = _current(page)
        assert task.get_actions(page, board["board_deputy"]) == []
        with pytest.raises(PermissionDenied):
            _act(page, board["board_deputy"], "approve")
        _act(page, board["board_head"], "approve")
        assert _current(page)[0].step == BoardTask.Step.PUBLISH


def test_routine_column_lets_editors_approve_and_publish(portal):
    with in_tenant(portal):
        board = _board()
        news = factories.section(SectionPage.Kind.NEWS)
        news.routine = True
        news.save()
        page = _draft(parent=news)
        workflow_submit(page=page, user=board["editor"])
        _act(page, board["editor"], "approve")
        _act(page, board["editor"], "approve")
        _act(page, board["editor"], "publish", go_live_at=None)
        assert ArticlePage.objects.get(pk=page.pk).live


def test_a_refusal_without_a_p5_reason_is_refused(portal):
    with in_tenant(portal):
        board, page = _submitted()
        with pytest.raises(ValidationError):
            _act(page, board["editor"], "refuse", reason="", comment="không phù hợp")
        with pytest.raises(ValidationError):
            _act(page, board["editor"], "refuse", reason="made-up", comment="không phù hợp")
        with pytest.raises(ValidationError):
            _act(page, board["editor"], "refuse", reason="untrue", comment="   ")
        assert _current(page)[0].step == BoardTask.Step.EDIT  # nothing happened
        _act(page, board["editor"], "refuse", reason="untrue", comment="Số liệu sai")
        page.refresh_from_db()
        assert page.current_workflow_state is None
        assert not page.live
        entry = AuditEntry.objects.get(action="portal.refuse")
        assert entry.detail["reason"] == "untrue"
        assert entry.detail["note"] == "Số liệu sai"


def test_returning_needs_notes(portal):
    with in_tenant(portal):
        board, page = _submitted()
        with pytest.raises(ValidationError):
            _act(page, board["editor"], "reject", comment="")
        _act(page, board["editor"], "reject", comment="Bổ sung ảnh")
        page.refresh_from_db()
        assert page.current_workflow_state.status == "needs_changes"


def test_secretary_schedules_publication(portal):
    with in_tenant(portal):
        board, page = _submitted(parent=factories.section(SectionPage.Kind.NEWS))
        _act(page, board["editor"], "approve")
        _act(page, board["board_deputy"], "approve")
        with pytest.raises(ValidationError):
            _act(
                page,
                board["board_secretary"],
                "publish",
                go_live_at=timezone.now() - datetime.timedelta(hours=1),
            )
        when = timezone.now() + datetime.timedelta(days=1)
        _act(page, board["board_secretary"], "publish", go_live_at=when)
        page = ArticlePage.objects.get(pk=page.pk)
        assert not page.live
        assert page.get_latest_revision().approved_go_live_at == when.replace(microsecond=when.microsecond)


def test_approved_items_waiting_too_long_are_overdue(portal, settings):
    settings.PORTAL_PUBLISH_DUE_HOURS = 24
    with in_tenant(portal):
        board, page = _submitted(parent=factories.section(SectionPage.Kind.NEWS))
        _act(page, board["editor"], "approve")
        _act(page, board["board_deputy"], "approve")
        _task, state = _current(page)
        assert selectors.items_overdue() == []
        assert selectors.items_overdue(now=timezone.now() + datetime.timedelta(hours=25)) == [state]


def test_only_the_board_head_takes_down(portal, client_for, host_of, django_capture_on_commit_callbacks):
    with in_tenant(portal):
        board = _board()
        page = factories.article_create()
        path = page.url_path.split("/home", 1)[1]
        for role in ("contributor", "editor", "board_deputy", "board_secretary"):
            with pytest.raises(PermissionDenied):
                page_take_down(actor=Actor(user=board[role]), page=page, reason="stale", note="cũ")
        with pytest.raises(ValidationError):
            page_take_down(actor=Actor(user=board["board_head"]), page=page, reason="", note="cũ")
        with pytest.raises(ValidationError):
            page_take_down(actor=Actor(user=board["board_head"]), page=page, reason="stale", note="")
        assert ArticlePage.objects.get(pk=page.pk).live
    portal_client = client_for(host_of(portal, "portal"))
    assert portal_client.get(path).status_code == 200
    with in_tenant(portal), django_capture_on_commit_callbacks(execute=True):
        page_take_down(
            actor=Actor(user=board["board_head"]), page=page, reason="provider", note="Đơn vị đề nghị gỡ"
        )
        assert not ArticlePage.objects.get(pk=page.pk).live
        assert AuditEntry.objects.get(action="portal.take_down").detail["reason"] == "provider"
    assert portal_client.get(path).status_code == 404


def test_wagtail_own_unpublish_is_refused_even_to_the_board_head(portal, signed_in, client):
    with in_tenant(portal):
        page = factories.article_create()
        head = UserFactory.create(roles=["board_head"])
        editor = UserFactory.create(roles=["editor"])
    for user in (editor, head):
        response = signed_in(client, user).post(f"/cms/pages/{page.pk}/unpublish/")
        assert response.status_code in (302, 403)
        with in_tenant(portal):
            assert ArticlePage.objects.get(pk=page.pk).live


def test_takedown_page_in_the_back_office(portal, signed_in, client):
    with in_tenant(portal):
        page = factories.article_create()
        editor = UserFactory.create(roles=["editor"])
        head = UserFactory.create(roles=["board_head"])
    refused = signed_in(client, editor).post(
        f"/cms/portal/take-down/{page.pk}/", {"reason": "stale", "note": "x"}
    )
    assert refused.status_code in (302, 403)
    assert not refused.get("Location", "").startswith("/cms/pages/")
    with in_tenant(portal):
        assert ArticlePage.objects.get(pk=page.pk).live
    response = signed_in(client, head).post(
        f"/cms/portal/take-down/{page.pk}/", {"reason": "stale", "note": ""}
    )
    assert response.status_code == 200  # the form again, with its error
    response = signed_in(client, head).post(
        f"/cms/portal/take-down/{page.pk}/", {"reason": "stale", "note": "Hết hạn"}
    )
    assert response.status_code == 302
    with in_tenant(portal):
        assert not ArticlePage.objects.get(pk=page.pk).live


def test_revisions_compare(portal, signed_in, client):
    with in_tenant(portal):
        page = _draft(parent=factories.section(SectionPage.Kind.NEWS))
        first = page.get_latest_revision()
        page.title = "Tiêu đề thứ hai"
        second = page.save_revision()
        editor = UserFactory.create(roles=["editor"])
    response = signed_in(client, editor).get(
        f"/cms/pages/{page.pk}/revisions/compare/{first.pk}...{second.pk}/"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đầu tư công năm 2026" in html
    assert "Tiêu đề thứ hai" in html


def test_a_locked_item_refuses_another_editor(portal, signed_in, client):
    with in_tenant(portal):
        page = _draft(parent=factories.section(SectionPage.Kind.NEWS))
        first, second = UserFactory.create(roles=["editor"]), UserFactory.create(roles=["editor"])
        page.locked, page.locked_by, page.locked_at = True, first, timezone.now()
        page.save()
        revisions = page.revisions.count()
        assert _locked_for(page, second)
        assert not _locked_for(page, first)
    response = signed_in(client, second).post(
        f"/cms/pages/{page.pk}/edit/", {"title": "Sửa trộm", "slug": page.slug, "body-count": "0"}
    )
    assert response.status_code in (200, 302)
    with in_tenant(portal):
        assert page.revisions.count() == revisions
        assert ArticlePage.objects.get(pk=page.pk).draft_title != "Sửa trộm"


def test_an_item_under_review_is_locked_for_its_contributor(portal):
    with in_tenant(portal):
        board = _board()
        page = _draft()
        page.owner = board["contributor"]
        page.save()
        workflow_submit(page=page, user=board["contributor"])
        assert _locked_for(page, board["contributor"])
        assert not _locked_for(page, board["editor"])


def test_an_off_system_draft_names_its_sender(portal):
    with in_tenant(portal):
        page = ArticlePage(title="Bài gửi qua Zalo", slug="bai-zalo", source_channel="zalo")
        with pytest.raises(ValidationError):
            page.clean()
        page.source_sender = "  Chi đoàn 12A1 "
        page.clean()
        assert page.source_sender == "Chi đoàn 12A1"


def test_the_back_office_home_lists_overdue_items(portal, signed_in, client, settings):
    settings.PORTAL_PUBLISH_DUE_HOURS = 0
    with in_tenant(portal):
        board, page = _submitted(parent=factories.section(SectionPage.Kind.NEWS), title="Bài chờ đăng lâu")
        _act(page, board["editor"], "approve")
        _act(page, board["board_deputy"], "approve")
    html = signed_in(client, board["board_secretary"]).get("/cms/").content.decode()
    assert "Bài chờ đăng lâu" in html


def test_a_scheduled_item_goes_live_when_its_time_comes(portal):
    from portal.tasks import publish_scheduled

    with in_tenant(portal):
        board, page = _submitted(parent=factories.section(SectionPage.Kind.NEWS))
        _act(page, board["editor"], "approve")
        _act(page, board["board_deputy"], "approve")
        _act(
            page,
            board["board_secretary"],
            "publish",
            go_live_at=timezone.now() + datetime.timedelta(minutes=5),
        )
        publish_scheduled()
        assert not ArticlePage.objects.get(pk=page.pk).live
        # five minutes later
        revision = ArticlePage.objects.get(pk=page.pk).get_latest_revision()
        assert revision.approved_go_live_at is not None
        due = timezone.now() - datetime.timedelta(seconds=1)
        revision.approved_go_live_at, revision.content["go_live_at"] = due, due.isoformat()
        revision.save(update_fields=["approved_go_live_at", "content"])
        publish_scheduled()
        assert ArticlePage.objects.get(pk=page.pk).live
