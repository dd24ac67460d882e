"""Monthly district reports: the computed snapshot of a month (aggregates only, never a name or a
mother's ID), the PDF rendered from it, who may see which district, and who downloaded what."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from maternal.models import Location
from reports.months import Month


def report_file_name(report: MonthlyReport, filename: str) -> str:
    return f"reports/{report.district.code}-{report.month:%Y-%m}.pdf"


class MonthlyReport(models.Model):
    """One district's report for one calendar month. The row is the truth about its rendering
    (status); the JSON fields are the snapshot every output (PDF, CSV, DHIS2) is made from."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    district = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Location.Level.DISTRICT},
    )
    month = models.DateField(help_text="The first day of the calendar month.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True, help_text="When the figures were computed.")
    error = models.TextField(blank=True)
    #: {indicator name: {"month": figure, "previous": figure, "last_year": figure}}
    figures = models.JSONField(default=dict, blank=True)
    #: [{"code", "name", "figures": {indicator name: figure}}], in sector-name order
    sectors = models.JSONField(default=list, blank=True)
    #: {indicator name: [{"month": "YYYY-MM", "value": ...}] for the 12 months ending with this one}
    trends = models.JSONField(default=dict, blank=True)
    #: {place code: births}
    births_by_place = models.JSONField(default=dict, blank=True)
    #: [{"code", "name", "open_alerts", "missed_visits"}] for health facilities needing action
    facilities = models.JSONField(default=list, blank=True)
    #: [{"code", "name", "days"}]: health centres with days without level-1 cover, most days first
    uncovered_days = models.JSONField(default=list, blank=True)
    pdf = models.FileField(upload_to=report_file_name, blank=True)

    class Meta:
        ordering = ["-month", "district__name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "month"], name="one_report_per_district_month")
        ]

    def __str__(self) -> str:
        return f"{self.district.name} {self.period.label}"

    @property
    def period(self) -> Month:
        return Month.of(self.month)

    @property
    def has_snapshot(self) -> bool:
        """Whether figures were computed (a refresh in progress keeps the previous ones available)."""
        return self.generated_at is not None


class OfficialProfile(models.Model):
    """Which district's reports a web user may see: one district, or every district (national staff).
    A user without a profile sees no report (superusers excepted)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="official_profile"
    )
    district = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Location.Level.DISTRICT},
        help_text="Empty for national staff, who see every district.",
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.district.name if self.district else 'national'})"


class ReportDownload(models.Model):
    """Every download of a report, in any format (each download is logged)."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        DHIS2 = "dhis2", "DHIS2 JSON"

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, help_text="Kept when the user is deleted.")
    format = models.CharField(max_length=5, choices=Format.choices)
    downloaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-downloaded_at"]
        indexes = [models.Index(fields=["report", "downloaded_at"])]

    def __str__(self) -> str:
        return f"{self.username} {self.get_format_display()} {self.report}"
