from django.urls import path

from interagency.exchange.api import views

urlpatterns = [
    path("hub/inbox/", views.InboxListApi.as_view(), name="api-hub-inbox"),
    path("hub/inbox/<str:key>/", views.InboxItemApi.as_view(), name="api-hub-inbox-item"),
    path("hub/inbox/<str:key>/accept/", views.InboxAcceptApi.as_view(), name="api-hub-inbox-accept"),
    path("hub/inbox/<str:key>/refuse/", views.InboxRefuseApi.as_view(), name="api-hub-inbox-refuse"),
    path("hub/inbox/<str:key>/answer/", views.InboxAnswerApi.as_view(), name="api-hub-inbox-answer"),
    path("documents/<str:key>/exchange/", views.DocumentExchangeApi.as_view(), name="api-document-exchange"),
]
