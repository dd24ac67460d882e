"""Monthly reports in two phases: compute a month's figures into a snapshot (``compute_snapshot``),
then render the PDF from that snapshot (``reports.pdf``). Every write of a report goes through here;
tasks, views and the ``district_report`` command call these functions and stay thin."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from maternal.models import Alert, Facility, Location
from reports import indicators
from reports.indicators import (
    BY_NAME,
    DEATH_INDICATORS,
    INDICATORS,
    CountIndicator,
    Figure,
    Flag,
    Indicator,
    Measurement,
    MedianIndicator,
)
from reports.models import SNAPSHOT_FIELDS, MonthlyReport, OfficialProfile, ReportDownload, ReportVersion
from reports.months import Month

logger = logging.getLogger(__name__)

#: A report still ``running`` after this long lost its worker (the task's hard time limit is shorter).
STALE_RUN_AFTER = timedelta(minutes=10)


class ReportFailed(Exception):
    """A report could not be rendered now (it failed, or a worker is rendering it)."""


@dataclass
class Snapshot:
    """Everything a report shows, as JSON-ready data: counts, ratios and anonymous events; the only
    people named are volunteers who sent nothing (for their supervisors), never a mother."""

    figures: dict = field(default_factory=dict)
    sectors: list = field(default_factory=list)
    health_centres: list = field(default_factory=list)
    trends: dict = field(default_factory=dict)
    targets: dict = field(default_factory=dict)
    births_by_place: dict = field(default_factory=dict)
    facilities: list = field(default_factory=list)
    deaths: list = field(default_factory=list)
    slow_alerts: list = field(default_factory=list)
    silent_volunteers: list = field(default_factory=list)
    month_complete: bool = False
    uncovered_days: list = field(default_factory=list)


def compute_snapshot(*, district: Location, month: Month) -> Snapshot:
    """The month's figures for the district: every indicator for the month, the previous month, the
    same month last year and the 12 months ending with it; every indicator per sector and per health
    facility (ranked against the targets); births by place; what needs action; the events to review
    (deaths, slow alerts), the volunteers who sent nothing and the days without level-1 cover
    by health centre."""
    previous, last_year = month.shift(-1), month.shift(-12)
    trend_months = [month.shift(-back) for back in range(11, -1, -1)]
    measured = {
        indicator.name: _with_totals(
            indicator,
            indicator.measure(district.pk, month, compared=[previous, last_year, *trend_months]),
            district.pk,
            month,
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
        {"code": sector.code, "name": sector.name, "figures": _place_figures(measured, sector.pk, "sectors")}
        for sector in Location.objects.filter(level=Location.Level.SECTOR, district=district).order_by("name")
    ]
    trends = {
        name: [{"month": str(when), **measured[name].district[when].as_json()} for when in trend_months]
        for name in measured
    }
    return Snapshot(
        figures=figures,
        sectors=sectors,
        health_centres=_health_centres(district=district, measured=measured),
        trends=trends,
        targets={i.name: i.target.as_json() for i in INDICATORS if i.target is not None},
        births_by_place=_births_by_place(district=district, month=month),
        facilities=_facilities_needing_action(district=district, month=month),
        uncovered_days=_days_without_cover_by_health_centre(district=district, month=month),
        deaths=_deaths(district=district, month=month),
        slow_alerts=_slow_alerts(district=district, month=month),
        silent_volunteers=_silent_volunteers(district=district, month=month),
        month_complete=timezone.now() >= month.end,
    )


def _with_totals(
    indicator: Indicator, measurement: Measurement, district_id: int, month: Month
) -> Measurement:
    """A median's figures of the report month with the number and total of their durations."""
    if not isinstance(indicator, MedianIndicator):
        return measurement
    totals = indicator.totals(district_id, month)

    def merged(median: dict, total: dict) -> dict:
        return {
            key: Figure(median.get(key, Figure(None)).value, value.numerator, value.denominator)
            for key, value in total.items()
        }

    return Measurement(
        district={**measurement.district, **merged(measurement.district, totals.district)},
        sectors=merged(measurement.sectors, totals.sectors),
        facilities=merged(measurement.facilities, totals.facilities),
    )


def _place_figures(measured: dict[str, Measurement], key: int | None, level: str) -> dict[str, dict]:
    return {name: getattr(m, level).get(key, BY_NAME[name].empty()).as_json() for name, m in measured.items()}


def _health_centres(*, district: Location, measured: dict[str, Measurement]) -> list[dict]:
    """Every health facility of the district, and any other with records of the district, with every
    indicator; ranked by the number of targets missed, then of targets nearly met (worst first)."""
    with_records = {key for m in measured.values() for key in m.facilities if key is not None}
    facilities = Facility.objects.filter(Q(district=district) | Q(pk__in=with_records)).select_related(
        "location__sector"
    )
    rows: list[dict[str, Any]] = []
    for facility in facilities:
        place_figures = _place_figures(measured, facility.pk, "facilities")
        flags = [
            indicator.target.flag(place_figures[indicator.name]["value"])
            for indicator in INDICATORS
            if indicator.target is not None
        ]
        rows.append(
            {
                "code": facility.code,
                "name": facility.name,
                "sector": facility.location.sector.name if facility.location.sector else "",
                "off_target": flags.count(Flag.OFF_TARGET),
                "close": flags.count(Flag.CLOSE),
                "figures": place_figures,
            }
        )
    rows.sort(key=lambda row: (-row["off_target"], -row["close"], row["name"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def _births_by_place(*, district: Location, month: Month) -> dict[str, int]:
    """Births by place code; a birth whose place was not reported counts under ``""``."""
    rows = (
        indicators.BIRTHS.queryset()
        .filter(indicators.BIRTHS.in_month(month), area_district=district.pk)
        .order_by()
        .values("place")
        .annotate(n=Count("pk"))
        .order_by("place")
    )
    counts: dict[str, int] = {}
    for row in rows:
        place = (row["place"] or "").strip()
        counts[place] = counts.get(place, 0) + row["n"]
    return counts


def _deaths(*, district: Location, month: Month) -> list[dict]:
    """Each death the death indicators count in the month (the same records, through their own
    rows), with where it happened: no name, no identifier."""
    events = []
    for name in DEATH_INDICATORS:
        indicator = BY_NAME[name]
        assert isinstance(indicator, CountIndicator)  # a death is counted, never a share
        for rows in indicator.sources:
            events += [
                {
                    "date": str(when),
                    "kind": name,
                    "health_centre": centre or "",
                    "sector": sector or "",
                    "place": (place or "").strip(),
                }
                for when, place, centre, sector in rows.queryset()
                .filter(rows.in_month(month), area_district=district.pk)
                .order_by()
                .values_list(F("event_date"), F("event_place"), F("event_facility"), F("event_sector"))
            ]
    return sorted(events, key=lambda event: (event["date"], event["kind"], event["health_centre"]))


def _slow_alerts(*, district: Location, month: Month) -> list[dict]:
    """The month's red alerts acknowledged later than the target, or never, oldest first."""
    rows = indicators.ALERTS_RAISED
    late = (
        rows.queryset()
        .filter(rows.in_month(month), area_district=district.pk)
        .filter(Q(acknowledged_at__isnull=True) | Q(response_time__gt=indicators.ACKNOWLEDGE_TARGET))
        .select_related("facility")
        .order_by("raised_at", "pk")
    )
    return [
        {
            "number": alert.pk,
            "health_centre": alert.facility.name if alert.facility else "",
            "raised_at": timezone.localtime(alert.raised_at).isoformat(timespec="minutes"),
            "minutes": round(alert.response_time.total_seconds() / 60, 1) if alert.response_time else None,
            "outcome": _outcome(alert),
        }
        for alert in late
    ]


def _outcome(alert: Alert) -> str:
    """The alert's outcome as codes (``closed: mw cw``), or where it stands."""
    if alert.status == Alert.Status.CLOSED:
        return " ".join(["closed:", *alert.outcome_statuses, alert.intervention]).strip()
    return alert.status


def _silent_volunteers(*, district: Location, month: Month) -> list[dict]:
    """Active volunteers of the district, expected to report in the month (as for data completeness),
    who sent no accepted report in it: their supervisors call them."""
    rows = indicators.EXPECTED_VOLUNTEERS
    silent = (
        rows.queryset()
        .filter(rows.in_month(month), area_district=district.pk)
        .exclude(indicators.reported_in(month))
        .select_related("facility")
        .order_by("facility__name", "name", "phone")
    )
    return [
        {"name": volunteer.name, "phone": str(volunteer.phone), "health_centre": volunteer.facility.name}
        for volunteer in silent
    ]


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
    """A new version: the snapshot, then its PDF in the language of each official who reads the
    district (English when nobody does yet; other languages on the first download). Earlier
    versions and their PDFs stay as they were."""
    snapshot = compute_snapshot(district=report.district, month=report.period)
    for name in SNAPSHOT_FIELDS:
        setattr(report, name, getattr(snapshot, name))
    report.generated_at = timezone.now()
    report.version += 1
    version = ReportVersion(
        report=report,
        number=report.version,
        generated_at=report.generated_at,
        month_complete=report.month_complete,
        snapshot=report.snapshot(),
    )
    for language in _readers_languages(report.district):
        _render_pdf(version, language)
    with transaction.atomic():
        version.save()
        report.status, report.error = MonthlyReport.Status.DONE, ""
        report.save()


def _readers_languages(district: Location) -> list[str]:
    readers = OfficialProfile.objects.filter(Q(district=district) | Q(district__isnull=True))
    languages = set(readers.values_list("language", flat=True))
    return [code for code, _name in settings.LANGUAGES if code in languages] or ["en"]


def _render_pdf(version: ReportVersion, language: str) -> None:
    from reports.pdf import MonthlyReportRenderer  # the renderer reads models; keep imports one-way

    version.store_pdf(language, MonthlyReportRenderer(version.as_report(), language=language).render())


def version_pdf(*, version: ReportVersion, language: str) -> ReportVersion:
    """The version with its PDF in ``language``, rendered now from the version's own snapshot when
    nobody asked for that language before (the same figures, whenever it is rendered)."""
    if language not in version.pdfs:
        _render_pdf(version, language)
        version.save(update_fields=["pdfs"])
    return version


def _report_for(*, district: Location, month: Month, requested_by: User | None) -> tuple[MonthlyReport, bool]:
    try:
        with transaction.atomic():
            return MonthlyReport.objects.get_or_create(
                district=district, month=month.first_day, defaults={"requested_by": requested_by}
            )
    except IntegrityError:  # a concurrent request created it first
        return MonthlyReport.objects.get(district=district, month=month.first_day), False


def request_report(
    *, district: Location, month: Month, requested_by: User | None = None
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


def log_download(*, report: MonthlyReport, user: User, format: str) -> ReportDownload:
    return ReportDownload.objects.create(
        report=report, user=user, username=user.get_username(), format=format
    )


def record_dhis2_submission(*, report: MonthlyReport, document: dict) -> ReportVersion:
    """Freeze what was sent to DHIS2 with its date, on the version it came from: a later version
    never changes it, and the report page shows which version DHIS2 has."""
    version = report.versions.get(number=report.version)
    version.sent_to_dhis2_at, version.sent_document = timezone.now(), document
    version.save(update_fields=["sent_to_dhis2_at", "sent_document"])
    return version
