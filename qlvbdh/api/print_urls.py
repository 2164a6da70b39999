from django.urls import path

from qlvbdh.api import print_views

urlpatterns = [
    path(
        "registers/<uuid:key>/print.pdf", print_views.RegisterPrintPdfApi.as_view(), name="api-register-print"
    ),
    path(
        "registers/<uuid:key>/export.xlsx",
        print_views.RegisterExportXlsxApi.as_view(),
        name="api-register-export",
    ),
]
