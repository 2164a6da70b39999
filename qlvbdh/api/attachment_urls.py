from django.urls import path

from qlvbdh.api import attachment_views

urlpatterns = [
    path(
        "documents/<str:key>/attachments/",
        attachment_views.DocumentAttachmentsApi.as_view(),
        name="api-document-attachments",
    ),
    path(
        "attachments/<str:key>/download/",
        attachment_views.AttachmentDownloadApi.as_view(),
        name="api-attachment-download",
    ),
]
