from django.urls import path

from collab.api import calendar, discussions, library, resources, statistics

urlpatterns = [
    path("library/folders/", library.FolderListApi.as_view(), name="api-library-folders"),
    path("library/folders/<str:key>/items/", library.ItemUploadApi.as_view(), name="api-library-upload"),
    path("library/items/", library.ItemListApi.as_view(), name="api-library-items"),
    path("statistics/", statistics.StatisticsApi.as_view(), name="api-statistics"),
    path("discussions/", discussions.ThreadListApi.as_view(), name="api-thread-list"),
    path("discussions/messages/<str:key>/", discussions.MessageEditApi.as_view(), name="api-message-edit"),
    path(
        "discussions/<str:key>/messages/", discussions.ThreadMessagesApi.as_view(), name="api-thread-messages"
    ),
    path("calendar/events/", calendar.CalendarEventListApi.as_view(), name="api-calendar-events"),
    path("calendar/weeks/<str:key>/submit/", calendar.week_action_api("submit"), name="api-week-submit"),
    path("calendar/weeks/<str:key>/approve/", calendar.week_action_api("approve"), name="api-week-approve"),
    path("calendar/weeks/<str:key>/return/", calendar.week_action_api("return"), name="api-week-return"),
    path("resources/", resources.ResourceListApi.as_view(), name="api-resource-list"),
    path("bookings/", resources.BookingListApi.as_view(), name="api-booking-list"),
    path("bookings/<str:key>/approve/", resources.booking_action_api("approve"), name="api-booking-approve"),
    path("bookings/<str:key>/reject/", resources.booking_action_api("reject"), name="api-booking-reject"),
    path("bookings/<str:key>/cancel/", resources.booking_action_api("cancel"), name="api-booking-cancel"),
]
