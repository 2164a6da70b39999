"""The workspace pages of collab (included at the root of the workspace host, before qlvbdh's)."""

from django.urls import path

from collab.views import calendar, discussions, home, library, resources, statistics

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
    path("discussions/", discussions.discussion_list_view, name="collab-discussions"),
    path("discussions/channels/new/", discussions.channel_create_view, name="collab-channel-create"),
    path("discussions/direct/", discussions.direct_open_view, name="collab-direct"),
    path("discussions/document/<str:key>/", discussions.document_thread_view, name="collab-document-thread"),
    path("discussions/dossier/<str:key>/", discussions.dossier_thread_view, name="collab-dossier-thread"),
    path("discussions/messages/<str:key>/edit/", discussions.message_edit_view, name="collab-message-edit"),
    path("discussions/<str:key>/", discussions.thread_view, name="collab-thread"),
    path("discussions/<str:key>/poll/", discussions.thread_poll_view, name="collab-thread-poll"),
    path("discussions/<str:key>/members/", discussions.channel_members_view, name="collab-channel-members"),
    path("statistics/", statistics.statistics_view, name="collab-statistics"),
    path("statistics/export.xlsx", statistics.statistics_xlsx_view, name="collab-statistics-xlsx"),
    path("statistics/export.pdf", statistics.statistics_pdf_view, name="collab-statistics-pdf"),
    path("library/", library.library_view, name="collab-library"),
    path("library/folders/<str:key>/", library.folder_view, name="collab-folder"),
    path("library/folders/<str:key>/access/", library.folder_access_view, name="collab-folder-access"),
    path(
        "library/versions/<str:key>/download/", library.version_download_view, name="collab-version-download"
    ),
    path("resources/", resources.resource_home_view, name="collab-resources"),
    path("resources/new/", resources.resource_create_view, name="collab-resource-create"),
    path(
        "resources/bookings/<str:key>/<str:action>/",
        resources.booking_action_view,
        name="collab-booking-action",
    ),
]
