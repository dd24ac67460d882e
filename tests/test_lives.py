"""Whole lives, day by day: four mothers followed from their registration to six weeks after their
birth (or to the end of their pregnancy), every day from 1 June 2026 to 10 March 2027 with the
daily sweep of ``run_due`` at 10:00 and the volunteers' SMS at 11:00. Each test checks one thing
about the one walk (docs/lifecycle.md is the model it follows):

- Amina (volunteer Alice): PRE at 8 weeks, all eight antenatal contacts reported on their reminder
  days, a single birth at 39 weeks, postnatal contacts 1, 3 and 4 (contact 2 is missed).
- Beata (volunteer Bella, then Vera): national long-form PRE at 6 weeks, filed at ANC 1 with an
  appointment; moves to another health centre's village at 21 weeks; twins at 34 weeks, the second
  dies on day 4; her own postnatal contacts go on with her new volunteer.
- Claudine (volunteer Clara): PRE at 19 weeks, a stillbirth at 29 weeks; her postnatal contacts.
- Denise (volunteer Alice): PRE at 13 weeks, a pregnancy loss at 18 weeks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import transaction

from maternal import lifecycle
from maternal.models import Pregnancy, Staff
from messaging.models import OutgoingMessage
from tests.factories import FacilityFactory, LocationFactory, ReporterFactory, StaffFactory, location_tree
from tests.lives import Promise, Walk, kept, promises

pytestmark = pytest.mark.django_db

AMINA, BEATA, CLAUDINE, DENISE = (
    "1199570000000011",
    "1199670000000022",
    "1199770000000033",
    "1199870000000044",
)
FIRST_DAY, LAST_DAY = date(2026, 6, 1), date(2027, 3, 10)


@dataclass(frozen=True)
class People:
    alice: str  # Amina's and Denise's volunteer
    bella: str  # Beata's first volunteer
    clara: str  # Claudine's volunteer
    vera: str  # the volunteer of Beata's new village, at another health centre
    new_village_code: str
    new_village_name: str


def build_people() -> People:
    here, there = location_tree("4"), location_tree("5")
    villages = [here["village"]] + [
        LocationFactory(
            code=f"40101010{n}",
            name=f"Village 4-{n}",
            level="village",
            parent=here["cell"],
            district=here["district"],
            sector=here["sector"],
        )
        for n in (2, 3)
    ]
    muhoza = FacilityFactory(code="4101", name="Muhoza HC", location=here["village"])
    muhoza.served_cells.add(here["cell"])
    gihanga = FacilityFactory(code="5101", name="Gihanga HC", location=there["village"])
    gihanga.served_cells.add(there["cell"])
    StaffFactory(facility=muhoza, role=Staff.Role.MIDWIFE)

    def volunteer(name: str, facility, village) -> str:
        return str(ReporterFactory(name=name, facility=facility, village=village, language="en").phone)

    return People(
        alice=volunteer("Alice", muhoza, villages[0]),
        bella=volunteer("Bella", muhoza, villages[1]),
        clara=volunteer("Clara", muhoza, villages[2]),
        vera=volunteer("Vera", gihanga, there["village"]),
        new_village_code=there["village"].code,
        new_village_name=there["village"].name,
    )


def script(p: People) -> dict[date, list[tuple[str, str]]]:
    """Who writes what, by day (at 11:00, after the day's digests)."""
    d = date
    return {
        d(2026, 6, 1): [
            (p.alice, f"PRE {AMINA} 06.04.2026 1 0 nr np"),
            (p.bella, f"PRE {BEATA} 20.04.2026 06.07.2026 2 1 nr np hc wt58 ht158 to hw"),
            (p.clara, f"PRE {CLAUDINE} 19.01.2026 3 2 nr np"),
            (p.alice, f"PRE {DENISE} 02.03.2026 2 1 nr np"),
        ],
        d(2026, 6, 8): [(p.clara, f"ANC {CLAUDINE} 08.06.2026 2")],
        d(2026, 6, 29): [(p.alice, f"ANC {AMINA} 29.06.2026 1")],
        d(2026, 7, 6): [(p.bella, f"ANC {BEATA} 06.07.2026 anc2 np hc wt59")],
        d(2026, 7, 10): [(p.alice, f"LOS {DENISE} 09.07.2026")],
        d(2026, 7, 20): [(p.clara, f"ANC {CLAUDINE} 20.07.2026 3")],
        d(2026, 8, 12): [(p.clara, f"DTH {CLAUDINE} sbd 12.08.2026")],
        d(2026, 8, 13): [(p.clara, f"PNC {CLAUDINE} 1 13.08.2026")],
        d(2026, 8, 15): [(p.clara, f"PNC {CLAUDINE} 2 15.08.2026")],
        d(2026, 8, 19): [(p.clara, f"PNC {CLAUDINE} 3 19.08.2026")],
        d(2026, 8, 24): [(p.alice, f"ANC {AMINA} 24.08.2026 2")],
        d(2026, 9, 7): [(p.bella, f"ANC {BEATA} 07.09.2026 anc3 np hc wt61")],
        d(2026, 9, 20): [(p.bella, f"DEP {BEATA} {p.new_village_code}")],
        d(2026, 9, 23): [(p.clara, f"PNC {CLAUDINE} 4 23.09.2026")],
        d(2026, 10, 5): [(p.alice, f"ANC {AMINA} 05.10.2026 3")],
        d(2026, 10, 19): [(p.vera, f"ANC {BEATA} 19.10.2026 anc4 np hc wt63")],
        d(2026, 11, 2): [(p.alice, f"ANC {AMINA} 02.11.2026 4")],
        d(2026, 11, 16): [(p.vera, f"ANC {BEATA} 16.11.2026 5")],
        d(2026, 11, 30): [(p.alice, f"ANC {AMINA} 30.11.2026 5")],
        d(2026, 12, 14): [(p.alice, f"ANC {AMINA} 14.12.2026 6"), (p.vera, f"ANC {BEATA} 14.12.2026 6")],
        d(2026, 12, 20): [(p.vera, f"BIR {BEATA} 20.12.2026 hc gi 2.1 bo 2.3 bf1")],
        d(2026, 12, 21): [(p.vera, f"PNC {BEATA} 1 21.12.2026")],
        d(2026, 12, 23): [(p.vera, f"PNC {BEATA} 2 23.12.2026")],
        d(2026, 12, 24): [(p.vera, f"DTH {BEATA} 02 20.12.2026 hc nd")],
        d(2026, 12, 27): [(p.vera, f"PNC {BEATA} 3 27.12.2026")],
        d(2026, 12, 28): [(p.alice, f"ANC {AMINA} 28.12.2026 7")],
        d(2027, 1, 5): [(p.alice, f"BIR {AMINA} 05.01.2027 hc bo 3.3 bf1")],
        d(2027, 1, 6): [(p.alice, f"PNC {AMINA} 1 06.01.2027")],
        d(2027, 1, 12): [(p.alice, f"PNC {AMINA} 3 12.01.2027")],
        d(2027, 1, 31): [(p.vera, f"PNC {BEATA} 4 31.01.2027")],
        d(2027, 2, 16): [(p.alice, f"PNC {AMINA} 4 16.02.2027")],
    }


@dataclass(frozen=True)
class Lives:
    people: People
    walk: Walk
    #: Each mother's pregnancy as it is at the end: status, and the babies (number, stillborn, died on).
    pregnancies: dict[str, tuple[str, list[tuple[int, bool, date | None]]]]
    #: The stage of each mother's follow-up on each day of the walk, when the day's digests go out.
    stages: dict[str, dict[date, lifecycle.Stage]]


@pytest.fixture(scope="module")
def lives(django_db_setup, django_db_blocker) -> Iterator[Lives]:
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            people = build_people()
            plan = script(people)
            walk = Walk()
            stages: dict[str, dict[date, lifecycle.Stage]] = {}
            day = FIRST_DAY
            while day <= LAST_DAY:
                walk.run_due(day)
                for pregnancy in Pregnancy.objects.select_related("mother"):
                    stages.setdefault(pregnancy.mother.identifier, {})[day] = lifecycle.stage(
                        pregnancy, today=day
                    )
                for minute, (phone, text) in enumerate(plan.get(day, [])):
                    walk.sms(day, phone, text, minute)
                day += timedelta(days=1)
            pregnancies = {
                pregnancy.mother.identifier: (
                    pregnancy.status,
                    sorted(
                        (baby.child_number, baby.stillborn, baby.died_on)
                        for baby in (pregnancy.birth.babies.all() if hasattr(pregnancy, "birth") else [])
                    ),
                )
                for pregnancy in Pregnancy.objects.select_related("mother")
            }
            yield Lives(people, walk, pregnancies, stages)
        finally:
            transaction.set_rollback(True)


def d(day: int, month: int, year: int = 2026) -> date:
    return date(year, month, day)


# --- every SMS each volunteer got ----------------------------------------------------------------


def test_amina_and_denises_volunteer_gets_exactly_these_reminders(lives):
    assert lives.walk.to(lives.people.alice) == [
        (d(29, 6), f"Reminders 29.06: {AMINA} ANC 1 on 29.06"),
        (d(24, 8), f"Reminders 24.08: {AMINA} ANC 2 on 24.08"),
        (d(5, 10), f"Reminders 05.10: {AMINA} ANC 3 on 05.10"),
        (d(2, 11), f"Reminders 02.11: {AMINA} ANC 4 on 02.11"),
        (d(30, 11), f"Reminders 30.11: {AMINA} ANC 5 on 30.11"),
        (d(14, 12), f"Reminders 14.12: {AMINA} ANC 6 on 14.12"),
        (d(28, 12), f"Reminders 28.12: {AMINA} ANC 7 on 28.12; {AMINA} birth plan, EDD in 2 weeks (28.12)"),
        (d(6, 1, 2027), f"Reminders 06.01: {AMINA} PNC 1 on 06.01"),
        (d(8, 1, 2027), f"Reminders 08.01: {AMINA} PNC 2 on 08.01"),
        (d(12, 1, 2027), f"Reminders 12.01: {AMINA} PNC 3 on 12.01"),
        (d(22, 1, 2027), f"Missed visits, please follow up: {AMINA} PNC 2 on 08.01"),
        (d(16, 2, 2027), f"Reminders 16.02: {AMINA} PNC 4 on 16.02"),
    ]


def test_beatas_first_volunteer_hears_nothing_of_her_after_the_transfer(lives):
    assert lives.walk.to(lives.people.bella) == [
        (d(6, 7), f"Reminders 06.07: {BEATA} ANC 2 on 06.07"),
        (d(7, 9), f"Reminders 07.09: {BEATA} ANC 3 on 07.09"),
    ]


def test_beatas_new_volunteer_is_told_of_her_and_gets_her_contacts_to_six_weeks_after_the_twins(lives):
    people = lives.people
    assert lives.walk.to(people.vera, OutgoingMessage.Kind.NOTICE) == [
        (
            d(20, 9),
            f"Mother {BEATA} has moved to {people.new_village_name}: her follow-up and reminders are now yours.",
        )
    ]
    assert lives.walk.to(people.vera) == [
        (d(19, 10), f"Reminders 19.10: {BEATA} ANC 4 on 19.10"),
        (d(16, 11), f"Reminders 16.11: {BEATA} ANC 5 on 16.11"),
        (d(14, 12), f"Reminders 14.12: {BEATA} ANC 6 on 14.12"),
        (d(21, 12), f"Reminders 21.12: {BEATA} PNC 1 on 21.12"),
        (d(23, 12), f"Reminders 23.12: {BEATA} PNC 2 on 23.12"),
        (d(27, 12), f"Reminders 27.12: {BEATA} PNC 3 on 27.12"),
        (d(31, 1, 2027), f"Reminders 31.01: {BEATA} PNC 4 on 31.01"),
    ]


def test_claudine_gets_her_postnatal_contacts_after_the_stillbirth(lives):
    assert lives.walk.to(lives.people.clara) == [
        (d(8, 6), f"Reminders 08.06: {CLAUDINE} ANC 2 on 08.06"),
        (d(20, 7), f"Reminders 20.07: {CLAUDINE} ANC 3 on 20.07"),
        (d(13, 8), f"Reminders 13.08: {CLAUDINE} PNC 1 on 13.08"),
        (d(15, 8), f"Reminders 15.08: {CLAUDINE} PNC 2 on 15.08"),
        (d(19, 8), f"Reminders 19.08: {CLAUDINE} PNC 3 on 19.08"),
        (d(23, 9), f"Reminders 23.09: {CLAUDINE} PNC 4 on 23.09"),
    ]


def test_nobody_else_gets_any_sms_but_the_replies(lives):
    people = lives.people
    volunteers = {people.alice, people.bella, people.clara, people.vera}
    others = [sent for sent in lives.walk.transcript if sent.phone not in volunteers]
    assert others == []
    assert {sent.kind for sent in lives.walk.transcript} == {"reply", "reminder", "notice"}


# --- replies ------------------------------------------------------------------------------------


def test_every_message_gets_exactly_one_reply_to_its_sender(lives):
    for day, phone, text, sent in lives.walk.inbound:
        replies = [item for item in sent if item.kind == OutgoingMessage.Kind.REPLY]
        assert [item.phone for item in replies] == [phone], (day, text, sent)


def test_every_report_of_the_walk_is_accepted(lives):
    refused = [
        (day, text, reply.text)
        for day, _, text, sent in lives.walk.inbound
        for reply in sent
        if reply.kind == OutgoingMessage.Kind.REPLY
        and ("not recorded" in reply.text or "Nothing was" in reply.text)
    ]
    assert refused == []


def test_the_replies_say_what_each_event_changed(lives):
    replies = {
        " ".join(text.split()[:2]): next(item.text for item in sent if item.kind == "reply")
        for _, _, text, sent in lives.walk.inbound
        if text.split()[0] in ("PRE", "BIR", "DTH", "LOS", "DEP")
    }
    assert replies[f"PRE {AMINA}"] == (
        f"Pregnancy of {AMINA} registered. EDD 11.01.2027, 8 weeks. Next visit: ANC 1 on 29.06.2026."
    )
    assert replies[f"PRE {BEATA}"] == (
        f"Pregnancy of {BEATA} registered. EDD 25.01.2027, 6 weeks. Filed as ANC 1. Next visit: ANC 2 on 06.07.2026."
    )
    assert replies[f"DEP {BEATA}"] == (
        f"{BEATA} transferred to {lives.people.new_village_name} village (Gihanga HC). "
        f"Her reminders now go to Vera {lives.people.vera}."
    )
    assert replies[f"DTH {CLAUDINE}"] == (
        f"Stillbirth of child 1 of {CLAUDINE} recorded (12.08.2026). We are sorry. "
        "The mother's postnatal visits go on: 13.08, 15.08, 19.08, 23.09."
    )
    assert replies[f"DTH {BEATA}"] == (
        f"Newborn death of child 2 of {BEATA} recorded (24.12.2026). We are sorry. "
        "The mother's postnatal visits go on: 27.12, 31.01."
    )
    assert replies[f"BIR {BEATA}"] == (
        f"Birth of 2 babies to {BEATA} recorded (20.12.2026, at a health centre). "
        "Postnatal visits: 21.12, 23.12, 27.12, 31.01."
    )
    assert replies[f"BIR {AMINA}"] == (
        f"Birth of 1 baby to {AMINA} recorded (05.01.2027, at a health centre). "
        "Postnatal visits: 06.01, 08.01, 12.01, 16.02."
    )
    assert replies[f"LOS {DENISE}"] == (
        f"Pregnancy loss of {DENISE} recorded (09.07.2026). Her pregnancy is closed and its reminders are cancelled."
    )


# --- promises, closed follow-ups ------------------------------------------------------------------


def all_promises(lives) -> list[Promise]:
    return [
        promise
        for day, _, _, sent in lives.walk.inbound
        for item in sent
        if item.kind == OutgoingMessage.Kind.REPLY
        for promise in promises(day, item.text)
    ]


def test_every_reminder_a_reply_promised_went_out_on_its_day_unless_an_event_overtook_it(lives):
    broken = {(p.mother, p.label, p.due) for p in all_promises(lives) if not kept(p, lives.walk.transcript)}
    assert broken == {
        (DENISE, "ANC 2", d(20, 7)),  # her pregnancy was lost on 9 July
        (CLAUDINE, "ANC 4", d(17, 8)),  # the stillbirth on 12 August
        (BEATA, "ANC 7", d(28, 12)),  # the twins on 20 December
        (AMINA, "ANC 8", d(11, 1, 2027)),  # her baby on 5 January
    }


def test_the_walk_checks_promises_of_every_kind(lives):
    labels = {promise.label for promise in all_promises(lives)}
    assert {"PNC", "ANC 1", "ANC 2", "ANC 8"} <= labels


def test_nothing_is_sent_about_a_mother_once_her_follow_up_is_closed(lives):
    for mother, by_day in lives.stages.items():
        about_her = [
            sent
            for sent in lives.walk.transcript
            if mother in sent.text and sent.kind != OutgoingMessage.Kind.REPLY and sent.day in by_day
        ]
        assert [sent for sent in about_her if by_day[sent.day] in lifecycle.CLOSED] == [], mother


def test_each_follow_up_ends_as_the_model_says(lives):
    last = {mother: by_day[LAST_DAY] for mother, by_day in lives.stages.items()}
    assert last == {
        AMINA: lifecycle.Stage.COMPLETED,
        BEATA: lifecycle.Stage.COMPLETED,
        CLAUDINE: lifecycle.Stage.COMPLETED,
        DENISE: lifecycle.Stage.LOST,
    }
    assert lives.stages[AMINA][d(2, 3, 2027)] == lifecycle.Stage.POSTPARTUM  # 8 weeks after the birth
    assert lives.stages[AMINA][d(3, 3, 2027)] == lifecycle.Stage.COMPLETED


def test_each_baby_has_its_own_record(lives):
    assert lives.pregnancies[AMINA] == ("delivered", [(1, False, None)])
    assert lives.pregnancies[BEATA] == ("delivered", [(1, False, None), (2, False, d(24, 12))])
    assert lives.pregnancies[CLAUDINE] == ("delivered", [(1, True, None)])
    assert lives.pregnancies[DENISE] == ("lost", [])
