from django.urls import path

from qlvbdh.api import (
    attachments,
    documents,
    dossiers,
    incoming,
    outgoing,
    printing,
    processing,
    registers,
    sharing,
)

urlpatterns = [
    path("registers/", registers.RegisterListApi.as_view(), name="api-register-list"),
    path("registers/<uuid:key>/print.pdf", printing.RegisterPrintPdfApi.as_view(), name="api-register-print"),
    path(
        "registers/<uuid:key>/export.xlsx",
        printing.RegisterExportXlsxApi.as_view(),
        name="api-register-export",
    ),
    path("documents/", documents.DocumentListApi.as_view(), name="api-document-list"),
    path("searches/", documents.SavedSearchApi.as_view(), name="api-saved-searches"),
    path("documents/incoming/", incoming.IncomingRegisterApi.as_view(), name="api-document-incoming"),
    path("documents/outgoing/", outgoing.OutgoingDraftApi.as_view(), name="api-document-outgoing"),
    path("documents/<str:key>/approve/", outgoing.outgoing_step_api("approve"), name="api-document-approve"),
    path("documents/<str:key>/sign/", outgoing.outgoing_step_api("sign"), name="api-document-sign"),
    path("documents/<str:key>/issue/", outgoing.OutgoingIssueApi.as_view(), name="api-document-issue"),
    path("documents/<str:key>/revoke/", documents.DocumentRevokeApi.as_view(), name="api-document-revoke"),
    path("documents/<str:key>/", documents.DocumentDetailApi.as_view(), name="api-document-detail"),
    path("documents/<str:key>/submit/", processing.DocumentSubmitApi.as_view(), name="api-document-submit"),
    path("documents/<str:key>/direct/", processing.DocumentDirectApi.as_view(), name="api-document-direct"),
    path(
        "documents/<str:key>/timeline/", documents.DocumentTimelineApi.as_view(), name="api-document-timeline"
    ),
    path(
        "documents/<str:key>/attachments/",
        attachments.DocumentAttachmentsApi.as_view(),
        name="api-document-attachments",
    ),
    path(
        "attachments/<str:key>/download/",
        attachments.AttachmentDownloadApi.as_view(),
        name="api-attachment-download",
    ),
    path("dossiers/", dossiers.DossierListApi.as_view(), name="api-dossier-list"),
    path(
        "dossiers/<str:key>/documents/", dossiers.DossierDocumentsApi.as_view(), name="api-dossier-documents"
    ),
    path("dossiers/<str:key>/close/", dossiers.DossierCloseApi.as_view(), name="api-dossier-close"),
    path("dossiers/<str:key>/export.pdf", dossiers.DossierPdfApi.as_view(), name="api-dossier-pdf"),
    path("dossiers/<str:key>/export.xml", dossiers.DossierXmlApi.as_view(), name="api-dossier-xml"),
    path("tasks/", processing.MyTasksApi.as_view(), name="api-my-tasks"),
    path("tasks/<str:key>/reassign/", processing.AssignmentReassignApi.as_view(), name="api-task-reassign"),
    path(
        "tasks/<str:key>/report/", processing.AssignmentStepApi.as_view(step="report"), name="api-task-report"
    ),
    path("tasks/<str:key>/close/", processing.AssignmentStepApi.as_view(step="close"), name="api-task-close"),
    path("documents/<str:key>/shares/", sharing.DocumentSharesApi.as_view(), name="api-document-shares"),
    path(
        "documents/<str:key>/shares/remove/",
        sharing.DocumentUnshareApi.as_view(),
        name="api-document-unshare",
    ),
    path("dossiers/<str:key>/shares/", sharing.DossierSharesApi.as_view(), name="api-dossier-shares"),
    path(
        "dossiers/<str:key>/shares/remove/", sharing.DossierUnshareApi.as_view(), name="api-dossier-unshare"
    ),
]
