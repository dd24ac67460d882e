"""A pregnancy's care plan: its planned contacts (``Reminder`` rows, one per antenatal contact,
birth-preparedness reminder, follow-up after the due date and postnatal contact), planned from the
schedules in ``maternal.schedules`` (docs/clinical-rules.md).

Registering plans the contacts still ahead; reporting a visit clears its row; a birth ends the
antenatal plan and starts the postnatal one; closing a pregnancy cancels what is left. What a
reply promises is read back from these rows (``promised``), so a reply never promises a visit
that will not be reminded. Sending is the ``reminders`` app's job.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import DateField, IntegerField, QuerySet
from django.db.models.expressions import RawSQL

from maternal.models import Pregnancy, Reminder
from maternal.schedules import PlannedContact, antenatal_plan, postnatal_plan

Status = Reminder.Status
#: Reminders still to do: planned, or sent with the visit not reported yet.
OPEN_STATUSES = [Status.PLANNED, Status.SENT]


def _create(pregnancy: Pregnancy, plan: list[PlannedContact], today: date) -> list[Reminder]:
    """Rows for the contacts still ahead; idempotent (existing rows are left alone). Returns the
    rows it meant to create (on a pregnancy with none yet: exactly the rows now planned)."""
    rows = [
        Reminder(pregnancy=pregnancy, kind=item.kind, sequence=item.sequence, due_date=item.due_date)
        for item in plan
        if item.due_date >= today
    ]
    if rows:  # in SQL, as clear_visit: every registration runs it, and bulk_create cost 0.6 ms
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO maternal_reminder (pregnancy_id, kind, sequence, due_date, status)"
                f" VALUES {values} ON CONFLICT DO NOTHING",
                [
                    param
                    for row in rows
                    for param in (pregnancy.pk, row.kind, row.sequence, row.due_date, row.status)
                ],
            )
    return rows


def plan_pregnancy(pregnancy: Pregnancy, *, today: date) -> list[Reminder]:
    """Plan the antenatal, birth-preparedness and post-EDD reminders still ahead. A woman
    registered late gets no reminder (and no missed follow-up) for contacts already past."""
    return _create(pregnancy, _antenatal_plan(pregnancy), today)


def _antenatal_plan(pregnancy: Pregnancy) -> list[PlannedContact]:
    return antenatal_plan(
        pregnancy.last_menstrual_period,
        pregnancy.expected_delivery_date,
        next_visit_date=pregnancy.next_visit_date,
    )


def plan_pregnancies(pregnancies: Iterable[Pregnancy], *, today: date, batch_size: int = 5000) -> int:
    """``plan_pregnancy`` for many pregnancies (seeding, imports, benchmarks): the same rows,
    written ``batch_size`` at a time instead of one insert per pregnancy."""
    planned, rows = 0, []
    for pregnancy in pregnancies:
        plan = _antenatal_plan(pregnancy)
        rows += [
            Reminder(pregnancy=pregnancy, kind=item.kind, sequence=item.sequence, due_date=item.due_date)
            for item in plan
            if item.due_date >= today
        ]
        if len(rows) >= batch_size:
            Reminder.objects.bulk_create(rows, ignore_conflicts=True)
            planned, rows = planned + len(rows), []
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return planned + len(rows)


def replan_pregnancy(pregnancy: Pregnancy, *, today: date) -> list[Reminder]:
    """After the LMP changed: drop the antenatal reminders not yet sent and plan again."""
    pregnancy.reminders.filter(status=Status.PLANNED).exclude(kind=Reminder.Kind.PNC).delete()
    return plan_pregnancy(pregnancy, today=today)


def plan_postnatal(pregnancy: Pregnancy, *, birth_date: date, today: date) -> list[Reminder]:
    """A birth ends the antenatal plan and starts the postnatal contacts."""
    pregnancy.reminders.filter(status__in=OPEN_STATUSES).exclude(kind=Reminder.Kind.PNC).update(
        status=Status.CANCELLED
    )
    return _create(pregnancy, postnatal_plan(birth_date), today)


def clear_visit(pregnancy: Pregnancy, *, kind: str, sequence: int) -> bool:
    """A reported visit clears its reminder (sent or not). Returns whether one was cleared.
    (Written in SQL: every visit report runs it, and the ORM built it at five times its cost.)"""
    clearable = [*OPEN_STATUSES, Status.MISSED]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE maternal_reminder SET status = %s WHERE pregnancy_id = %s AND kind = %s AND sequence = %s"
            f" AND status IN ({', '.join(['%s'] * len(clearable))})",
            [Status.CLEARED, pregnancy.pk, kind, sequence, *clearable],
        )
        return cursor.rowcount > 0


def promised(pregnancy: Pregnancy, *, kind: str, today: date, after: int = 0) -> QuerySet[Reminder]:
    """The reminders of ``kind`` still to be sent on or after ``today`` (numbered above ``after``),
    in the order they are due: what a reply may promise, read from the rows that will send it."""
    return pregnancy.reminders.filter(
        kind=kind, sequence__gt=after, status=Status.PLANNED, due_date__gte=today
    ).order_by("due_date", "sequence")


def next_promised(*, kind: str, today: date, after: int) -> dict[str, RawSQL]:
    """The first of ``promised`` as two annotations of a pregnancy query (``next_promised_sequence``,
    ``next_promised_due_date``; None when nothing is left): a report's reply reads it in the
    report's own read of the pregnancy instead of a query of its own. Written in SQL, as the
    other values read with it (``maternal.services``)."""
    first = (
        "FROM maternal_reminder WHERE pregnancy_id = maternal_pregnancy.id AND kind = %s"
        " AND sequence > %s AND status = %s AND due_date >= %s ORDER BY due_date, sequence LIMIT 1"
    )
    params = (kind, after, Status.PLANNED.value, today)
    return {
        "next_promised_sequence": RawSQL(f"SELECT sequence {first}", params, output_field=IntegerField()),
        "next_promised_due_date": RawSQL(f"SELECT due_date {first}", params, output_field=DateField()),
    }


def promised_among(reminders: list[Reminder], *, kind: str, today: date) -> list[Reminder]:
    """``promised`` among rows already in hand (those ``plan_pregnancy`` just wrote), in order."""
    return sorted(
        (
            row
            for row in reminders
            if row.kind == kind and row.status == Status.PLANNED and row.due_date >= today
        ),
        key=lambda row: (row.due_date, row.sequence),
    )


def cancel_remaining(pregnancy: Pregnancy) -> int:
    """Closing a pregnancy (loss, death, move) cancels what is left."""
    return pregnancy.reminders.filter(status__in=OPEN_STATUSES).update(status=Status.CANCELLED)
