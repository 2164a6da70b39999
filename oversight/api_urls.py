"""The console's read-only oversight API (under /api/v1/oversight/), included by name so that the
console's URLconf imports nothing that reaches the hub's signing authority."""

from django.urls import path

from oversight import api

urlpatterns = [
    path("usage/", api.UsageApi.as_view(), name="api-oversight-usage"),
    path("agencies/<str:key>/", api.AgencyFiguresApi.as_view(), name="api-oversight-agency"),
    path("ranking/", api.RankingApi.as_view(), name="api-oversight-ranking"),
]
