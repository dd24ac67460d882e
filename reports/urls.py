from django.urls import path

from reports import views
from reports.models import ReportDownload

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("request/", views.request_report, name="request"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/report.pdf", views.download, {"format": ReportDownload.Format.PDF}, name="pdf"),
    path(
        "<int:pk>/v<int:number>/report.pdf",
        views.download,
        {"format": ReportDownload.Format.PDF},
        name="version_pdf",
    ),
    path("<int:pk>/report.csv", views.download, {"format": ReportDownload.Format.CSV}, name="csv"),
    path("<int:pk>/report.xlsx", views.download, {"format": ReportDownload.Format.XLSX}, name="xlsx"),
    path("<int:pk>/dhis2.json", views.download, {"format": ReportDownload.Format.DHIS2}, name="dhis2"),
]
