"""The workspace pages of collab (included at the root of the workspace host, before qlvbdh's)."""

from django.urls import path

from collab.views import calendar, home, resources

urlpatterns = [
    path("", home.home_view, name="home"),
    path("calendar/", calendar.calendar_view, name="collab-calendar"),
    path("calendar/events/new/", calendar.event_create_view, name="collab-event-create"),
    path("calendar/events/<str:key>/", calendar.event_edit_view, name="collab-event-edit"),
    path("calendar/events/<str:key>/cancel/", calendar.event_cancel_view, name="collab-event-cancel"),
    path("calendar/weeks/<str:key>/print.pdf", calendar.week_pdf_view, name="collab-week-pdf"),
    path("calendar/weeks/<str:key>/<str:action>/", calendar.week_action_view, name="collab-week-action"),
    path("calendar/feed/", calendar.feed_view, name="collab-feed"),
    path("calendar/feed/<str:token>.ics", calendar.feed_ics_view, name="collab-feed-ics"),
    path("resources/", resources.resource_home_view, name="collab-resources"),
    path("resources/new/", resources.resource_create_view, name="collab-resource-create"),
    path(
        "resources/bookings/<str:key>/<str:action>/",
        resources.booking_action_view,
        name="collab-booking-action",
    ),
]
