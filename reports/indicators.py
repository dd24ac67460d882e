"""The monthly report's indicators, each defined once: its name, its exact rule in words, its unit and
the aggregate query that computes it. The PDF, its annex, the CSV and the DHIS2 export all read
``INDICATORS``; ``docs/indicators.md`` repeats the rules (a test keeps the two in step).

Every query counts in the database, for one district and one calendar month (Africa/Kigali time),
optionally grouped by sector. Where a record belongs: a pregnancy (and everything recorded about
it: births, visits, deaths, reminders) to the district and sector of the pregnancy's village as it
is now; an alert to its pregnancy's village, or to its health facility's location when it names no
registered pregnancy; a volunteer to their own village.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from maternal.models import Alert, Baby, Birth, Death, Pregnancy, Reporter, Visit
from messaging.models import InboundMessage
from reminders.models import Reminder
from reports.months import Month

#: Birth places that count as a facility birth (codes.md: health centre, hospital).
FACILITY_PLACES = ("hc", "hp")
#: The response target for a red alert.
ACKNOWLEDGE_TARGET = timedelta(minutes=10)
#: Keywords of the SMS that are reports about mothers (not HELP, WHO, LANG, REG, YES, OK).
REPORT_KEYWORDS = ("PRE", "ANC", "RISK", "RED", "RAR", "BIR", "PNC", "DTH", "LOS", "DEP")

#: A sector's location id; ``None`` keys the whole district (or, by sector, rows without a sector).
SectorId = int | None


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "%"
    MINUTES = "minutes"


@dataclass(frozen=True)
class Figure:
    """One indicator's value for one place and month; a percentage keeps its two counts."""

    value: float | None
    numerator: int | None = None
    denominator: int | None = None

    def as_json(self) -> dict:
        return {"value": self.value, "numerator": self.numerator, "denominator": self.denominator}

    @classmethod
    def from_json(cls, data: dict | None) -> Figure:
        data = data or {}
        return cls(data.get("value"), data.get("numerator"), data.get("denominator"))


#: The rows an indicator looks at for a month, annotated with ``area_district`` and ``area_sector``.
Rows = Callable[[Month], QuerySet]


@dataclass(frozen=True)
class Indicator:
    name: str
    title: str
    short_title: str
    unit: Unit
    rule: str

    def compute(self, month: Month, district_id: int) -> Figure:
        """The district's figure for the month."""
        return self._compute(month, district_id, by_sector=False)[None]

    def compute_by_sector(self, month: Month, district_id: int) -> dict[SectorId, Figure]:
        """One figure per sector id that has any rows; absent sectors have a zero (or empty) figure."""
        return self._compute(month, district_id, by_sector=True)

    def _compute(self, month: Month, district_id: int, *, by_sector: bool) -> dict[SectorId, Figure]:
        raise NotImplementedError

    def empty(self) -> Figure:
        """The figure of a place without any rows: zero for a count, no value for a ratio or a median."""
        if self.unit == Unit.COUNT:
            return Figure(0)
        if self.unit == Unit.PERCENT:
            return Figure(None, 0, 0)
        return Figure(None)

    def format(self, figure: Figure) -> str:
        if figure.value is None:
            return "–"
        if self.unit == Unit.PERCENT:
            return f"{figure.value:.1f}%"
        if self.unit == Unit.MINUTES:
            return f"{figure.value:.1f} min"
        return f"{figure.value:g}"


def _grouped(queryset: QuerySet, district_id: int, by_sector: bool, **aggregates) -> dict[SectorId, dict]:
    scoped = queryset.filter(area_district=district_id).order_by()
    if not by_sector:
        return {None: scoped.aggregate(**aggregates)}
    rows = scoped.values("area_sector").annotate(**aggregates)
    return {row.pop("area_sector"): row for row in rows}


@dataclass(frozen=True)
class CountIndicator(Indicator):
    """The number of rows, summed over one or more sources (a stillbirth is reported two ways)."""

    sources: tuple[Rows, ...]

    def _compute(self, month: Month, district_id: int, *, by_sector: bool) -> dict[SectorId, Figure]:
        totals: dict[SectorId, int] = defaultdict(int)
        for rows in self.sources:
            for sector, result in _grouped(rows(month), district_id, by_sector, n=Count("pk")).items():
                totals[sector] += result["n"]
        return {sector: Figure(n) for sector, n in totals.items()}


@dataclass(frozen=True)
class ShareIndicator(Indicator):
    """The percentage of rows that match ``counted``."""

    rows: Rows
    counted: Q

    def _compute(self, month: Month, district_id: int, *, by_sector: bool) -> dict[SectorId, Figure]:
        results = _grouped(
            self.rows(month), district_id, by_sector, n=Count("pk", filter=self.counted), d=Count("pk")
        )
        return {
            sector: Figure(round(100 * r["n"] / r["d"], 1) if r["d"] else None, r["n"], r["d"])
            for sector, r in results.items()
        }


@dataclass(frozen=True)
class MedianIndicator(Indicator):
    """The median of a duration over rows, in minutes. The database numbers the rows in order
    (a window function) and returns only the one or two middle rows of each group."""

    rows: Rows
    duration: ExpressionWrapper

    def _compute(self, month: Month, district_id: int, *, by_sector: bool) -> dict[SectorId, Figure]:
        partition = [F("area_sector")] if by_sector else None
        middle = (
            self.rows(month)
            .filter(area_district=district_id)
            .annotate(
                duration=self.duration,
                position=Window(
                    RowNumber(), partition_by=partition, order_by=[F("duration").asc(), F("pk").asc()]
                ),
                size=Window(Count("pk"), partition_by=partition),
            )
            .filter(position__gte=(F("size") + 1) / 2, position__lte=(F("size") + 2) / 2)
            .values_list("area_sector", "duration")
        )
        halves: dict[SectorId, list[timedelta]] = defaultdict(list)
        for sector, duration in middle:
            halves[sector if by_sector else None].append(duration)
        figures = {
            sector: Figure(round(sum(values, timedelta()).total_seconds() / 60 / len(values), 1))
            for sector, values in halves.items()
        }
        if not by_sector:
            figures.setdefault(None, Figure(None))
        return figures


# --- the rows each indicator looks at --------------------------------------------------------


def _pregnancies() -> QuerySet:
    return Pregnancy.objects.annotate(area_district=F("village__district"), area_sector=F("village__sector"))


def _births() -> QuerySet:
    return Birth.objects.annotate(
        area_district=F("pregnancy__village__district"), area_sector=F("pregnancy__village__sector")
    )


def _deaths() -> QuerySet:
    return Death.objects.annotate(
        area_district=F("pregnancy__village__district"), area_sector=F("pregnancy__village__sector")
    )


def _reminders() -> QuerySet:
    return Reminder.objects.annotate(
        area_district=F("pregnancy__village__district"), area_sector=F("pregnancy__village__sector")
    )


def alerts() -> QuerySet:
    """Alerts with the district and sector they belong to (also used for open alerts by facility)."""
    return Alert.objects.annotate(
        area_district=Coalesce("pregnancy__village__district", "facility__location__district"),
        area_sector=Coalesce("pregnancy__village__sector", "facility__location__sector"),
    )


def new_pregnancy_rows(month: Month) -> QuerySet:
    return _pregnancies().filter(registered_on__range=(month.first_day, month.last_day))


def birth_rows(month: Month) -> QuerySet:
    return _births().filter(birth_date__range=(month.first_day, month.last_day))


def _births_with_anc_contacts(month: Month) -> QuerySet:
    # The kind is filtered inside the count, so that the lookup uses the pregnancy index (SQLite
    # would otherwise pick the (kind, visit_date) index and scan every ANC visit for each birth).
    anc_visits = (
        Visit.objects.filter(pregnancy=OuterRef("pregnancy"))
        .order_by()
        .values("pregnancy")
        .annotate(n=Count("pk", filter=Q(kind=Visit.Kind.ANC)))
        .values("n")
    )
    return birth_rows(month).alias(anc_contacts=Coalesce(Subquery(anc_visits), Value(0)) + 1)


def _alerts_raised(month: Month) -> QuerySet:
    return alerts().filter(raised_at__gte=month.start, raised_at__lt=month.end)


def _acknowledged_alerts(month: Month) -> QuerySet:
    return _alerts_raised(month).filter(acknowledged_at__isnull=False)


_RESPONSE_TIME = ExpressionWrapper(F("acknowledged_at") - F("raised_at"), output_field=DurationField())


def _deaths_of_kind(kind: str) -> Rows:
    return lambda month: _deaths().filter(kind=kind, date__range=(month.first_day, month.last_day))


def _stillborn_babies(month: Month) -> QuerySet:
    reported_as_death = Death.objects.filter(
        pregnancy=OuterRef("birth__pregnancy"), kind=Death.Kind.STILLBIRTH
    )
    return (
        Baby.objects.annotate(
            area_district=F("birth__pregnancy__village__district"),
            area_sector=F("birth__pregnancy__village__sector"),
        )
        .filter(stillborn=True, birth__birth_date__range=(month.first_day, month.last_day))
        .exclude(Exists(reported_as_death))
    )


def _newborn_deaths(month: Month) -> QuerySet:
    age = ExpressionWrapper(F("date") - F("pregnancy__birth__birth_date"), output_field=DurationField())
    return (
        _deaths_of_kind(Death.Kind.NEWBORN)(month)
        .alias(age=age)
        .filter(Q(pregnancy__birth__isnull=True) | Q(age__lte=timedelta(days=28)))
    )


def _high_risk_at_month_end(month: Month) -> QuerySet:
    return _pregnancies().filter(
        Q(status=Pregnancy.Status.ACTIVE) | Q(closed_on__gt=month.last_day),
        high_risk=True,
        registered_on__lte=month.last_day,
    )


def _reminders_sent(month: Month) -> QuerySet:
    return _reminders().filter(sent_at__gte=month.start, sent_at__lt=month.end)


def missed_visit_rows(month: Month) -> QuerySet:
    """Missed visits counted in ``month`` (also listed by health facility in the report)."""
    after = settings.MISSED_VISIT_AFTER
    return _reminders().filter(
        status=Reminder.Status.MISSED, due_date__range=(month.first_day - after, month.last_day - after)
    )


def _volunteers(month: Month) -> QuerySet:
    reported = InboundMessage.objects.filter(
        phone=OuterRef("phone"),
        accepted=True,
        keyword__in=REPORT_KEYWORDS,
        received_at__gte=month.start,
        received_at__lt=month.end,
    )
    return Reporter.objects.annotate(
        area_district=F("village__district"), area_sector=F("village__sector"), reported=Exists(reported)
    )


def _volunteers_who_reported(month: Month) -> QuerySet:
    return _volunteers(month).filter(reported=True)


def _volunteers_expected(month: Month) -> QuerySet:
    return _volunteers(month).filter(status=Reporter.Status.ACTIVE, registered_at__lt=month.end)


# --- the registry ------------------------------------------------------------------------------

_IN_MONTH = "in the calendar month (Africa/Kigali time)"

INDICATORS: tuple[Indicator, ...] = (
    CountIndicator(
        name="new_pregnancies",
        title="New pregnancies",
        short_title="New pregn.",
        unit=Unit.COUNT,
        rule=f"Pregnancies registered (PRE) with a registration date {_IN_MONTH}, whatever their status now "
        "(a pregnancy since closed by a birth, a loss or a move still counts in the month it was registered).",
        sources=(new_pregnancy_rows,),
    ),
    ShareIndicator(
        name="registered_before_12_weeks",
        title="Registered before 12 weeks",
        short_title="Reg. <12 wk",
        unit=Unit.PERCENT,
        rule="Of the new pregnancies of the month, the percentage registered before 12 completed weeks of "
        "gestation: registration date minus LMP is less than 84 days.",
        rows=lambda month: new_pregnancy_rows(month).alias(
            gestation=ExpressionWrapper(
                F("registered_on") - F("last_menstrual_period"), output_field=DurationField()
            )
        ),
        counted=Q(gestation__lt=timedelta(weeks=12)),
    ),
    CountIndicator(
        name="births",
        title="Births",
        short_title="Births",
        unit=Unit.COUNT,
        rule=f"Deliveries reported (BIR) with a birth date {_IN_MONTH}; twins count as one delivery.",
        sources=(birth_rows,),
    ),
    ShareIndicator(
        name="facility_births",
        title="Facility births",
        short_title="Facility births",
        unit=Unit.PERCENT,
        rule="Of the births of the month, the percentage whose place is a health centre (hc) or a hospital (hp).",
        rows=birth_rows,
        counted=Q(place__in=FACILITY_PLACES),
    ),
    ShareIndicator(
        name="anc4_births",
        title="Births with 4+ ANC contacts",
        short_title="ANC 4+",
        unit=Unit.PERCENT,
        rule="Of the births of the month, the percentage whose pregnancy had at least 4 antenatal contacts. "
        "Contacts = 1 for the registration (the PRE is ANC1) + the number of ANC visit reports of the pregnancy.",
        rows=_births_with_anc_contacts,
        counted=Q(anc_contacts__gte=4),
    ),
    ShareIndicator(
        name="anc8_births",
        title="Births with 8+ ANC contacts",
        short_title="ANC 8+",
        unit=Unit.PERCENT,
        rule="Of the births of the month, the percentage whose pregnancy had at least 8 antenatal contacts, "
        "counted as for 4+ (the PRE is ANC1, plus each ANC visit report).",
        rows=_births_with_anc_contacts,
        counted=Q(anc_contacts__gte=8),
    ),
    CountIndicator(
        name="red_alerts",
        title="Red alerts",
        short_title="Red alerts",
        unit=Unit.COUNT,
        rule=f"Red alerts (RED) raised {_IN_MONTH}, from any sender.",
        sources=(_alerts_raised,),
    ),
    ShareIndicator(
        name="alerts_acknowledged_in_10_minutes",
        title="Alerts acknowledged within 10 minutes",
        short_title="Alerts ack. in 10 min",
        unit=Unit.PERCENT,
        rule="Of the red alerts raised in the month, the percentage acknowledged (OK from a staff phone) at most "
        "10 minutes after being raised, even when the acknowledgement falls after midnight or in the next month. "
        "Alerts never acknowledged count in the denominator only.",
        rows=lambda month: _alerts_raised(month).alias(response_time=_RESPONSE_TIME),
        counted=Q(response_time__lte=ACKNOWLEDGE_TARGET),
    ),
    MedianIndicator(
        name="median_minutes_to_acknowledge",
        title="Median time to acknowledge",
        short_title="Median ack. (min)",
        unit=Unit.MINUTES,
        rule="Over the red alerts raised in the month that were acknowledged, the median of (acknowledged at - "
        "raised at) in minutes; with an even number of alerts, the mean of the two middle values.",
        rows=_acknowledged_alerts,
        duration=_RESPONSE_TIME,
    ),
    CountIndicator(
        name="maternal_deaths",
        title="Maternal deaths",
        short_title="Maternal deaths",
        unit=Unit.COUNT,
        rule=f"Deaths reported with code md (DTH) and a death date {_IN_MONTH}.",
        sources=(_deaths_of_kind(Death.Kind.MATERNAL),),
    ),
    CountIndicator(
        name="stillbirths",
        title="Stillbirths",
        short_title="Stillbirths",
        unit=Unit.COUNT,
        rule=f"Deaths reported with code sbd (DTH) and a death date {_IN_MONTH}, plus babies reported "
        "stillborn (BIR sign sb) with a birth date in the month whose pregnancy has no sbd death report "
        "(so one event reported both ways counts once).",
        sources=(_deaths_of_kind(Death.Kind.STILLBIRTH), _stillborn_babies),
    ),
    CountIndicator(
        name="newborn_deaths",
        title="Newborn deaths (up to 28 days)",
        short_title="Newborn deaths",
        unit=Unit.COUNT,
        rule=f"Deaths reported with code nd (DTH) and a death date {_IN_MONTH}, at most 28 days after the "
        "recorded birth date (a newborn death without a recorded birth counts).",
        sources=(_newborn_deaths,),
    ),
    CountIndicator(
        name="high_risk_active",
        title="High-risk pregnancies active at month end",
        short_title="High-risk active",
        unit=Unit.COUNT,
        rule="Pregnancies flagged high-risk, registered on or before the last day of the month and not closed "
        "by then: status active now, or closed (birth, loss, death, move) after the last day of the month.",
        sources=(_high_risk_at_month_end,),
    ),
    CountIndicator(
        name="reminders_sent",
        title="Reminders sent",
        short_title="Reminders sent",
        unit=Unit.COUNT,
        rule=f"Planned reminders (ANC, birth preparedness, post-EDD, PNC) sent {_IN_MONTH}; a reminder "
        "counts once even when several went out in one digest SMS.",
        sources=(_reminders_sent,),
    ),
    CountIndicator(
        name="missed_visits",
        title="Missed visits",
        short_title="Missed visits",
        unit=Unit.COUNT,
        rule="Reminders with status missed whose due date + 14 days falls in the calendar month (the day the "
        "visit became missed).",
        sources=(missed_visit_rows,),
    ),
    CountIndicator(
        name="volunteers_active",
        title="Volunteers active",
        short_title="CHWs active",
        unit=Unit.COUNT,
        rule=f"Volunteers (of any status now) who sent {_IN_MONTH} at least one accepted report: an inbound SMS "
        f"from their phone that was recorded, with keyword {', '.join(REPORT_KEYWORDS)}.",
        sources=(_volunteers_who_reported,),
    ),
    ShareIndicator(
        name="data_completeness",
        title="Data completeness",
        short_title="Completeness",
        unit=Unit.PERCENT,
        rule="Of the volunteers with status active now who registered before the end of the month, the "
        "percentage who sent at least one accepted report in the month (as for volunteers active).",
        rows=_volunteers_expected,
        counted=Q(reported=True),
    ),
)

BY_NAME: dict[str, Indicator] = {indicator.name: indicator for indicator in INDICATORS}

#: The 12-month trends drawn as charts.
TREND_INDICATORS = ("new_pregnancies", "facility_births", "median_minutes_to_acknowledge")
