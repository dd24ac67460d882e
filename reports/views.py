"""Web pages for district officials and national staff: monthly reports (the list, one report with
its key figures and health-facility table, the request form, the downloads) and the message log.
Every view scopes what it reads through ``reports.selectors`` (a district official gets a 404 for
another district's report, and sees only their district's messages) and every download is logged.
A report reads in the official's language (their profile's, or ``?lang=``)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.http import require_POST

from reports import services
from reports.dhis2 import data_value_set
from reports.exports import report_csv, report_xlsx
from reports.forms import ReportRequestForm
from reports.models import MonthlyReport, ReportDownload
from reports.presentation import report_page
from reports.selectors import (
    official_district,
    report_language,
    visible_districts,
    visible_messages,
    visible_reports,
)
from reports.tasks import enqueue_render

REPORTS_PER_PAGE = 50
MESSAGES_PER_PAGE = 100


class AuthenticatedRequest(HttpRequest):
    """The request of a view behind ``login_required``, typed as such (django-stubs' idiom): its
    user is logged in, never an ``AnonymousUser``."""

    user: User


@login_required
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    return _list_page(
        request, ReportRequestForm(user=request.user, initial={"district": official_district(request.user)})
    )


def _list_page(request: HttpRequest, form: ReportRequestForm, status: int = 200) -> HttpResponse:
    reports = visible_reports(request.user)
    districts = visible_districts(request.user)
    chosen = request.GET.get("district", "")
    if chosen:
        reports = reports.filter(district__code=chosen)
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "districts": districts, "chosen": chosen, "form": form}
    return render(request, "reports/report_list.html", context, status=status)


@login_required
@require_POST
def request_report(request: AuthenticatedRequest) -> HttpResponse:
    form = ReportRequestForm(request.POST, user=request.user)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    report, needs_rendering = services.request_report(
        district=form.cleaned_data["district"], month=form.cleaned_data["month"], requested_by=request.user
    )
    if needs_rendering:
        transaction.on_commit(lambda: enqueue_render(report.pk))
    return redirect("reports:detail", pk=report.pk)


@login_required
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(visible_reports(request.user), pk=pk)
    language = report_language(request)
    with translation.override(language):
        context = {
            "report": report,
            "Status": MonthlyReport.Status,
            "language": language,
            **report_page(report),
        }
        return render(request, "reports/report_detail.html", context)


@login_required
def download(
    request: AuthenticatedRequest, pk: int, format: str, number: int | None = None
) -> HttpResponseBase:
    report = get_object_or_404(visible_reports(request.user), pk=pk)
    if not report.has_snapshot:
        raise Http404("This report has not been rendered yet.")
    language = report_language(request)
    name = f"umubyeyi-{report.district.code}-{report.period}"
    if format == ReportDownload.Format.PDF:
        version = get_object_or_404(report.versions, number=number or report.version)
        version = services.version_pdf(version=version, language=language)
        services.log_download(report=report, user=request.user, format=format)
        filename = f"{name}-v{version.number}-{language}.pdf"
        return FileResponse(version.open_pdf(language), as_attachment=True, filename=filename)
    services.log_download(report=report, user=request.user, format=format)
    if format == ReportDownload.Format.CSV:
        response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
        extension = "csv"
    elif format == ReportDownload.Format.XLSX:
        with translation.override(language):
            content = report_xlsx(report)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        extension = f"{language}.xlsx"
    else:
        response = HttpResponse(json.dumps(data_value_set(report), indent=2), content_type="application/json")
        extension = f"v{report.version}.dhis2.json"
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


@login_required
@permission_required("messaging.view_message_log", raise_exception=True)
def message_log(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(visible_messages(request.user), MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reports/message_log.html", {"page": page})
