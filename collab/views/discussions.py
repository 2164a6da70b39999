"""Discussions' pages: the list with unread counts, a thread whose new messages arrive by htmx
polling, posting and editing, a thread opened from a document or dossier, channels, direct messages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import require
from collab.models import Thread
from collab.selectors.discussions import (
    message_get,
    message_list,
    thread_get,
    thread_list,
    thread_of_document,
    thread_of_dossier,
)
from collab.selectors.people import active_people
from collab.services.discussions import (
    channel_add_members,
    channel_create,
    direct_open,
    message_edit,
    message_post,
    thread_for_document,
    thread_for_dossier,
    thread_mark_read,
)
from core.audit import actor_from
from core.ids import is_uuid
from core.responses import error_message, message_call
from qlvbdh.selectors.documents import document_get
from qlvbdh.selectors.dossiers import dossier_list


def _after(value: str | None) -> int:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 19 else 0


def _thread_or_404(request: HttpRequest, key: str) -> Thread:
    thread = thread_get(reader=request.user, key=key)
    if thread is None:
        raise Http404
    return thread


@login_required
def discussion_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "collab.view")
    return render(
        request,
        "collab/discussions.html",
        {
            "threads": thread_list(reader=request.user)[:100],
            "people": active_people().exclude(username=request.user.get_username()),
        },
    )


@login_required
def thread_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "collab.view")
    thread = _thread_or_404(request, key)
    if request.method == "POST":
        body = request.POST.get("body", "")
        if request.htmx:  # type: ignore[attr-defined]
            # the new messages (the sender's own included) come back as the poll's answer
            error = ""
            try:
                message_post(actor=actor_from(request), thread=thread, body=body)
            except ValidationError as exc:
                error = error_message(exc)
            return _new_messages(
                request,
                thread,
                _after(request.POST.get("after")),
                posted=True,
                error=error,
                body=body if error else "",
            )
        message_call(
            request, message_post, actor=actor_from(request), thread=thread, body=body, success=_("Đã gửi.")
        )
        return redirect("collab-thread", key=thread.uuid)
    shown = message_list(reader=request.user, thread=thread)
    if shown:
        thread_mark_read(user=request.user, thread=thread, last_message_id=shown[-1].pk)  # type: ignore[arg-type]
    return render(
        request,
        "collab/thread.html",
        {
            "thread": thread,
            "messages_shown": shown,
            "after": shown[-1].pk if shown else 0,
            "members": thread.members.all() if thread.kind in ("channel", "direct") else [],
            "people": active_people() if thread.kind == "channel" else [],
        },
    )


def _new_messages(
    request: HttpRequest, thread: Thread, after: int, *, posted: bool = False, error: str = "", body: str = ""
) -> HttpResponse:
    fresh = message_list(reader=request.user, thread=thread, after=after)
    if fresh:
        thread_mark_read(user=request.user, thread=thread, last_message_id=fresh[-1].pk)  # type: ignore[arg-type]
    return render(
        request,
        "collab/_poll.html",
        {
            "thread": thread,
            "fresh": fresh,
            "after": fresh[-1].pk if fresh else after,
            "posted": posted,  # then a fresh form replaces the sent one (or keeps the text with the error)
            "error": error,
            "body": body,
        },
    )


@login_required
@require_GET
def thread_poll_view(request: HttpRequest, key: str) -> HttpResponse:
    """htmx asks every few seconds: the messages after `after`, and the poller with the new mark."""
    require(request.user, "collab.view")
    return _new_messages(request, _thread_or_404(request, key), _after(request.GET.get("after")))


@login_required
@require_POST
def message_edit_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "collab.view")
    message = message_get(reader=request.user, key=key)
    if message is None:
        raise Http404
    message_call(
        request,
        message_edit,
        actor=actor_from(request),
        message=message,
        body=request.POST.get("body", ""),
        success=_("Đã sửa; nội dung cũ vẫn được lưu."),
    )
    return redirect("collab-thread", key=message.thread.uuid)


def _subject_thread_view(
    request: HttpRequest, subject: Any, existing: Thread | None, start: Any, title: str
) -> HttpResponse:
    if existing is not None:
        return redirect("collab-thread", key=existing.uuid)
    if request.method == "POST":
        actor = actor_from(request)
        body = request.POST.get("body", "")
        try:
            with transaction.atomic():  # the thread opens with its first message, or not at all
                thread = start(actor=actor, subject=subject)
                message_post(actor=actor, thread=thread, body=body)
        except ValidationError as exc:
            messages.error(request, error_message(exc))
        else:
            return redirect("collab-thread", key=thread.uuid)
    return render(request, "collab/thread_start.html", {"title": title})


@login_required
def document_thread_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "collab.view")
    document = document_get(reader=request.user, key=key)
    if document is None:
        raise Http404
    return _subject_thread_view(
        request,
        document,
        thread_of_document(reader=request.user, document=document),
        lambda actor, subject: thread_for_document(actor=actor, document=subject),
        _("Trao đổi về văn bản: %(summary)s") % {"summary": document.summary},
    )


@login_required
def dossier_thread_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "collab.view")
    dossier = dossier_list(reader=request.user).filter(uuid=key).first() if is_uuid(key) else None
    if dossier is None:
        raise Http404
    return _subject_thread_view(
        request,
        dossier,
        thread_of_dossier(reader=request.user, dossier=dossier),
        lambda actor, subject: thread_for_dossier(actor=actor, dossier=subject),
        _("Trao đổi về hồ sơ: %(title)s") % {"title": dossier.title},
    )


def _people(request: HttpRequest) -> list[Any]:
    keys = [key for key in request.POST.getlist("members") if is_uuid(key)][:200]
    return list(active_people().filter(uuid__in=keys))


@login_required
@require_POST
def channel_create_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "collab.view")
    outcome = message_call(
        request,
        channel_create,
        actor=actor_from(request),
        name=request.POST.get("name", ""),
        members=_people(request),
        success=_("Đã tạo kênh."),
    )
    if outcome.ok and outcome.value is not None:
        return redirect("collab-thread", key=outcome.value.uuid)
    return redirect("collab-discussions")


@login_required
@require_POST
def channel_members_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "collab.view")
    thread = _thread_or_404(request, key)
    message_call(
        request,
        channel_add_members,
        actor=actor_from(request),
        thread=thread,
        members=_people(request),
        success=_("Đã thêm thành viên."),
    )
    return redirect("collab-thread", key=thread.uuid)


@login_required
@require_POST
def direct_open_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "collab.view")
    key = request.POST.get("person", "")
    other = active_people().filter(uuid=key).first() if is_uuid(key) else None
    if other is None:
        messages.error(request, _("Chọn một đồng nghiệp."))
        return redirect("collab-discussions")
    outcome = message_call(
        request, direct_open, actor=actor_from(request), other=other, success=_("Đã mở trao đổi.")
    )
    if outcome.ok and outcome.value is not None:
        return redirect("collab-thread", key=outcome.value.uuid)
    return redirect("collab-discussions")
