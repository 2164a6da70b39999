"""Discussions: a document's thread follows the document's need-to-know, mentions notify only who
may see the thread, messages are never deleted and edits keep the earlier text, unread counts move
with reading, new messages arrive by polling."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.test import Client

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from collab.models import Message, MessageRevision, Thread
from collab.services.discussions import (
    channel_create,
    direct_open,
    message_edit,
    message_post,
    thread_for_document,
)
from core.audit import Actor
from core.tenancy import in_tenant
from qlvbdh.tests.factories import IncomingDocumentFactory

pytestmark = pytest.mark.django_db


def test_a_documents_thread_is_seen_only_by_who_sees_the_document(
    tenant: Any, head: Any, clerk: Any, official: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        document = IncomingDocumentFactory.create(submitted_to=head)
    head_browser = signed_in(client, head)
    start = head_browser.post(f"/discussions/document/{document.uuid}/", {"body": "Văn phòng tham mưu giúp."})
    assert start.status_code == 302
    thread_url = start["Location"]
    assert "Văn phòng tham mưu giúp." in head_browser.get(thread_url).content.decode()
    # the clerk sees every registered document, so the thread too; the official is not involved
    assert signed_in(Client(), clerk).get(thread_url).status_code == 200
    outsider = signed_in(Client(), official)
    assert outsider.get(thread_url).status_code == 404
    assert outsider.get(f"/discussions/document/{document.uuid}/").status_code == 404
    assert outsider.post(thread_url, {"body": "chen vào"}).status_code == 404
    assert outsider.get(thread_url.rstrip("/") + "/poll/?after=0").status_code == 404
    with in_tenant(tenant):
        assert Message.objects.count() == 1
        assert Thread.objects.get().document == document


def test_mentions_notify_only_people_who_may_see_the_thread(
    tenant: Any, head: Any, clerk: Any, official: Any
) -> None:
    with in_tenant(tenant):
        document = IncomingDocumentFactory.create(submitted_to=head)
        thread = thread_for_document(actor=Actor(user=head), document=document)
        message_post(
            actor=Actor(user=head), thread=thread, body=f"@{clerk.username} và @{official.username} xem giúp"
        )
        told = list(
            Notification.objects.filter(kind="discussion.mention").values_list("user__username", flat=True)
        )
        assert told == [clerk.username]


def test_messages_are_never_deleted_and_edits_keep_the_earlier_text(
    tenant: Any, official: Any, colleague: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        thread = direct_open(actor=Actor(user=official), other=colleague)
        message = message_post(actor=Actor(user=official), thread=thread, body="Họp lúc 8 giờ")
        with pytest.raises(PermissionDenied):
            message_edit(actor=Actor(user=colleague), message=message, body="Họp lúc 9 giờ")
        message_edit(actor=Actor(user=official), message=message, body="Họp lúc 9 giờ 30")
        message_edit(actor=Actor(user=official), message=message, body="Họp lúc 9 giờ 30")  # a repeat
        assert list(MessageRevision.objects.values_list("body", flat=True)) == ["Họp lúc 8 giờ"]
        with pytest.raises(DatabaseError), transaction.atomic():
            Message.objects.filter(pk=message.pk).delete()
        with pytest.raises(DatabaseError), transaction.atomic():
            MessageRevision.objects.all().update(body="sửa lịch sử")
    page = signed_in(client, colleague).get(f"/discussions/{thread.uuid}/").content.decode()
    assert "Họp lúc 9 giờ 30" in page
    assert "Họp lúc 8 giờ" in page  # the earlier text, shown as such


def test_unread_counts_move_with_reading(
    tenant: Any, official: Any, colleague: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        thread = direct_open(actor=Actor(user=official), other=colleague)
        message_post(actor=Actor(user=official), thread=thread, body="Anh xem văn bản chưa?")
    reader = signed_in(client, colleague)

    def unread() -> int:
        html = reader.get("/").content.decode()
        found = re.search(
            r'data-figure="unread_discussions"><a href="[^"]*"><strong class="figure-count">(\d+)', html
        )
        assert found is not None
        return int(found.group(1))

    assert unread() == 1
    assert reader.get(f"/discussions/{thread.uuid}/").status_code == 200
    assert unread() == 0
    # the author's own message never counts as unread for them
    assert signed_in(Client(), official).get("/discussions/").content.decode().count("data-unread") == 0


def test_new_messages_arrive_by_polling_and_an_htmx_post_answers_with_them(
    tenant: Any, official: Any, colleague: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        thread = direct_open(actor=Actor(user=official), other=colleague)
        first = message_post(actor=Actor(user=official), thread=thread, body="Tin thứ nhất")
        message_post(actor=Actor(user=official), thread=thread, body="Tin thứ hai")
    reader = signed_in(client, colleague)
    poll = reader.get(
        f"/discussions/{thread.uuid}/poll/?after={first.pk}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Tin thứ hai" in poll
    assert "Tin thứ nhất" not in poll
    sent = reader.post(
        f"/discussions/{thread.uuid}/", {"body": "Đã nhận", "after": str(first.pk)}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Đã nhận" in sent
    assert 'id="message-form" hx-swap-oob="outerHTML"' in sent
    empty = reader.post(f"/discussions/{thread.uuid}/", {"body": "   ", "after": "0"}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 200
    assert "Nội dung trống." in empty.content.decode()
    assert (
        reader.get(f"/discussions/{thread.uuid}/poll/?after=x'--", HTTP_HX_REQUEST="true").status_code == 200
    )


def test_channels_are_for_their_members(
    tenant: Any, head: Any, official: Any, colleague: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        channel = channel_create(actor=Actor(user=head), name="Ban chỉ đạo chuyển đổi số", members=[official])
        message_post(actor=Actor(user=official), thread=channel, body="Chào cả nhóm")
    assert signed_in(client, official).get(f"/discussions/{channel.uuid}/").status_code == 200
    assert signed_in(Client(), colleague).get(f"/discussions/{channel.uuid}/").status_code == 404
    assert signed_in(Client(), colleague).get("/api/v1/discussions/").json() == []


def test_another_agency_cannot_reach_a_thread(
    tenant: Any, other_tenant: Any, official: Any, colleague: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        thread = direct_open(actor=Actor(user=official), other=colleague)
    with in_tenant(other_tenant):
        stranger = UserFactory.create(roles=["head"])
    assert signed_in(client, stranger).get(f"/discussions/{thread.uuid}/").status_code == 404
