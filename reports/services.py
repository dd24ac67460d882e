"""Monthly reports in two phases: compute a month's figures into a snapshot (``compute_snapshot``),
then render the PDF from that snapshot (``reports.pdf``). Every write of a report goes through here;
tasks, views and the ``district_report`` command call these functions and stay thin."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from maternal.models import Alert, Facility, Location
from reports import indicators
from reports.indicators import BY_NAME, INDICATORS, TREND_INDICATORS
from reports.models import MonthlyReport, ReportDownload
from reports.months import Month

logger = logging.getLogger(__name__)

#: A report still ``running`` after this long lost its worker (the task's hard time limit is shorter).
STALE_RUN_AFTER = timedelta(minutes=10)


class ReportFailed(Exception):
    """A report could not be rendered now (it failed, or a worker is rendering it)."""


@dataclass
class Snapshot:
    """Everything a report shows, as JSON-ready data: counts and ratios, never a record."""

    figures: dict = field(default_factory=dict)
    sectors: list = field(default_factory=list)
    trends: dict = field(default_factory=dict)
    births_by_place: dict = field(default_factory=dict)
    facilities: list = field(default_factory=list)
    uncovered_days: list = field(default_factory=list)


def compute_snapshot(*, district: Location, month: Month) -> Snapshot:
    """The month's figures for the district: every indicator for the month, the previous month and
    the same month last year; every indicator per sector; the 12-month trends; births by place;
    open alerts and missed visits by health facility; days without level-1 cover by health centre."""
    previous, last_year = month.shift(-1), month.shift(-12)
    trend_months = [month.shift(-back) for back in range(11, -1, -1)]
    measured = {
        indicator.name: indicator.measure(
            district.pk,
            month,
            compared=[previous, last_year, *(trend_months if indicator.name in TREND_INDICATORS else [])],
        )
        for indicator in INDICATORS
    }
    figures = {
        name: {
            key: m.district[when].as_json()
            for key, when in (("month", month), ("previous", previous), ("last_year", last_year))
        }
        for name, m in measured.items()
    }
    sectors = [
        {
            "code": sector.code,
            "name": sector.name,
            "figures": {
                name: m.sectors.get(sector.pk, BY_NAME[name].empty()).as_json()
                for name, m in measured.items()
            },
        }
        for sector in Location.objects.filter(level=Location.Level.SECTOR, district=district).order_by("name")
    ]
    trends = {
        name: [{"month": str(when), "value": measured[name].district[when].value} for when in trend_months]
        for name in TREND_INDICATORS
    }
    return Snapshot(
        figures=figures,
        sectors=sectors,
        trends=trends,
        births_by_place=_births_by_place(district=district, month=month),
        facilities=_facilities_needing_action(district=district, month=month),
        uncovered_days=_days_without_cover_by_health_centre(district=district, month=month),
    )


def _births_by_place(*, district: Location, month: Month) -> dict[str, int]:
    rows = (
        indicators.BIRTHS.queryset()
        .filter(indicators.BIRTHS.in_month(month), area_district=district.pk)
        .order_by()
        .values("place")
        .annotate(n=Count("pk"))
        .order_by("place")
    )
    return {row["place"]: row["n"] for row in rows}


def _facilities_needing_action(*, district: Location, month: Month) -> list[dict]:
    """Alerts still open at the end of the month and the month's missed visits, by health facility:
    an alert is open until its outcome is reported (RAR), whether acknowledged or not."""
    open_alerts = (
        indicators.alerts()
        .filter(area_district=district.pk, raised_at__lt=month.end)
        .filter(Q(status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED]) | Q(closed_at__gte=month.end))
        .annotate(area_facility=F("facility"))
    )
    missed = (
        indicators.MISSED_VISITS.queryset()
        .filter(indicators.MISSED_VISITS.in_month(month), area_district=district.pk)
        .annotate(area_facility=F("pregnancy__facility"))
    )
    counts: dict[int | None, dict[str, int]] = {}
    for key, rows in (("open_alerts", open_alerts), ("missed_visits", missed)):
        for row in rows.order_by().values("area_facility").annotate(n=Count("pk")):
            counts.setdefault(row["area_facility"], {"open_alerts": 0, "missed_visits": 0})[key] = row["n"]
    names = {
        facility.pk: facility for facility in Facility.objects.filter(pk__in=[pk for pk in counts if pk])
    }
    table = [
        {
            "code": names[pk].code if pk in names else "",
            "name": names[pk].name if pk in names else "No facility recorded",
            **numbers,
        }
        for pk, numbers in counts.items()
    ]
    return sorted(table, key=lambda row: (-row["open_alerts"] - row["missed_visits"], row["name"]))


def _days_without_cover_by_health_centre(*, district: Location, month: Month) -> list[dict]:
    """The month's days without level-1 cover (as for the indicator ``days_without_level1_cover``)
    of each health centre that had any, most days first."""
    rows = (
        indicators.DAYS_WITHOUT_LEVEL1_COVER.queryset()
        .filter(indicators.DAYS_WITHOUT_LEVEL1_COVER.in_month(month), area_district=district.pk)
        .order_by()
        .values("facility__code", "facility__name")
        .annotate(days=Count("pk"))
    )
    table = [
        {"code": row["facility__code"], "name": row["facility__name"], "days": row["days"]} for row in rows
    ]
    return sorted(table, key=lambda row: (-row["days"], row["name"]))


# --- rendering ---------------------------------------------------------------------------------


def run_report(*, report_id: int) -> MonthlyReport | None:
    """Compute and render a queued report. Claims the row first, so a retried or duplicated task
    does nothing (returns None) when another run already has it or it is done."""
    now = timezone.now()
    claimable = Q(status=MonthlyReport.Status.QUEUED) | Q(
        status=MonthlyReport.Status.RUNNING, started_at__lt=now - STALE_RUN_AFTER
    )
    claimed = MonthlyReport.objects.filter(claimable, pk=report_id).update(
        status=MonthlyReport.Status.RUNNING, started_at=now
    )
    if not claimed:
        return None
    report = MonthlyReport.objects.select_related("district").get(pk=report_id)
    try:
        _compute_and_render(report)
    except Exception as error:
        logger.exception("Rendering report %s (%s %s) failed", report.pk, report.district.code, report.period)
        MonthlyReport.objects.filter(pk=report.pk).update(
            status=MonthlyReport.Status.FAILED, error=repr(error)[:2000]
        )
        report.refresh_from_db()
    return report


def _compute_and_render(report: MonthlyReport) -> None:
    from reports.pdf import MonthlyReportRenderer  # the renderer reads models; keep imports one-way

    snapshot = compute_snapshot(district=report.district, month=report.period)
    report.figures, report.sectors, report.trends = snapshot.figures, snapshot.sectors, snapshot.trends
    report.births_by_place, report.facilities = snapshot.births_by_place, snapshot.facilities
    report.uncovered_days = snapshot.uncovered_days
    report.generated_at = timezone.now()
    content = MonthlyReportRenderer(report).render()
    if report.pdf:
        report.pdf.delete(save=False)
    report.pdf.save(f"{report.district.code}-{report.period}.pdf", ContentFile(content), save=False)
    report.status, report.error = MonthlyReport.Status.DONE, ""
    report.save()


def _report_for(
    *, district: Location, month: Month, requested_by: AbstractBaseUser | None
) -> tuple[MonthlyReport, bool]:
    try:
        with transaction.atomic():
            return MonthlyReport.objects.get_or_create(
                district=district, month=month.first_day, defaults={"requested_by": requested_by}
            )
    except IntegrityError:  # a concurrent request created it first
        return MonthlyReport.objects.get(district=district, month=month.first_day), False


def request_report(
    *, district: Location, month: Month, requested_by: AbstractBaseUser | None = None
) -> tuple[MonthlyReport, bool]:
    """Ask for a district's report of a month (new, or refreshed from today's data). Returns the
    report and whether it needs rendering now; a report already queued or running is left alone."""
    report, created = _report_for(district=district, month=month, requested_by=requested_by)
    if created:
        return report, True
    requeued = MonthlyReport.objects.filter(
        pk=report.pk, status__in=[MonthlyReport.Status.DONE, MonthlyReport.Status.FAILED]
    ).update(status=MonthlyReport.Status.QUEUED, requested_by=requested_by, error="")
    report.refresh_from_db()
    return report, bool(requeued)


def queue_monthly_reports(*, month: Month) -> list[int]:
    """Every district's report of ``month`` that still needs rendering: new ones, failed ones,
    queued ones whose task was lost and runs that died. A done report is left as it is."""
    for district in Location.objects.filter(level=Location.Level.DISTRICT):
        report, _created = _report_for(district=district, month=month, requested_by=None)
        MonthlyReport.objects.filter(pk=report.pk, status=MonthlyReport.Status.FAILED).update(
            status=MonthlyReport.Status.QUEUED, error=""
        )
    stale = timezone.now() - STALE_RUN_AFTER
    return list(
        MonthlyReport.objects.filter(month=month.first_day)
        .filter(
            Q(status=MonthlyReport.Status.QUEUED)
            | Q(status=MonthlyReport.Status.RUNNING, started_at__lt=stale)
        )
        .values_list("pk", flat=True)
    )


def generate_report(*, district: Location, month: Month) -> MonthlyReport:
    """Compute and render a report here and now (the ``district_report`` command, the benchmark);
    refreshes a done report. Raises ``ReportFailed`` when rendering fails or a worker is at it."""
    queued, _needs_rendering = request_report(district=district, month=month)
    report = run_report(report_id=queued.pk)
    if report is None:
        raise ReportFailed(
            f"The report of {district.name} for {month} is being rendered by a worker; try again."
        )
    if report.status != MonthlyReport.Status.DONE:
        raise ReportFailed(f"The report of {district.name} for {month} failed: {report.error}")
    return report


def log_download(*, report: MonthlyReport, user: AbstractBaseUser, format: str) -> ReportDownload:
    return ReportDownload.objects.create(
        report=report, user=user, username=user.get_username(), format=format
    )
