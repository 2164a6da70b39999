"""Discussions: a thread on each document and dossier, agency channels, direct messages.
Messages are never deleted (a database trigger refuses it) and an edit keeps the earlier text;
an @mention notifies the person named, when they may see the thread."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can, require_actor
from collab.models import Message, MessageRevision, Thread, ThreadMember, ThreadRead
from core.audit import Actor, audit_record
from core.text import legacy_encoding, nfc

MAX_BODY = 5000
MENTION = re.compile(r"(?<![\w@])@([a-z0-9_.]{2,150})")


def _clean_body(body: str) -> str:
    # Line breaks are kept (nfc() would fold them): normalise each line.
    lines = [nfc(line) for line in (body or "").replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines).strip()
    if not text:
        raise ValidationError({"body": [_("Nội dung trống.")]})
    if len(text) > MAX_BODY:
        raise ValidationError({"body": [_("Nội dung quá dài (tối đa %(n)s ký tự).") % {"n": MAX_BODY}]})
    if legacy_encoding(text):
        raise ValidationError(
            {"body": [_("Nội dung có vẻ được gõ bằng bảng mã cũ; hãy chuyển sang Unicode.")]}
        )
    return text


def _get_or_create(lookup: dict[str, Any], defaults: dict[str, Any]) -> tuple[Thread, bool]:
    """One thread per subject even when two people start it at once (the unique key decides)."""
    try:
        with transaction.atomic():
            return Thread.objects.get_or_create(**lookup, defaults=defaults)
    except IntegrityError:
        return Thread.objects.get(**lookup), False


def thread_for_document(*, actor: Actor, document: Any) -> Thread:
    """The document's thread; `document` already limited to what the actor may see."""
    require_actor(actor, "collab.view")
    thread, _created = _get_or_create(
        {"document": document}, {"kind": Thread.Kind.DOCUMENT, "created_by": actor.name}
    )
    return thread


def thread_for_dossier(*, actor: Actor, dossier: Any) -> Thread:
    require_actor(actor, "collab.view")
    thread, _created = _get_or_create(
        {"dossier": dossier}, {"kind": Thread.Kind.DOSSIER, "created_by": actor.name}
    )
    return thread


@transaction.atomic
def channel_create(*, actor: Actor, name: str, members: Iterable[User]) -> Thread:
    require_actor(actor, "collab.view")
    if actor.user is None:
        raise PermissionDenied
    name = nfc(name or "")[:150]
    if not name:
        raise ValidationError({"name": [_("Cần tên kênh.")]})
    thread = Thread.objects.create(kind=Thread.Kind.CHANNEL, name=name, created_by=actor.name)
    people = {person.pk for person in members} | {actor.user.pk}
    ThreadMember.objects.bulk_create([ThreadMember(thread=thread, user_id=pk) for pk in sorted(people)])
    audit_record(actor=actor, action="discussion.channel_create", target=thread, members=len(people))
    return thread


@transaction.atomic
def channel_add_members(*, actor: Actor, thread: Thread, members: Iterable[User]) -> int:
    """A member of a channel adds colleagues (a repeat adds nobody twice)."""
    if thread.kind != Thread.Kind.CHANNEL or actor.user is None or not can(actor.user, "collab.view", thread):
        raise PermissionDenied
    people = [person for person in members if person.is_active]
    added = ThreadMember.objects.bulk_create(
        [ThreadMember(thread=thread, user=person) for person in people], ignore_conflicts=True
    )
    audit_record(
        actor=actor, action="discussion.channel_add", target=thread, members=[p.username for p in people]
    )
    return len(added)


def direct_open(*, actor: Actor, other: User) -> Thread:
    """The conversation between the actor and `other` (the same one every time)."""
    require_actor(actor, "collab.view")
    if actor.user is None or other.pk == actor.user.pk or not other.is_active:
        raise ValidationError({"person": [_("Chọn một đồng nghiệp khác.")]})
    low, high = sorted((actor.user.pk, other.pk))
    with transaction.atomic():
        thread, created = _get_or_create(
            {"direct_key": f"{low}:{high}"}, {"kind": Thread.Kind.DIRECT, "created_by": actor.name}
        )
        if created:
            ThreadMember.objects.bulk_create(
                [ThreadMember(thread=thread, user_id=low), ThreadMember(thread=thread, user_id=high)],
                ignore_conflicts=True,
            )
    return thread


def _require_reader(actor: Actor, thread: Thread) -> User:
    if actor.user is None or not can(actor.user, "collab.view", thread):
        raise PermissionDenied
    return actor.user


@transaction.atomic
def message_post(*, actor: Actor, thread: Thread, body: str) -> Message:
    author = _require_reader(actor, thread)
    text = _clean_body(body)
    message = Message.objects.create(thread=thread, author=author, body=text)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at)
    audit_record(actor=actor, action="discussion.post", target=message, thread=str(thread.uuid))
    thread_mark_read(user=author, thread=thread, last_message_id=message.pk)
    _notify_mentions(message, text, exclude={author.pk})
    return message


@transaction.atomic
def message_edit(*, actor: Actor, message: Message, body: str) -> Message:
    """The author rewrites a message; the earlier text is kept as a revision."""
    author = _require_reader(actor, message.thread)
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.author_id != author.pk:
        raise PermissionDenied
    text = _clean_body(body)
    if text == message.body:
        return message  # a repeated edit changes nothing
    MessageRevision.objects.create(
        message=message, body=message.body, written_at=message.edited_at or message.created_at
    )
    before = set(MENTION.findall(message.body))
    message.body = text
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "edited_at"])
    audit_record(actor=actor, action="discussion.edit", target=message)
    _notify_mentions(message, text, exclude={author.pk}, already=before)
    return message


def thread_mark_read(*, user: User, thread: Thread, last_message_id: int) -> None:
    """Move the person's read marker forward (never back)."""
    if last_message_id <= 0:
        return
    updated = ThreadRead.objects.filter(user=user, thread=thread).update(
        last_message_id=Greatest(F("last_message_id"), last_message_id)
    )
    if not updated:
        ThreadRead.objects.bulk_create(
            [ThreadRead(user=user, thread=thread, last_message_id=last_message_id)], ignore_conflicts=True
        )


def _notify_mentions(message: Message, text: str, *, exclude: set[int], already: Iterable[str] = ()) -> None:
    from accounts.services.notifications import notification_send

    names = set(MENTION.findall(text)) - set(already)
    if not names:
        return
    thread = message.thread
    people = [
        person
        for person in User.objects.filter(username__in=sorted(names)[:50], is_active=True).exclude(
            pk__in=exclude
        )
        if can(person, "collab.view", thread)  # never tell someone about a thread they may not see
    ]
    if not people:
        return
    notification_send(
        users=people,
        kind="discussion.mention",
        message=_("%(who)s nhắc đến bạn: %(text)s")
        % {"who": message.author.get_username(), "text": text[:200]},
        link=f"/discussions/{thread.uuid}/#m-{message.uuid}",
        dedupe=f"mention:{message.uuid}:{message.edited_at or ''}",
    )
