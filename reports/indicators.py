"""The monthly report's indicators, each defined once: its name, its exact rule in words, its unit and
the aggregate query that computes it. The PDF, its annex, the CSV and the DHIS2 export all read
``INDICATORS``; ``docs/indicators.md`` repeats the rules (a test keeps the two in step).

Every figure is counted in the database, for one district, per calendar month (Africa/Kigali time)
and per sector. Where a record belongs: a pregnancy (and everything recorded about it: births,
visits, deaths, reminders) to the district and sector of the pregnancy's village as it is now; a red
alert to those of its health facility (the volunteer's, whose staff the alert goes to first); a
volunteer to their own village. Per health facility, a pregnancy (and everything recorded about it)
belongs to the pregnancy's health facility, an alert to its own, a volunteer to theirs; a health centre's morning duty check to the health centre's.

One query measures an indicator for several months at once (a conditional count per month, grouped
by sector and health facility): the district's figure is the sum of its groups' counts, so the report
month, the months it is compared with and the 12-month trend cost one pass over the district's
records. The median takes four: partitioned by month, by sector, by facility, and the sums of the
durations (what DHIS2 can add up: a median cannot be aggregated).

An indicator may carry a target (a national default beside its rule, ``REPORT_TARGETS`` overrides
it): the report flags each place's figure as on target, close, or off target.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import reduce
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import (
    Case,
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
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maternal.models import (
    VISIT_KINDS,
    Alert,
    Baby,
    Birth,
    Death,
    Facility,
    Pregnancy,
    Reminder,
    Reporter,
    Visit,
)
from maternal.sms.grammar import FACILITY_PLACES  # birth places that count as a facility birth
from messaging.models import InboundMessage
from reminders.models import CoverCheck
from reports.months import Month

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

#: The response target for a red alert.
ACKNOWLEDGE_TARGET = timedelta(minutes=10)
#: Keywords of the SMS that are reports about mothers (not HELP, WHO, LANG, REG, YES, OK).
REPORT_KEYWORDS = ("PRE", "ANC", "RISK", "RED", "RAR", "BIR", "PNC", "DTH", "LOS", "DEP")

#: A sector's location id (``None`` for records in a village without a sector).
SectorId = int | None
#: A health facility's id (``None`` for an alert from an unknown phone about an unknown mother).
FacilityId = int | None


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "%"
    MINUTES = "minutes"


class Flag(StrEnum):
    """How a figure stands against its target, as the report's colour says it."""

    ON_TARGET = "on_target"
    CLOSE = "close"
    OFF_TARGET = "off_target"


@dataclass(frozen=True)
class Target:
    """The figure a place should reach (``higher`` is better) or stay under (lower is better);
    within ``tolerance`` of it the figure is close."""

    value: float
    higher: bool = True
    tolerance: float = 0

    def flag(self, value: float | None) -> Flag | None:
        if value is None:
            return None
        gap = self.value - value if self.higher else value - self.value
        if gap <= 0:
            return Flag.ON_TARGET
        return Flag.CLOSE if gap <= self.tolerance else Flag.OFF_TARGET

    def as_json(self) -> dict:
        return {"value": self.value, "higher": self.higher, "tolerance": self.tolerance}

    @classmethod
    def from_json(cls, data: dict | None) -> Target | None:
        return cls(data["value"], data["higher"], data["tolerance"]) if data else None


@dataclass(frozen=True)
class Figure:
    """One indicator's value for one place and month; a percentage keeps its two counts, a median
    the total and the number of the durations it is the median of."""

    value: float | None
    numerator: float | None = None
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
    and each health facility's figure for the report month (places without any record are absent)."""

    district: dict[Month, Figure]
    sectors: dict[SectorId, Figure]
    facilities: dict[FacilityId, Figure]


@dataclass(frozen=True)
class Rows:
    """The records an indicator looks at: a queryset annotated with ``area_district``,
    ``area_sector`` and ``area_facility``, and the condition that puts a record in a month."""

    queryset: Callable[[], QuerySet]
    in_month: Callable[[Month], Q]


@dataclass(frozen=True, kw_only=True)
class Indicator:
    name: str
    #: Titles are translated (the report's language); the rule is the English definition.
    title: StrOrPromise
    short_title: StrOrPromise
    unit: Unit
    rule: str
    #: The national default; ``settings.REPORT_TARGETS`` ({name: value}) moves its value.
    default_target: Target | None = None
    #: What the two counts of a ratio are (DHIS2 receives them as data elements of their own).
    numerator_title: StrOrPromise = ""
    denominator_title: StrOrPromise = ""

    @property
    def target(self) -> Target | None:
        value = getattr(settings, "REPORT_TARGETS", {}).get(self.name)
        if value is None or self.default_target is None:
            return self.default_target
        return Target(float(value), self.default_target.higher, self.default_target.tolerance)

    @property
    def has_counts(self) -> bool:
        """Whether the figure is a ratio of two counts (that DHIS2 must receive instead of the ratio)."""
        return self.unit != Unit.COUNT

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


def _counts_by_area(
    rows: Rows, district_id: int, months: list[Month], counted: Callable[[Month], Q] | None = None
) -> list[dict]:
    """One query: for each sector and health facility, the number of records in each month
    (``in{i}``) and, with ``counted``, how many of those match it (``counted{i}``)."""
    aggregates = {}
    for index, month in enumerate(months):
        aggregates[f"in{index}"] = Count("pk", filter=rows.in_month(month))
        if counted is not None:
            aggregates[f"counted{index}"] = Count("pk", filter=rows.in_month(month) & counted(month))
    return list(
        rows.queryset()
        .filter(reduce(operator.or_, (rows.in_month(month) for month in months)), area_district=district_id)
        .order_by()
        .values("area_sector", "area_facility")
        .annotate(**aggregates)
    )


def _by_area(
    groups: list[dict], figure: Callable[[list[dict]], Figure]
) -> tuple[dict[SectorId, Figure], dict[FacilityId, Figure]]:
    """The figure of each sector and of each facility, from the groups of ``_counts_by_area``."""
    sectors: defaultdict[SectorId, list[dict]] = defaultdict(list)
    facilities: defaultdict[FacilityId, list[dict]] = defaultdict(list)
    for group in groups:
        sectors[group["area_sector"]].append(group)
        facilities[group["area_facility"]].append(group)
    return (
        {sector: figure(rows) for sector, rows in sectors.items()},
        {facility: figure(rows) for facility, rows in facilities.items()},
    )


@dataclass(frozen=True)
class CountIndicator(Indicator):
    """The number of records, summed over one or more sources (a stillbirth is reported two ways)."""

    sources: tuple[Rows, ...]

    def measure(self, district_id: int, month: Month, *, compared: Sequence[Month] = ()) -> Measurement:
        months = _months(month, compared)
        groups = [group for rows in self.sources for group in _counts_by_area(rows, district_id, months)]
        district = {
            each: Figure(sum(group[f"in{index}"] for group in groups)) for index, each in enumerate(months)
        }
        sectors, facilities = _by_area(groups, lambda rows: Figure(sum(group["in0"] for group in rows)))
        return Measurement(district=district, sectors=sectors, facilities=facilities)


@dataclass(frozen=True)
class ShareIndicator(Indicator):
    """The percentage of the records of a month that match ``counted``."""

    rows: Rows
    counted: Callable[[Month], Q]

    def measure(self, district_id: int, month: Month, *, compared: Sequence[Month] = ()) -> Measurement:
        months = _months(month, compared)
        groups = _counts_by_area(self.rows, district_id, months, self.counted)
        district = {
            each: Figure.share(
                sum(group[f"counted{index}"] for group in groups),
                sum(group[f"in{index}"] for group in groups),
            )
            for index, each in enumerate(months)
        }
        sectors, facilities = _by_area(
            groups,
            lambda rows: Figure.share(sum(g["counted0"] for g in rows), sum(g["in0"] for g in rows)),
        )
        return Measurement(district=district, sectors=sectors, facilities=facilities)


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
        return Measurement(
            district={each: by_month.get(each.first_day, Figure(None)) for each in months},
            sectors=self._medians(district_id, [month], group=F("area_sector")),
            facilities=self._medians(district_id, [month], group=F("area_facility")),
        )

    def totals(self, district_id: int, month: Month) -> Measurement:
        """The number of the month's durations and their sum in minutes (``denominator`` and
        ``numerator``, without a value), for the district, each sector and each facility: what DHIS2
        can add up across places, where a median cannot be."""
        groups = list(
            self.rows.queryset()
            .filter(self.rows.in_month(month), area_district=district_id)
            .order_by()
            .values("area_sector", "area_facility")
            .annotate(n=Count("pk"), total=Sum(self.duration))
        )
        sectors, facilities = _by_area(groups, _total)
        return Measurement(district={month: _total(groups)}, sectors=sectors, facilities=facilities)

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


def _total(groups: list[dict]) -> Figure:
    minutes = sum((group["total"] for group in groups), timedelta()).total_seconds() / 60
    return Figure(None, round(minutes, 1), sum(group["n"] for group in groups))


# --- the records each indicator looks at -----------------------------------------------------


def _dated(field: str) -> Callable[[Month], Q]:
    """In the month by a date field (a local calendar date)."""
    return lambda month: Q(**{f"{field}__range": (month.first_day, month.last_day)})


def _timed(field: str) -> Callable[[Month], Q]:
    """In the month by a date-time field, between local midnights."""
    return lambda month: Q(**{f"{field}__gte": month.start, f"{field}__lt": month.end})


def _by_pregnancy_village(model, path: str = "pregnancy__") -> Callable[[], QuerySet]:
    return lambda: model.objects.annotate(
        area_district=F(f"{path}village__district"),
        area_sector=F(f"{path}village__sector"),
        area_facility=F(f"{path}facility"),
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
        area_district=F("facility__district"),
        area_sector=F("facility__location__sector"),
        area_facility=F("facility"),
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
    # A long-form PRE (with its next-visit date) is filed at ANC 1 and is that contact; a short-form
    # PRE is a registration in the village, and her ANC 1 comes as a report of its own.
    registered_at_anc1 = Case(When(pregnancy__next_visit_date__isnull=False, then=Value(1)), default=Value(0))
    return _births().alias(anc_contacts=Coalesce(Subquery(anc_visits), Value(0)) + registered_at_anc1)


_RESPONSE_TIME = ExpressionWrapper(F("acknowledged_at") - F("raised_at"), output_field=DurationField())
ALERTS_RAISED = Rows(lambda: alerts().alias(response_time=_RESPONSE_TIME), _timed("raised_at"))


def _events(path: str, date: str, place: str) -> dict[str, F]:
    """What the report lists about a death to review (``path`` leads to the pregnancy)."""
    return {
        "event_date": F(date),
        "event_place": F(place),
        "event_facility": F(f"{path}facility__name"),
        "event_sector": F(f"{path}village__sector__name"),
    }


def _deaths_of_kind(kind: str) -> Rows:
    return Rows(
        lambda: _deaths().filter(kind=kind).alias(**_events("pregnancy__", "date", "place")), _dated("date")
    )


def _stillborn_babies() -> QuerySet:
    reported_as_death = Death.objects.filter(
        pregnancy=OuterRef("birth__pregnancy"), kind=Death.Kind.STILLBIRTH
    )
    return (
        _by_pregnancy_village(Baby, path="birth__pregnancy__")()
        .filter(stillborn=True)
        .exclude(Exists(reported_as_death))
        .alias(**_events("birth__pregnancy__", "birth__birth_date", "birth__place"))
    )


def _newborn_deaths() -> QuerySet:
    age = ExpressionWrapper(F("date") - F("pregnancy__birth__birth_date"), output_field=DurationField())
    return (
        _deaths()
        .filter(kind=Death.Kind.NEWBORN)
        .alias(age=age, **_events("pregnancy__", "date", "place"))
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


def reported_in(month: Month) -> Q:
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
    return Reporter.objects.annotate(
        area_district=F("village__district"), area_sector=F("village__sector"), area_facility=F("facility")
    )


def _expected_to_report(month: Month) -> Q:
    return Q(status=Reporter.Status.ACTIVE, registered_at__lt=month.end)


def _days_without_level1_cover() -> QuerySet:
    """Health-centre mornings whose duty check found no midwife or nurse on duty (also counted by
    health facility in the report's "needing action" table)."""
    return CoverCheck.objects.filter(facility__kind=Facility.Kind.HEALTH_CENTRE, covered=False).annotate(
        area_district=F("facility__district"),
        area_sector=F("facility__location__sector"),
        area_facility=F("facility"),
    )


DAYS_WITHOUT_LEVEL1_COVER = Rows(_days_without_level1_cover, _dated("day"))


#: The volunteers expected to report in a month (data completeness, and the list of the silent).
EXPECTED_VOLUNTEERS = Rows(_volunteers, _expected_to_report)


# --- the registry ------------------------------------------------------------------------------

_IN_MONTH = "in the calendar month (Africa/Kigali time)"

INDICATORS: tuple[Indicator, ...] = (
    CountIndicator(
        name="new_pregnancies",
        title=_("New pregnancies"),
        short_title=_("New pregn."),
        unit=Unit.COUNT,
        rule=f"Pregnancies registered (PRE) with a registration date {_IN_MONTH}, whatever their status now "
        "(a pregnancy since closed by a birth, a loss or a move still counts in the month it was registered).",
        sources=(NEW_PREGNANCIES,),
    ),
    ShareIndicator(
        name="registered_before_12_weeks",
        title=_("Registered before 12 weeks"),
        short_title=_("Reg. <12 wk"),
        unit=Unit.PERCENT,
        default_target=Target(60, tolerance=10),
        numerator_title=_("pregnancies registered before 12 weeks"),
        denominator_title=_("pregnancies registered"),
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
        title=_("Births"),
        short_title=_("Births"),
        unit=Unit.COUNT,
        rule=f"Deliveries reported (BIR) with a birth date {_IN_MONTH}; twins count as one delivery.",
        sources=(BIRTHS,),
    ),
    ShareIndicator(
        name="facility_births",
        title=_("Facility births"),
        short_title=_("Facility births"),
        unit=Unit.PERCENT,
        default_target=Target(95, tolerance=5),
        numerator_title=_("births at a health centre or hospital"),
        denominator_title=_("births"),
        rule="Of the births of the month, the percentage whose place is a health centre (hc) or a hospital (hp).",
        rows=BIRTHS,
        counted=lambda month: Q(place__in=FACILITY_PLACES),
    ),
    ShareIndicator(
        name="anc4_births",
        title=_("Births with 4+ ANC contacts"),
        short_title=_("ANC 4+"),
        unit=Unit.PERCENT,
        default_target=Target(60, tolerance=10),
        numerator_title=_("births with 4+ ANC contacts"),
        denominator_title=_("births"),
        rule="Of the births of the month, the percentage whose pregnancy had at least 4 antenatal contacts. "
        "Contacts = the number of ANC visit reports of the pregnancy, + 1 when it was registered by the "
        "long-form PRE (sent at ANC 1, with the next-visit date: that PRE is ANC 1); a short-form PRE is "
        "not a contact.",
        rows=Rows(_births_with_anc_contacts, BIRTHS.in_month),
        counted=lambda month: Q(anc_contacts__gte=4),
    ),
    ShareIndicator(
        name="anc8_births",
        title=_("Births with 8+ ANC contacts"),
        short_title=_("ANC 8+"),
        unit=Unit.PERCENT,
        default_target=Target(30, tolerance=10),
        numerator_title=_("births with 8+ ANC contacts"),
        denominator_title=_("births"),
        rule="Of the births of the month, the percentage whose pregnancy had at least 8 antenatal contacts, "
        "counted as for 4+ (each ANC visit report, + 1 for a long-form PRE).",
        rows=Rows(_births_with_anc_contacts, BIRTHS.in_month),
        counted=lambda month: Q(anc_contacts__gte=8),
    ),
    CountIndicator(
        name="red_alerts",
        title=_("Red alerts"),
        short_title=_("Red alerts"),
        unit=Unit.COUNT,
        rule=f"Red alerts (RED) raised {_IN_MONTH}, from any sender, counted in the district and sector of the "
        "alert's health facility (the volunteer's; for an alert about a mother from an unknown phone, the "
        "mother's facility).",
        sources=(ALERTS_RAISED,),
    ),
    ShareIndicator(
        name="alerts_acknowledged_in_10_minutes",
        title=_("Alerts acknowledged within 10 minutes"),
        short_title=_("Alerts ack. in 10 min"),
        unit=Unit.PERCENT,
        default_target=Target(90, tolerance=10),
        numerator_title=_("red alerts acknowledged within 10 minutes"),
        denominator_title=_("red alerts"),
        rule="Of the red alerts raised in the month, the percentage acknowledged (OK from a staff phone) at most "
        "10 minutes after being raised, even when the acknowledgement falls after midnight or in the next month. "
        "Alerts never acknowledged count in the denominator only.",
        rows=ALERTS_RAISED,
        counted=lambda month: Q(response_time__lte=ACKNOWLEDGE_TARGET),
    ),
    MedianIndicator(
        name="median_minutes_to_acknowledge",
        title=_("Median time to acknowledge"),
        short_title=_("Median ack. (min)"),
        unit=Unit.MINUTES,
        default_target=Target(10, higher=False, tolerance=5),
        numerator_title=_("minutes to acknowledge, total"),
        denominator_title=_("red alerts acknowledged"),
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
        title=_("Maternal deaths"),
        short_title=_("Maternal deaths"),
        unit=Unit.COUNT,
        default_target=Target(0, higher=False),
        rule=f"Deaths reported with code md (DTH) and a death date {_IN_MONTH}.",
        sources=(_deaths_of_kind(Death.Kind.MATERNAL),),
    ),
    CountIndicator(
        name="stillbirths",
        title=_("Stillbirths"),
        short_title=_("Stillbirths"),
        unit=Unit.COUNT,
        default_target=Target(0, higher=False),
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
        title=_("Newborn deaths (up to 28 days)"),
        short_title=_("Newborn deaths"),
        unit=Unit.COUNT,
        default_target=Target(0, higher=False),
        rule=f"Deaths reported with code nd (DTH) and a death date {_IN_MONTH}, at most "
        f"{settings.NEONATAL_DAYS} days after the recorded birth date (a newborn death without a recorded birth counts).",
        sources=(Rows(_newborn_deaths, _dated("date")),),
    ),
    CountIndicator(
        name="high_risk_active",
        title=_("High-risk pregnancies active at month end"),
        short_title=_("High-risk active"),
        unit=Unit.COUNT,
        rule="Pregnancies flagged high-risk, registered on or before the last day of the month and not closed "
        "by then: status active now, or closed (birth, loss, death, move) after the last day of the month.",
        sources=(Rows(_pregnancies, _high_risk_at_month_end),),
    ),
    CountIndicator(
        name="reminders_sent",
        title=_("Reminders sent"),
        short_title=_("Reminders sent"),
        unit=Unit.COUNT,
        rule=f"Planned reminders (ANC, birth preparedness, post-EDD, PNC) sent {_IN_MONTH}; a reminder "
        "counts once even when several went out in one digest SMS.",
        sources=(Rows(_reminders, _timed("sent_at")),),
    ),
    CountIndicator(
        name="missed_visits",
        title=_("Missed visits"),
        short_title=_("Missed visits"),
        unit=Unit.COUNT,
        rule="Antenatal and postnatal contact reminders (ANC, PNC) with status missed whose due date + 14 days "
        "falls in the calendar month (the day the visit became missed). The birth preparedness reminder and "
        "the follow-up after the EDD are not visits (see births overdue).",
        sources=(MISSED_VISITS,),
    ),
    CountIndicator(
        name="births_overdue",
        title=_("Births not reported after the EDD"),
        short_title=_("Births overdue"),
        unit=Unit.COUNT,
        rule="Pregnancies still open 14 days after their EDD: follow-ups after the EDD (asking the volunteer to "
        "report BIR, LOS or DEP) whose due date (EDD + 14 days) falls in the calendar month and that went out, "
        "or expired unsent in an outage, whatever was reported since.",
        sources=(Rows(_births_overdue, _dated("due_date")),),
    ),
    CountIndicator(
        name="volunteers_active",
        title=_("Volunteers active"),
        short_title=_("CHWs active"),
        unit=Unit.COUNT,
        rule=f"Volunteers (of any status now) who sent {_IN_MONTH} at least one accepted report: an inbound SMS "
        f"from their phone that was recorded, with keyword {', '.join(REPORT_KEYWORDS)}.",
        sources=(Rows(_volunteers, reported_in),),
    ),
    CountIndicator(
        name="days_without_level1_cover",
        title=_("Days without level-1 cover"),
        short_title=_("Days no L1 cover"),
        unit=Unit.COUNT,
        rule=f"Days {_IN_MONTH} on which a health centre's morning duty check (from 08:00 by default, "
        "COVER_CHECK_TIME) found no midwife or nurse on duty, the staff a red alert reaches first, summed over "
        "the health centres; a day the check did not run (no beat and no run_due that day) is not counted.",
        sources=(DAYS_WITHOUT_LEVEL1_COVER,),
    ),
    ShareIndicator(
        name="data_completeness",
        title=_("Data completeness"),
        short_title=_("Completeness"),
        unit=Unit.PERCENT,
        default_target=Target(90, tolerance=10),
        numerator_title=_("volunteers who reported"),
        denominator_title=_("volunteers expected to report"),
        rule="Of the volunteers with status active now who registered before the end of the month, the "
        "percentage who sent at least one accepted report in the month (as for volunteers active).",
        rows=EXPECTED_VOLUNTEERS,
        counted=reported_in,
    ),
)

BY_NAME: dict[str, Indicator] = {indicator.name: indicator for indicator in INDICATORS}

#: The indicators whose every record is a death the district reviews (its date, place, health centre).
DEATH_INDICATORS = ("maternal_deaths", "stillbirths", "newborn_deaths")

#: The 12-month trends drawn as charts (the table of the 12 months has every indicator).
CHARTED = (
    "new_pregnancies",
    "births",
    "registered_before_12_weeks",
    "facility_births",
    "anc4_births",
    "anc8_births",
    "alerts_acknowledged_in_10_minutes",
    "median_minutes_to_acknowledge",
    "data_completeness",
    "volunteers_active",
)
