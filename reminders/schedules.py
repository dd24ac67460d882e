"""Visit schedules as data (SPEC 3). ``settings.ANC_SCHEDULE`` picks the antenatal policy; a
country changes a schedule here (or adds one) without touching the planner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

ANC_SCHEDULES: dict[str, list[int]] = {
    # WHO 2016 antenatal care model: 8 contacts, weeks of gestation.
    "who2016": [12, 20, 26, 30, 34, 36, 38, 40],
    # The older focused antenatal care model: 4 visits.
    "focused4": [16, 26, 32, 36],
}
#: Postnatal contacts, days after the birth: day 1, day 3, day 7, week 6.
POSTNATAL_DAYS: list[int] = [1, 3, 7, 42]
#: Birth preparedness reminder before the EDD, and follow-up after it when nothing was reported.
BIRTH_PREPAREDNESS_BEFORE_EDD = timedelta(days=14)
FOLLOW_UP_AFTER_EDD = timedelta(days=14)


@dataclass(frozen=True)
class PlannedContact:
    kind: str  # a Reminder.Kind value
    sequence: int
    due_date: date


def antenatal_plan(last_menstrual_period: date, expected_delivery_date: date) -> list[PlannedContact]:
    """Every antenatal reminder of a pregnancy, past ones included (the planner drops those)."""
    weeks = ANC_SCHEDULES[settings.ANC_SCHEDULE]
    plan = [
        PlannedContact("anc", number, last_menstrual_period + timedelta(weeks=week))
        for number, week in enumerate(weeks, start=1)
    ]
    plan.append(PlannedContact("birth_prep", 1, expected_delivery_date - BIRTH_PREPAREDNESS_BEFORE_EDD))
    plan.append(PlannedContact("post_edd", 1, expected_delivery_date + FOLLOW_UP_AFTER_EDD))
    return plan


def postnatal_plan(birth_date: date) -> list[PlannedContact]:
    return [
        PlannedContact("pnc", number, birth_date + timedelta(days=days))
        for number, days in enumerate(POSTNATAL_DAYS, start=1)
    ]


def next_antenatal_contact(
    last_menstrual_period: date, today: date, *, after: int = 0
) -> tuple[int, date] | None:
    """The next antenatal contact still ahead (number, due date) numbered above ``after``, or
    None when all are past."""
    for number, week in enumerate(ANC_SCHEDULES[settings.ANC_SCHEDULE], start=1):
        due = last_menstrual_period + timedelta(weeks=week)
        if due >= today and number > after:
            return number, due
    return None
