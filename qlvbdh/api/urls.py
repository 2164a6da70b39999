from django.urls import include, path

from qlvbdh.api import dossier_views, views

urlpatterns = [
    path("registers/", views.RegisterListApi.as_view(), name="api-register-list"),
    path("documents/", views.DocumentListApi.as_view(), name="api-document-list"),
    path("searches/", views.SavedSearchApi.as_view(), name="api-saved-searches"),
    path("documents/incoming/", views.IncomingRegisterApi.as_view(), name="api-document-incoming"),
    path("documents/outgoing/", views.OutgoingDraftApi.as_view(), name="api-document-outgoing"),
    path("documents/<str:key>/approve/", views.outgoing_step_api("approve"), name="api-document-approve"),
    path("documents/<str:key>/sign/", views.outgoing_step_api("sign"), name="api-document-sign"),
    path("documents/<str:key>/issue/", views.OutgoingIssueApi.as_view(), name="api-document-issue"),
    path("documents/<str:key>/revoke/", views.DocumentRevokeApi.as_view(), name="api-document-revoke"),
    path("documents/<str:key>/", views.DocumentDetailApi.as_view(), name="api-document-detail"),
    path("documents/<str:key>/submit/", views.DocumentSubmitApi.as_view(), name="api-document-submit"),
    path("documents/<str:key>/direct/", views.DocumentDirectApi.as_view(), name="api-document-direct"),
    path("documents/<str:key>/timeline/", views.DocumentTimelineApi.as_view(), name="api-document-timeline"),
    path("dossiers/", dossier_views.DossierListApi.as_view(), name="api-dossier-list"),
    path(
        "dossiers/<str:key>/documents/",
        dossier_views.DossierDocumentsApi.as_view(),
        name="api-dossier-documents",
    ),
    path("dossiers/<str:key>/close/", dossier_views.DossierCloseApi.as_view(), name="api-dossier-close"),
    path("dossiers/<str:key>/export.pdf", dossier_views.DossierPdfApi.as_view(), name="api-dossier-pdf"),
    path("dossiers/<str:key>/export.xml", dossier_views.DossierXmlApi.as_view(), name="api-dossier-xml"),
    path("tasks/", views.MyTasksApi.as_view(), name="api-my-tasks"),
    path("tasks/<str:key>/reassign/", views.AssignmentReassignApi.as_view(), name="api-task-reassign"),
    path("tasks/<str:key>/report/", views.AssignmentStepApi.as_view(step="report"), name="api-task-report"),
    path("tasks/<str:key>/close/", views.AssignmentStepApi.as_view(step="close"), name="api-task-close"),
    path("", include("qlvbdh.api.print_urls")),
    path("", include("qlvbdh.api.attachment_urls")),
    path("", include("qlvbdh.api.share_urls")),
]
