from django.urls import path

from qlvbdh.api import share_views

urlpatterns = [
    path("documents/<str:key>/shares/", share_views.DocumentSharesApi.as_view(), name="api-document-shares"),
    path(
        "documents/<str:key>/shares/remove/",
        share_views.DocumentUnshareApi.as_view(),
        name="api-document-unshare",
    ),
    path("dossiers/<str:key>/shares/", share_views.DossierSharesApi.as_view(), name="api-dossier-shares"),
    path(
        "dossiers/<str:key>/shares/remove/",
        share_views.DossierUnshareApi.as_view(),
        name="api-dossier-unshare",
    ),
]
