"""Who sees and acts on what in the workspace's calendar and resources. Registered in
CollabConfig.ready(); each rule also has its queryset form (accounts.permissions.permitted).

- `collab.view` on a CalendarWeek: a published week for everyone; any week for the office that
  drafts it and the head who approves it.
- `collab.view` on a CalendarEvent: the leaders' events of a week one may see; a unit's events for
  its members; a personal event for its owner; and any event for its host and participants
  (the leaders' only once published).
- `collab.view` on a Thread: a document's or dossier's thread by those who see the document or
  dossier; a channel or direct conversation by its members. Its messages go with it.
- `collab.view` on a library Folder and its items: everyone when the folder is open to the whole
  agency, else its creator and the people and units given access; adding files needs an access
  with editing (or being the creator); only the creator grants access.
- Bookings are seen by all staff (a room's calendar is not a secret); a booking is decided by its
  resource's manager, cancelled by whoever booked it or by that manager.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from accounts.permissions import Rule, can

if TYPE_CHECKING:
    from accounts.models import User


def _week_editors(user: User) -> bool:
    return can(user, "collab.draft_calendar") or can(user, "collab.approve_calendar")


def _visible_weeks(user: User) -> Q:
    if _week_editors(user):
        return Q()
    return Q(status="published")


def _visible_events(user: User) -> Q:
    from collab.models import EventParticipant

    involved = Q(host_id=user.pk) | Q(
        pk__in=EventParticipant.objects.filter(user_id=user.pk).order_by().values("event_id")
    )
    agency = Q(scope="agency")
    if not _week_editors(user):
        agency &= Q(week__status="published")
    own = Q(scope="personal", owner_id=user.pk)
    if user.unit_id is not None:
        own |= Q(scope="unit", unit_id=user.unit_id)
    # A participant of a leaders' event sees it once published, like everyone else.
    return agency | own | (involved & ~Q(scope="agency"))


def events_of_person(user: Any) -> Q:
    """The person's own events (their feed): hosted, taken part in or personal; the leaders'
    only once published; never a cancelled one."""
    from collab.models import EventParticipant

    involved = Q(host_id=user.pk) | Q(
        pk__in=EventParticipant.objects.filter(user_id=user.pk).order_by().values("event_id")
    )
    mine = involved | Q(scope="personal", owner_id=user.pk)
    return mine & (~Q(scope="agency") | Q(week__status="published")) & Q(cancelled_at__isnull=True)


def bookings_decidable_by(user: Any) -> QuerySet[Any]:
    """Bookings this person decides (approve, reject): those of the resources they manage."""
    from collab.models import Booking

    if not can(user, "qlvbdh.book_resources") and not can(user, "collab.manage_resources"):
        return Booking.objects.none()
    return Booking.objects.filter(resource__manager_id=user.pk)


def booking_can_decide(user: Any, booking: Any) -> bool:
    return bookings_decidable_by(user).filter(pk=booking.pk).exists()


def booking_can_cancel(user: Any, booking: Any) -> bool:
    return can(user, "qlvbdh.book_resources") and (
        booking.booked_by_id == user.pk or booking.resource.manager_id == user.pk
    )


def _visible_threads(user: User) -> Q:
    """A document's or dossier's thread with its subject (need-to-know); a channel or a direct
    conversation with its members."""
    from accounts.permissions import permitted
    from collab.models import ThreadMember
    from qlvbdh.models import Dossier
    from qlvbdh.permissions import documents_visible_to

    member = ThreadMember.objects.filter(user_id=user.pk).order_by().values("thread_id")
    return (
        Q(kind="document", document_id__in=documents_visible_to(user).order_by().values("pk"))
        | Q(
            kind="dossier",
            dossier_id__in=permitted(user, "qlvbdh.view_documents", Dossier).order_by().values("pk"),
        )
        | Q(kind__in=["channel", "direct"], pk__in=member)
    )


def _visible_messages(user: User) -> Q:
    from collab.models import Thread

    return Q(thread_id__in=Thread.objects.filter(_visible_threads(user)).order_by().values("pk"))


def _folder_grants(user: User, *, edit: bool) -> QuerySet[Any]:
    from collab.models import FolderAccess

    mine = Q(user_id=user.pk)
    if user.unit_id is not None:
        mine |= Q(unit_id=user.unit_id)
    grants = FolderAccess.objects.filter(mine)
    if edit:
        grants = grants.filter(can_edit=True)
    return grants.order_by().values("folder_id")


def _visible_folders(user: User) -> Q:
    return Q(everyone=True) | Q(created_by_id=user.pk) | Q(pk__in=_folder_grants(user, edit=False))


def _editable_folders(user: User) -> Q:
    return Q(created_by_id=user.pk) | Q(pk__in=_folder_grants(user, edit=True))


def _visible_items(user: User) -> Q:
    from collab.models import Folder

    return Q(folder_id__in=Folder.objects.filter(_visible_folders(user)).order_by().values("pk"))


def folders_editable_by(user: Any) -> QuerySet[Any]:
    """Folders this person may add files to (their own, or granted with editing)."""
    from collab.models import Folder

    if not can(user, "collab.view"):
        return Folder.objects.none()
    return Folder.objects.filter(_editable_folders(user))


def folder_can_edit(user: Any, folder: Any) -> bool:
    return folders_editable_by(user).filter(pk=folder.pk).exists()


def rules() -> tuple[Rule[Any], ...]:
    from collab.models import (
        Booking,
        CalendarEvent,
        CalendarWeek,
        Folder,
        LibraryItem,
        Message,
        Resource,
        Thread,
    )

    return (
        Rule("collab.view", Folder, _visible_folders),
        Rule("collab.view", LibraryItem, _visible_items),
        Rule("collab.view", Thread, _visible_threads),
        Rule("collab.view", Message, _visible_messages),
        Rule("collab.view", CalendarWeek, _visible_weeks),
        Rule("collab.view", CalendarEvent, _visible_events),
        Rule("qlvbdh.book_resources", Resource, lambda user: Q(is_active=True)),
        Rule("collab.view", Booking, lambda user: Q()),
    )
