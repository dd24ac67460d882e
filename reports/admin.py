from functools import partial

from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from reports import services
from reports.models import MonthlyReport, OfficialProfile, ReportDownload
from reports.tasks import enqueue_render


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = (
        "district",
        "month",
        "status",
        "version",
        "month_complete",
        "generated_at",
        "requested_by",
    )
    list_filter = ("status", "month")
    search_fields = ("district__name", "district__code")
    date_hierarchy = "month"
    # The PDFs are offered through the logged, scoped download views, never as bare media links.
    actions = ["render_again"]
    readonly_fields = (
        "district",
        "month",
        "status",
        "requested_at",
        "requested_by",
        "started_at",
        "generated_at",
        "version",
        "month_complete",
        "error",
        "downloads_links",
        "figures",
        "sectors",
        "trends",
        "births_by_place",
        "facilities",
        "health_centres",
        "deaths",
        "slow_alerts",
        "silent_volunteers",
        "targets",
    )

    def has_add_permission(self, request) -> bool:
        return False  # reports are requested from the reports page, or rendered by beat

    @admin.action(description="Render again from today's data")
    def render_again(self, request, queryset) -> None:
        for report in queryset.select_related("district"):
            report, needs_rendering = services.request_report(
                district=report.district, month=report.period, requested_by=request.user
            )
            if needs_rendering:
                transaction.on_commit(partial(enqueue_render, report.pk))

    @admin.display(description="Downloads")
    def downloads_links(self, report: MonthlyReport) -> str:
        if not report.has_snapshot:
            return "-"
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">XLSX</a> · <a href="{}">CSV</a> · <a href="{}">DHIS2</a>',
            reverse("reports:pdf", args=[report.pk]),
            reverse("reports:xlsx", args=[report.pk]),
            reverse("reports:csv", args=[report.pk]),
            reverse("reports:dhis2", args=[report.pk]),
        )


@admin.register(OfficialProfile)
class OfficialProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "district")
    list_select_related = ("user", "district")
    search_fields = ("user__username", "district__name")
    raw_id_fields = ("user",)


@admin.register(ReportDownload)
class ReportDownloadAdmin(admin.ModelAdmin):
    list_display = ("downloaded_at", "username", "report", "format")
    list_filter = ("format",)
    list_select_related = ("report__district",)
    search_fields = ("username",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
