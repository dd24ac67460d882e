"""Monthly district reports: the computed snapshot of a month (aggregates, anonymous events to
review and the volunteers who sent nothing; never a mother's ID), every version of it kept with its
PDFs, who may see which district in which language, and who downloaded what."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models

from maternal.models import LANGUAGE_CHOICES, Location
from reports.months import Month

#: The snapshot fields of a ``MonthlyReport``, copied whole into each ``ReportVersion``.
SNAPSHOT_FIELDS = (
    "figures",
    "sectors",
    "health_centres",
    "trends",
    "targets",
    "births_by_place",
    "facilities",
    "deaths",
    "slow_alerts",
    "silent_volunteers",
    "uncovered_days",
    "month_complete",
)


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
    #: [{"code", "name", "sector", "rank", "figures": {indicator name: figure}}], worst first
    health_centres = models.JSONField(default=list, blank=True)
    #: {indicator name: [{"month": "YYYY-MM", **figure}] for the 12 months ending with this one}
    trends = models.JSONField(default=dict, blank=True)
    #: {indicator name: target} as they were when the figures were computed
    targets = models.JSONField(default=dict, blank=True)
    #: {place code ("" when not reported): births}
    births_by_place = models.JSONField(default=dict, blank=True)
    #: [{"code", "name", "open_alerts", "missed_visits"}] for health facilities needing action
    facilities = models.JSONField(default=list, blank=True)
    #: [{"code", "name", "days"}]: health centres with days without level-1 cover, most days first
    uncovered_days = models.JSONField(default=list, blank=True)
    #: [{"date", "kind", "health_centre", "sector", "place"}]: the month's deaths, for death audits
    deaths = models.JSONField(default=list, blank=True)
    #: [{"number", "health_centre", "raised_at", "minutes", "outcome"}]: alerts slow or never acknowledged
    slow_alerts = models.JSONField(default=list, blank=True)
    #: [{"name", "phone", "health_centre"}]: active volunteers who sent no report in the month
    silent_volunteers = models.JSONField(default=list, blank=True)
    month_complete = models.BooleanField(
        default=False, help_text="Whether the month had ended when the figures were computed."
    )
    version = models.PositiveIntegerField(default=0, help_text="The number of the latest version.")

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

    @property
    def current(self) -> ReportVersion | None:
        return self.versions.filter(number=self.version).first()

    def snapshot(self) -> dict:
        return {name: getattr(self, name) for name in SNAPSHOT_FIELDS}


def _versioned_name(version: ReportVersion, language: str) -> str:
    report = version.report
    return f"reports/{report.district.code}-{report.period}-v{version.number}-{language}.pdf"


class ReportVersion(models.Model):
    """One computation of a report, kept for good: "compute again" adds a version and never
    changes one, so figures already sent to DHIS2 or printed for a meeting can be found again."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    generated_at = models.DateTimeField()
    month_complete = models.BooleanField()
    snapshot = models.JSONField()
    #: {language: stored file name} of the PDF in each report language
    pdfs = models.JSONField(default=dict)
    sent_to_dhis2_at = models.DateTimeField(null=True, blank=True)
    #: The dataValueSets document as it was posted, frozen.
    sent_document = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="one_number_per_version")]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"

    def as_report(self) -> MonthlyReport:
        """The report as it was at this version (unsaved), for rendering."""
        report = self.report
        snapshot = {name: value for name, value in self.snapshot.items() if name in SNAPSHOT_FIELDS}
        snapshot["month_complete"] = self.month_complete
        return MonthlyReport(
            pk=report.pk,
            district=report.district,
            month=report.month,
            version=self.number,
            generated_at=self.generated_at,
            **snapshot,
        )

    def store_pdf(self, language: str, content: bytes) -> None:
        self.pdfs[language] = default_storage.save(_versioned_name(self, language), ContentFile(content))

    def pdf_path(self, language: str) -> str:
        return default_storage.path(self.pdfs[language])

    def open_pdf(self, language: str):
        return default_storage.open(self.pdfs[language], "rb")


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
    language = models.CharField(
        max_length=2, choices=LANGUAGE_CHOICES, default="en", help_text="The language of the reports."
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.district.name if self.district else 'national'})"


class ReportDownload(models.Model):
    """Every download of a report, in any format: each download is logged."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX workbook"
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
