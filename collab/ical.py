"""A person's calendar as iCalendar (RFC 5545), written with the `icalendar` library."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from collab.models import CalendarEvent


def calendar_ics(*, name: str, host: str, events: Iterable[CalendarEvent]) -> bytes:
    # Imported by the feed, not by every web worker routing to it (README "Web worker memory").
    from icalendar import Calendar, Event, vCalAddress, vText

    calendar = Calendar()
    calendar.add("prodid", "-//tinhso//Lich cong tac//VI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("method", "PUBLISH")
    for item in events:
        event = Event()
        event.add("uid", f"{item.uuid}@{host}")
        event.add("summary", item.title)
        event.add("dtstart", item.starts_at)
        event.add("dtend", item.ends_at)
        event.add("dtstamp", item.updated_at or timezone.now())
        event.add("sequence", item.revision)
        if item.place:
            event.add("location", item.place)
        if item.host is not None:
            organizer = vCalAddress(f"urn:tinhso:{item.host.uuid}")
            organizer.params["cn"] = vText(item.host.get_full_name() or item.host.get_username())
            event["organizer"] = organizer
        if item.other_participants:
            event.add("description", item.other_participants)
        calendar.add_component(event)
    return bytes(calendar.to_ical())
