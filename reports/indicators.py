"""The monthly report's indicators, each defined once: its name, its exact rule in words, its unit and
the aggregate query that computes it. The PDF, its annex, the CSV and the DHIS2 export all read
``INDICATORS``; ``docs/indicators.md`` repeats the rules (a test keeps the two in step).

Every figure is counted in the database, for one district, per calendar month (Africa/Kigali time)
and per sector. Where a record belongs: a pregnancy (and everything recorded about it: births,
visits, deaths, reminders) to the district and sector of the pregnancy's village as it is now; a red
alert to those of its health facility (the volunteer's, whose staff the alert goes to first); a
volunteer to their own village; a health centre's morning duty check to the health centre's.

One query measures an indicator for several months at once (a conditional count per month, grouped
by sector): the district's figure is the sum of its sectors' counts, so the report month, the
months it is compared with and the 12-month trend cost one pass over the district's records. The
median takes two: one partitioned by month, one by sector.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import reduce

from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncMonth
from django.utils import timezone

from maternal.models import Alert, Baby, Birth, Death, Facility, Pregnancy, Reporter, Visit
from maternal.sms.grammar import FACILITY_PLACES  # birth places that count as a facility birth
from messaging.models import InboundMessage
from reminders.models import VISIT_KINDS, CoverCheck, Reminder
from reports.months import Month

#: The response target for a red alert.
ACKNOWLEDGE_TARGET = timedelta(minutes=10)
#: Keywords of the SMS that are reports about mothers (not HELP, WHO, LANG, REG, YES, OK).
REPORT_KEYWORDS = ("PRE", "ANC", "RISK", "RED", "RAR", "BIR", "PNC", "DTH", "LOS", "DEP")

#: A sector's location id (``None`` for records in a village without a sector).
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

    @classmethod
    def share(cls, numerator: int, denominator: int) -> Figure:
        value = round(100 * numerator / denominator, 1) if denominator else None
        return cls(value, numerator, denominator)


@dataclass(frozen=True)
class Measurement:
    """An indicator measured for a district: its figure for each month asked, and each sector's
    figure for the report month (sectors without any record are absent)."""

    district: dict[Month, Figure]
    sectors: dict[SectorId, Figure]


@dataclass(frozen=True)
class Rows:
    """The records an indicator looks at: a queryset annotated with ``area_district`` and
    ``area_sector``, and the condition that puts a record in a month."""

    queryset: Callable[[], QuerySet]
    in_month: Callable[[Month], Q]


@dataclass(frozen=True)
class Indicator:
    name: str
    title: str
    short_title: str
    unit: Unit
    rule: str

    def measure(self, district_id: int, month: Month, *, compared: Sequence[Month] = ()) -> Measurement:
        """The district's figures for ``month`` and the ``compared`` months, and the sectors' for
        ``month``."""
        raise NotImplementedError

    def compute(self, month: Month, district_id: int) -> Figure:
        return self.measure(district_id, month).district[month]

    def compute_by_sector(self, month: Month, district_id: int) -> dict[SectorId, Figure]:
        return self.measure(district_id, month).sectors

    def empty(self) -> Figure:
        """The figure of a place without any record: zero for a count, no value for a ratio or a median."""
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


def _months(month: Month, compared: Sequence[Month]) -> list[Month]:
    return list(dict.fromkeys([month, *compared]))


def _counts_by_sector(
    rows: Rows, district_id: int, months: list[Month], counted: Callable[[Month], Q] | None = None
) -> list[dict]:
    """One query: for each sector, the number of records in each month (``in{i}``) and, with
    ``counted``, how many of those match it (``counted{i}``)."""
    aggregates = {}
    for index, month in enumerate(months):
        aggregates[f"in{index}"] = Count("pk", filter=rows.in_month(month))
        if counted is not None:
            aggregates[f"counted{index}"] = Count("pk", filter=rows.in_month(month) & counted(month))
    return list(
        rows.queryset()
        .filter(reduce(operator.or_, (rows.in_month(month) for month in months)), area_district=district_id)
        .order_by()
        .values("area_sector")
        .annotate(**aggregates)
    )


@dataclass(frozen=True)
class CountIndicator(Indicator):
    """The number of records, summed over one or more sources (a stillbirth is reported two ways)."""

    sources: tuple[Rows, ...]

    def measure(self, district_id: int, month: Month, *, compared: Sequence[Month] = ()) -> Measurement:
        months = _months(month, compared)
        district = dict.fromkeys(months, 0)
        sectors: dict[SectorId, int] = defaultdict(int)
        for rows in self.sources:
            for group in _counts_by_sector(rows, district_id, months):
                for index, each in enumerate(months):
                    district[each] += group[f"in{index}"]
                sectors[group["area_sector"]] += group["in0"]
        return Measurement(
            district={each: Figure(n) for each, n in district.items()},
            sectors={sector: Figure(n) for sector, n in sectors.items()},
        )


@dataclass(frozen=True)
class ShareIndicator(Indicator):
    """The percentage of the records of a month that match ``counted``."""

    rows: Rows
    counted: Callable[[Month], Q]

    def measure(self, district_id: int, month: Month, *, compared: Sequence[Month] = ()) -> Measurement:
        months = _months(month, compared)
        groups = _counts_by_sector(self.rows, district_id, months, self.counted)
        district = {
            each: Figure.share(
                sum(group[f"counted{index}"] for group in groups),
                sum(group[f"in{index}"] for group in groups),
            )
            for index, each in enumerate(months)
        }
        sectors = {group["area_sector"]: Figure.share(group["counted0"], group["in0"]) for group in groups}
        return Measurement(district=district, sectors=sectors)


@dataclass(frozen=True)
class MedianIndicator(Indicator):
    """The median of a duration over the records of a month, in minutes. The database numbers the
    records of each group in order (a window function) and returns only the one or two middle ones."""

    rows: Rows
    duration: ExpressionWrapper
    #: The first day of the month a record falls in (local time), to partition the medians by month.
    month_of: Callable[[], Func]

    def measure(self, district_id: int, month: Month, *, compared: Sequence[Month] = ()) -> Measurement:
        months = _months(month, compared)
        by_month = self._medians(district_id, months, group=self.month_of())
        by_sector = self._medians(district_id, [month], group=F("area_sector"))
        return Measurement(
            district={each: by_month.get(each.first_day, Figure(None)) for each in months}, sectors=by_sector
        )

    def _medians(self, district_id: int, months: list[Month], *, group: Func | F) -> dict:
        middle = (
            self.rows.queryset()
            .filter(
                reduce(operator.or_, (self.rows.in_month(each) for each in months)), area_district=district_id
            )
            .annotate(
                group=group,
                duration=self.duration,
                position=Window(
                    RowNumber(), partition_by=[group], order_by=[F("duration").asc(), F("pk").asc()]
                ),
                size=Window(Count("pk"), partition_by=[group]),
            )
            .filter(position__gte=(F("size") + 1) / 2, position__lte=(F("size") + 2) / 2)
            .values_list("group", "duration")
        )
        halves: dict = defaultdict(list)
        for key, duration in middle:
            halves[key].append(duration)
        return {
            key: Figure(round(sum(values, timedelta()).total_seconds() / 60 / len(values), 1))
            for key, values in halves.items()
        }


# --- the records each indicator looks at -----------------------------------------------------


def _dated(field: str) -> Callable[[Month], Q]:
    """In the month by a date field (a local calendar date)."""
    return lambda month: Q(**{f"{field}__range": (month.first_day, month.last_day)})


def _timed(field: str) -> Callable[[Month], Q]:
    """In the month by a date-time field, between local midnights."""
    return lambda month: Q(**{f"{field}__gte": month.start, f"{field}__lt": month.end})


def _by_pregnancy_village(model, path: str = "pregnancy__") -> Callable[[], QuerySet]:
    return lambda: model.objects.annotate(
        area_district=F(f"{path}village__district"), area_sector=F(f"{path}village__sector")
    )


_pregnancies = _by_pregnancy_village(Pregnancy, path="")
_births = _by_pregnancy_village(Birth)
_deaths = _by_pregnancy_village(Death)
_reminders = _by_pregnancy_village(Reminder)


def alerts() -> QuerySet:
    """Alerts with the district and sector of their health facility (also used for open alerts by
    facility). An alert without a facility (an unknown sender about an unregistered mother) belongs
    to no district."""
    return Alert.objects.annotate(
        area_district=F("facility__district"), area_sector=F("facility__location__sector")
    )


NEW_PREGNANCIES = Rows(_pregnancies, _dated("registered_on"))
BIRTHS = Rows(_births, _dated("birth_date"))


def _births_with_anc_contacts() -> QuerySet:
    # The kind is filtered inside the count, so that the lookup uses the pregnancy index (SQLite
    # would otherwise pick the (kind, visit_date) index and scan every ANC visit for each birth).
    anc_visits = (
        Visit.objects.filter(pregnancy=OuterRef("pregnancy"))
        .order_by()
        .values("pregnancy")
        .annotate(n=Count("pk", filter=Q(kind=Visit.Kind.ANC)))
        .values("n")
    )
    return _births().alias(anc_contacts=Coalesce(Subquery(anc_visits), Value(0)) + 1)


_RESPONSE_TIME = ExpressionWrapper(F("acknowledged_at") - F("raised_at"), output_field=DurationField())
ALERTS_RAISED = Rows(lambda: alerts().alias(response_time=_RESPONSE_TIME), _timed("raised_at"))


def _deaths_of_kind(kind: str) -> Rows:
    return Rows(lambda: _deaths().filter(kind=kind), _dated("date"))


def _stillborn_babies() -> QuerySet:
    reported_as_death = Death.objects.filter(
        pregnancy=OuterRef("birth__pregnancy"), kind=Death.Kind.STILLBIRTH
    )
    return (
        _by_pregnancy_village(Baby, path="birth__pregnancy__")()
        .filter(stillborn=True)
        .exclude(Exists(reported_as_death))
    )


def _newborn_deaths() -> QuerySet:
    age = ExpressionWrapper(F("date") - F("pregnancy__birth__birth_date"), output_field=DurationField())
    return (
        _deaths()
        .filter(kind=Death.Kind.NEWBORN)
        .alias(age=age)
        .filter(Q(pregnancy__birth__isnull=True) | Q(age__lte=timedelta(days=settings.NEONATAL_DAYS)))
    )


def _high_risk_at_month_end(month: Month) -> Q:
    still_open = Q(status=Pregnancy.Status.ACTIVE) | Q(closed_on__gt=month.last_day)
    return still_open & Q(high_risk=True, registered_on__lte=month.last_day)


def _missed_in(month: Month) -> Q:
    after = settings.MISSED_VISIT_AFTER
    return Q(status=Reminder.Status.MISSED, due_date__range=(month.first_day - after, month.last_day - after))


MISSED_VISITS = Rows(lambda: _reminders().filter(kind__in=VISIT_KINDS), _missed_in)


def _births_overdue() -> QuerySet:
    """Follow-ups after the EDD that were due: sent, or expired unsent in an outage (one cancelled
    before its day means the birth, loss or move had been reported)."""
    return _reminders().filter(
        Q(sent_at__isnull=False) | Q(status=Reminder.Status.EXPIRED), kind=Reminder.Kind.POST_EDD
    )


def _reported_in(month: Month) -> Q:
    """The volunteer sent an accepted report in the month."""
    reports = InboundMessage.objects.filter(
        phone=OuterRef("phone"),
        accepted=True,
        keyword__in=REPORT_KEYWORDS,
        received_at__gte=month.start,
        received_at__lt=month.end,
    )
    return Q(Exists(reports))


def _volunteers() -> QuerySet:
    return Reporter.objects.annotate(area_district=F("village__district"), area_sector=F("village__sector"))


def _expected_to_report(month: Month) -> Q:
    return Q(status=Reporter.Status.ACTIVE, registered_at__lt=month.end)


def _days_without_level1_cover() -> QuerySet:
    """Health-centre mornings whose duty check found no midwife or nurse on duty (also counted by
    health facility in the report's "needing action" table)."""
    return CoverCheck.objects.filter(facility__kind=Facility.Kind.HEALTH_CENTRE, covered=False).annotate(
        area_district=F("facility__district"), area_sector=F("facility__location__sector")
    )


DAYS_WITHOUT_LEVEL1_COVER = Rows(_days_without_level1_cover, _dated("day"))


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
        sources=(NEW_PREGNANCIES,),
    ),
    ShareIndicator(
        name="registered_before_12_weeks",
        title="Registered before 12 weeks",
        short_title="Reg. <12 wk",
        unit=Unit.PERCENT,
        rule="Of the new pregnancies of the month, the percentage registered before 12 completed weeks of "
        "gestation: registration date minus LMP is less than 84 days.",
        rows=Rows(
            lambda: _pregnancies().alias(
                gestation=ExpressionWrapper(
                    F("registered_on") - F("last_menstrual_period"), output_field=DurationField()
                )
            ),
            NEW_PREGNANCIES.in_month,
        ),
        counted=lambda month: Q(gestation__lt=timedelta(weeks=12)),
    ),
    CountIndicator(
        name="births",
        title="Births",
        short_title="Births",
        unit=Unit.COUNT,
        rule=f"Deliveries reported (BIR) with a birth date {_IN_MONTH}; twins count as one delivery.",
        sources=(BIRTHS,),
    ),
    ShareIndicator(
        name="facility_births",
        title="Facility births",
        short_title="Facility births",
        unit=Unit.PERCENT,
        rule="Of the births of the month, the percentage whose place is a health centre (hc) or a hospital (hp).",
        rows=BIRTHS,
        counted=lambda month: Q(place__in=FACILITY_PLACES),
    ),
    ShareIndicator(
        name="anc4_births",
        title="Births with 4+ ANC contacts",
        short_title="ANC 4+",
        unit=Unit.PERCENT,
        rule="Of the births of the month, the percentage whose pregnancy had at least 4 antenatal contacts. "
        "Contacts = 1 for the registration (the PRE is ANC1) + the number of ANC visit reports of the pregnancy.",
        rows=Rows(_births_with_anc_contacts, BIRTHS.in_month),
        counted=lambda month: Q(anc_contacts__gte=4),
    ),
    ShareIndicator(
        name="anc8_births",
        title="Births with 8+ ANC contacts",
        short_title="ANC 8+",
        unit=Unit.PERCENT,
        rule="Of the births of the month, the percentage whose pregnancy had at least 8 antenatal contacts, "
        "counted as for 4+ (the PRE is ANC1, plus each ANC visit report).",
        rows=Rows(_births_with_anc_contacts, BIRTHS.in_month),
        counted=lambda month: Q(anc_contacts__gte=8),
    ),
    CountIndicator(
        name="red_alerts",
        title="Red alerts",
        short_title="Red alerts",
        unit=Unit.COUNT,
        rule=f"Red alerts (RED) raised {_IN_MONTH}, from any sender, counted in the district and sector of the "
        "alert's health facility (the volunteer's; for an alert about a mother from an unknown phone, the "
        "mother's facility).",
        sources=(ALERTS_RAISED,),
    ),
    ShareIndicator(
        name="alerts_acknowledged_in_10_minutes",
        title="Alerts acknowledged within 10 minutes",
        short_title="Alerts ack. in 10 min",
        unit=Unit.PERCENT,
        rule="Of the red alerts raised in the month, the percentage acknowledged (OK from a staff phone) at most "
        "10 minutes after being raised, even when the acknowledgement falls after midnight or in the next month. "
        "Alerts never acknowledged count in the denominator only.",
        rows=ALERTS_RAISED,
        counted=lambda month: Q(response_time__lte=ACKNOWLEDGE_TARGET),
    ),
    MedianIndicator(
        name="median_minutes_to_acknowledge",
        title="Median time to acknowledge",
        short_title="Median ack. (min)",
        unit=Unit.MINUTES,
        rule="Over the red alerts raised in the month that were acknowledged, the median of (acknowledged at - "
        "raised at) in minutes; with an even number of alerts, the mean of the two middle values.",
        rows=Rows(lambda: alerts().filter(acknowledged_at__isnull=False), ALERTS_RAISED.in_month),
        duration=_RESPONSE_TIME,
        month_of=lambda: TruncMonth(
            "raised_at", output_field=DateField(), tzinfo=timezone.get_default_timezone()
        ),
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
        sources=(
            _deaths_of_kind(Death.Kind.STILLBIRTH),
            Rows(_stillborn_babies, _dated("birth__birth_date")),
        ),
    ),
    CountIndicator(
        name="newborn_deaths",
        title="Newborn deaths (up to 28 days)",
        short_title="Newborn deaths",
        unit=Unit.COUNT,
        rule=f"Deaths reported with code nd (DTH) and a death date {_IN_MONTH}, at most "
        f"{settings.NEONATAL_DAYS} days after the recorded birth date (a newborn death without a recorded "
        "birth counts).",
        sources=(Rows(_newborn_deaths, _dated("date")),),
    ),
    CountIndicator(
        name="high_risk_active",
        title="High-risk pregnancies active at month end",
        short_title="High-risk active",
        unit=Unit.COUNT,
        rule="Pregnancies flagged high-risk, registered on or before the last day of the month and not closed "
        "by then: status active now, or closed (birth, loss, death, move) after the last day of the month.",
        sources=(Rows(_pregnancies, _high_risk_at_month_end),),
    ),
    CountIndicator(
        name="reminders_sent",
        title="Reminders sent",
        short_title="Reminders sent",
        unit=Unit.COUNT,
        rule=f"Planned reminders (ANC, birth preparedness, post-EDD, PNC) sent {_IN_MONTH}; a reminder "
        "counts once even when several went out in one digest SMS.",
        sources=(Rows(_reminders, _timed("sent_at")),),
    ),
    CountIndicator(
        name="missed_visits",
        title="Missed visits",
        short_title="Missed visits",
        unit=Unit.COUNT,
        rule="Antenatal and postnatal contact reminders (ANC, PNC) with status missed whose due date + 14 days "
        "falls in the calendar month (the day the visit became missed). The birth preparedness reminder and "
        "the follow-up after the EDD are not visits (see births overdue).",
        sources=(MISSED_VISITS,),
    ),
    CountIndicator(
        name="births_overdue",
        title="Births not reported after the EDD",
        short_title="Births overdue",
        unit=Unit.COUNT,
        rule="Pregnancies still open 14 days after their EDD: follow-ups after the EDD (asking the volunteer to "
        "report BIR, LOS or DEP) whose due date (EDD + 14 days) falls in the calendar month and that went out, "
        "or expired unsent in an outage, whatever was reported since.",
        sources=(Rows(_births_overdue, _dated("due_date")),),
    ),
    CountIndicator(
        name="volunteers_active",
        title="Volunteers active",
        short_title="CHWs active",
        unit=Unit.COUNT,
        rule=f"Volunteers (of any status now) who sent {_IN_MONTH} at least one accepted report: an inbound SMS "
        f"from their phone that was recorded, with keyword {', '.join(REPORT_KEYWORDS)}.",
        sources=(Rows(_volunteers, _reported_in),),
    ),
    CountIndicator(
        name="days_without_level1_cover",
        title="Days without level-1 cover",
        short_title="Days no L1 cover",
        unit=Unit.COUNT,
        rule=f"Days {_IN_MONTH} on which a health centre's morning duty check (from 08:00 by default, "
        "COVER_CHECK_TIME) found no midwife or nurse on duty, the staff a red alert reaches first, summed over "
        "the health centres; a day the check did not run (no beat and no run_due that day) is not counted.",
        sources=(DAYS_WITHOUT_LEVEL1_COVER,),
    ),
    ShareIndicator(
        name="data_completeness",
        title="Data completeness",
        short_title="Completeness",
        unit=Unit.PERCENT,
        rule="Of the volunteers with status active now who registered before the end of the month, the "
        "percentage who sent at least one accepted report in the month (as for volunteers active).",
        rows=Rows(_volunteers, _expected_to_report),
        counted=_reported_in,
    ),
)

BY_NAME: dict[str, Indicator] = {indicator.name: indicator for indicator in INDICATORS}

#: The 12-month trends drawn as charts.
TREND_INDICATORS = ("new_pregnancies", "facility_births", "median_minutes_to_acknowledge")
