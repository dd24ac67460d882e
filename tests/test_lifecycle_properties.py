"""Random lives: hypothesis draws sequences of reports about two mothers (registrations short and
long, visits, births, deaths, losses, moves, transfers) on random days, sends them through the
real router and runs the daily sweep of ``run_due`` on every day something is due, then on until
nothing is left. Whatever the sequence:

- every message gets exactly one reply, to its sender;
- nothing is sent about a follow-up that is closed (docs/lifecycle.md) on the day it is sent;
- every reminder a reply promised is later sent (never early), cleared, cancelled or expired, and
  as the sweep runs every day something is due, none expires;
- a postnatal reminder is cancelled only by the end of the mother's follow-up (her death, a move);
- no reminder survives a maternal death, a loss or a move.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.db.models import Min
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maternal import lifecycle
from maternal.models import VISIT_KINDS, Pregnancy, Reminder
from messaging.models import OutgoingMessage
from tests.factories import FacilityFactory, LocationFactory, ReporterFactory, location_tree
from tests.lives import Promise, Walk, promises

MOTHERS = ("1199070000000101", "1199170000000202")
START = date(2026, 3, 2)
#: After the last report, the sweep runs on until nothing is due; a life ends well within this.
HORIZON = timedelta(days=500)


@dataclass(frozen=True)
class World:
    home_volunteers: tuple[str, str]  # each mother's volunteer at registration, at Muhoza
    villages: tuple[str, str]  # a village of Muhoza and one of Gihanga, for transfers
    facility_of_village: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def world(db) -> World:
    here, there = location_tree("4"), location_tree("5")
    second = LocationFactory(
        code="401010102",
        level="village",
        parent=here["cell"],
        district=here["district"],
        sector=here["sector"],
    )
    muhoza = FacilityFactory(code="4101", location=here["village"])
    muhoza.served_cells.add(here["cell"])
    gihanga = FacilityFactory(code="5101", location=there["village"])
    gihanga.served_cells.add(there["cell"])
    first = ReporterFactory(facility=muhoza, village=here["village"], language="en")
    other = ReporterFactory(facility=muhoza, village=second, language="en")
    ReporterFactory(facility=gihanga, village=there["village"], language="en")
    return World(
        home_volunteers=(str(first.phone), str(other.phone)),
        villages=(here["village"].code, there["village"].code),
        facility_of_village={here["village"].code: muhoza.pk, there["village"].code: gihanga.pk},
    )


registrations = st.one_of(
    st.tuples(st.just("PRE"), st.integers(2, 43)),  # weeks since the LMP (under 4 and 42+ included)
    st.tuples(st.just("PRE long"), st.integers(4, 30), st.integers(1, 8)),  # and weeks to the appointment
)
during_pregnancy = st.one_of(
    *[st.tuples(st.just("ANC"), st.integers(1, 8))] * 4,
    st.tuples(st.just("transfer")),
    st.tuples(st.sampled_from(["LOS", "DEP"])),
    st.tuples(st.just("DTH"), st.sampled_from(["md", "mcc", "sbd"])),
)
births = st.sampled_from([("BIR", 1), ("BIR", 1), ("BIR", 2), ("DTH", "sbd")])
after_birth = st.one_of(
    *[st.tuples(st.just("PNC"), st.integers(1, 4))] * 2,
    *[st.tuples(st.just("DTH"), st.sampled_from(["nd", "nd", "cd", "sbd", "md"]))] * 2,
    st.tuples(st.sampled_from(["DEP", "transfer"])),
)
anything = st.one_of(registrations, during_pregnancy, births, after_birth)


@st.composite
def life(draw, index: int) -> list[tuple[int, int, tuple]]:
    """One mother's reports as (day, mother, report): a registration, some reports while pregnant,
    usually a birth (at 20 to 42 weeks: before 22 is refused), then some reports after it."""
    start = draw(st.integers(0, 20))
    registration = draw(registrations)
    weeks = registration[1]
    birth_day = start + 7 * (draw(st.integers(max(weeks, 20), max(weeks, 42))) - weeks)
    antenatal = draw(st.lists(st.integers(start, birth_day), max_size=4))
    reports = [(start, index, registration)]
    reports += [(day, index, draw(during_pregnancy)) for day in sorted(antenatal)]
    if draw(st.integers(0, 5)):
        day = birth_day
        reports.append((day, index, draw(births)))
        for _ in range(draw(st.integers(0, 5))):
            day += draw(st.integers(0, 20))
            reports.append((day, index, draw(after_birth)))
    return reports


@st.composite
def steps(draw) -> list[tuple[int, int, tuple]]:
    """Two lives interleaved, with a few reports on any day about either mother, as
    (mother, days after the previous report, report)."""
    noise = draw(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 1), anything), max_size=3))
    reports = sorted(draw(life(0)) + draw(life(1)) + noise, key=lambda report: report[0])
    day, result = 0, []
    for when, index, report in reports:
        result.append((index, when - day, report))
        day = when
    return result


def sms_text(mother: str, action: tuple, today: date, world: World) -> str:
    kind, *values = action
    day = f"{today:%d.%m.%Y}"
    if kind == "PRE":
        return f"PRE {mother} {today - timedelta(weeks=values[0]):%d.%m.%Y} 2 1 nr np"
    if kind == "PRE long":
        lmp, appointment = today - timedelta(weeks=values[0]), today + timedelta(weeks=values[1])
        return f"PRE {mother} {lmp:%d.%m.%Y} {appointment:%d.%m.%Y} 2 1 nr np hc wt60 ht160 to hw"
    if kind == "ANC":
        return f"ANC {mother} {day} {values[0]}"
    if kind == "BIR":
        return f"BIR {mother} {day} hc gi" + (" bo" if values[0] == 2 else "")
    if kind == "PNC":
        return f"PNC {mother} {values[0]} {day}"
    if kind == "DTH":
        return f"DTH {mother} {values[0]} {day}"
    if kind == "LOS":
        return f"LOS {mother}"
    if kind == "DEP":
        return f"DEP {mother}"
    pregnancy = Pregnancy.objects.filter(mother__identifier=mother).order_by("-registered_at").first()
    here = pregnancy is None or pregnancy.facility_id == world.facility_of_village[world.villages[0]]
    return f"DEP {mother} {world.villages[1] if here else world.villages[0]}"


def sender(mother: str, index: int, world: World) -> str:
    """Her current volunteer (a transfer changes it), else her volunteer at home."""
    pregnancy = (
        Pregnancy.objects.select_related("reporter")
        .filter(mother__identifier=mother)
        .order_by("-registered_at")
        .first()
    )
    return str(pregnancy.reporter.phone) if pregnancy else world.home_volunteers[index]


def next_sweep_day(after: date) -> date | None:
    """The first day after ``after`` on which the sweep has something to do: a reminder due (or
    left over), or a visit whose grace period ends (it becomes missed that day)."""
    open_visits = Reminder.objects.filter(
        kind__in=VISIT_KINDS, status__in=[Reminder.Status.SENT, Reminder.Status.EXPIRED]
    )
    candidates = [
        Reminder.objects.filter(status=Reminder.Status.PLANNED).aggregate(day=Min("due_date"))["day"],
        *(
            due + timedelta(days=14)
            for due in open_visits.filter(due_date__gt=after - timedelta(days=14)).values_list(
                "due_date", flat=True
            )
        ),
    ]
    days = [max(day, after + timedelta(days=1)) for day in candidates if day is not None]
    return min(days) if days else None


class Life:
    """One drawn sequence, walked; what the invariants need is gathered on the way."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.walk = Walk()
        self.today = START
        self.closed_sends: list[str] = []
        self.maternal_deaths: dict[int, date] = {}
        self.sent_after_death: list[str] = []
        self.promised: list[Promise] = []
        self.reply_problems: list[str] = []

    def sweep_until(self, last: date) -> None:
        while (day := next_sweep_day(self.today)) is not None and day <= last:
            self.sweep(day)

    def sweep(self, day: date) -> None:
        self.walk.run_due(day)
        self.today = day
        for reminder in Reminder.objects.filter(digests__day=day).select_related("pregnancy"):
            pregnancy = reminder.pregnancy
            if lifecycle.stage(pregnancy, today=day) in lifecycle.CLOSED:
                self.closed_sends.append(f"{day}: {reminder} of a {pregnancy.status} pregnancy")
            if pregnancy.pk in self.maternal_deaths:
                self.sent_after_death.append(f"{day}: {reminder}")

    def send(self, index: int, days_later: int, action: tuple) -> None:
        day = self.today + timedelta(days=days_later)
        self.sweep_until(day)
        self.today = day
        mother = MOTHERS[index]
        phone = sender(mother, index, self.world)
        text = sms_text(mother, action, day, self.world)
        sent = self.walk.sms(day, phone, text)
        replies = [item for item in sent if item.kind == OutgoingMessage.Kind.REPLY]
        if [item.phone for item in replies] != [phone]:
            self.reply_problems.append(f"{day} {text}: {sent}")
        for reply in replies:
            self.promised += promises(day, reply.text)
        for pregnancy in Pregnancy.objects.filter(status=Pregnancy.Status.MATERNAL_DEATH):
            self.maternal_deaths.setdefault(pregnancy.pk, day)

    def finish(self) -> None:
        self.sweep_until(self.today + HORIZON)


def promise_problems(promised: list[Promise]) -> list[str]:
    """Each promise is a reminder row of hers that is no longer planned; one that went out did so
    on or after its day."""
    problems = []
    for promise in promised:
        kind, _, number = promise.label.partition(" ")
        rows = Reminder.objects.filter(
            pregnancy__mother__identifier=promise.mother, kind=kind.lower(), due_date=promise.due
        )
        if number:
            rows = rows.filter(sequence=int(number))
        row = rows.order_by("-pk").first()
        if row is None:
            problems.append(f"{promise}: no such reminder")
        elif row.status == Reminder.Status.PLANNED:
            problems.append(f"{promise}: still planned")
        elif row.sent_at is not None and row.sent_at.date() < promise.due:
            problems.append(f"{promise}: sent early, {row.sent_at}")
    return problems


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps())
def test_random_lives_keep_the_follow_up_invariants(world, sequence):
    with transaction.atomic():
        life = Life(world)
        for index, days_later, action in sequence:
            life.send(index, days_later, action)
        life.finish()
        assert life.reply_problems == []
        assert life.closed_sends == []
        assert life.sent_after_death == []
        assert promise_problems(life.promised) == []
        left_open = Reminder.objects.filter(
            status__in=[Reminder.Status.PLANNED, Reminder.Status.SENT],
            pregnancy__status__in=[
                Pregnancy.Status.MATERNAL_DEATH,
                Pregnancy.Status.LOST,
                Pregnancy.Status.MOVED,
            ],
        )
        assert list(left_open) == []
        assert not Reminder.objects.filter(
            status__in=[Reminder.Status.PLANNED, Reminder.Status.EXPIRED]
        ).exists()
        cancelled_postnatal = Reminder.objects.filter(
            kind=Reminder.Kind.PNC, status=Reminder.Status.CANCELLED
        )
        assert set(cancelled_postnatal.values_list("pregnancy__status", flat=True)) <= {
            Pregnancy.Status.MATERNAL_DEATH,
            Pregnancy.Status.MOVED,
        }
        transaction.set_rollback(True)
