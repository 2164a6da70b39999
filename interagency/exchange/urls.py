"""The clerk's hub pages on the workspace host, under /hub/."""

from django.urls import path

from interagency.exchange import views

urlpatterns = [
    path("inbox/", views.inbox_list_view, name="hub-inbox"),
    path("inbox/<str:key>/", views.inbox_item_view, name="hub-inbox-item"),
    path("inbox/<str:key>/accept/", views.inbox_accept_view, name="hub-inbox-accept"),
    path("inbox/<str:key>/refuse/", views.inbox_refuse_view, name="hub-inbox-refuse"),
    path("inbox/<str:key>/answer/", views.inbox_answer_view, name="hub-inbox-answer"),
]
