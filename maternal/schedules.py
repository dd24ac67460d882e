"""Visit schedules as data. ``settings.ANC_SCHEDULE`` picks the antenatal policy; a country
changes a schedule here (or adds one) without touching the planner. Sources: docs/clinical-rules.md."""

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


def antenatal_plan(
    last_menstrual_period: date, expected_delivery_date: date, *, next_visit_date: date | None = None
) -> list[PlannedContact]:
    """Every antenatal reminder of a pregnancy, past ones included (the planner drops those).

    ``next_visit_date`` is the appointment a health centre gave at the first contact (the national
    long-form PRE is filed at ANC 1): ANC 1 is then done, ANC 2 is that appointment, and the later
    contacts are the schedule's dates after it (ANC 1's own date left out), numbered on from 3, up
    to the schedule's number of contacts."""
    weeks = ANC_SCHEDULES[settings.ANC_SCHEDULE]
    dates = [last_menstrual_period + timedelta(weeks=week) for week in weeks]
    if next_visit_date is None:
        contacts = list(enumerate(dates, start=1))
    else:
        later = [due for due in dates[1:] if due > next_visit_date]
        contacts = [(2, next_visit_date), *enumerate(later, start=3)][: len(weeks) - 1]
    plan = [PlannedContact("anc", number, due) for number, due in contacts]
    plan.append(PlannedContact("birth_prep", 1, expected_delivery_date - BIRTH_PREPAREDNESS_BEFORE_EDD))
    plan.append(PlannedContact("post_edd", 1, expected_delivery_date + FOLLOW_UP_AFTER_EDD))
    return plan


def postnatal_plan(birth_date: date) -> list[PlannedContact]:
    return [
        PlannedContact("pnc", number, birth_date + timedelta(days=days))
        for number, days in enumerate(POSTNATAL_DAYS, start=1)
    ]
