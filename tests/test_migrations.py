"""Migrations that move data: an existing deployment upgrades without losing a row."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [("maternal", "0004_duty_history"), ("reminders", "0002_cover_check")]
AFTER_THE_MOVE = [
    ("maternal", "0005_reminder_escalationstep_from_reminders"),
    ("reminders", "0003_reminder_escalationstep_to_maternal"),
]


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _planned_reminder_and_alert_step(apps) -> None:
    """One pregnancy with a reminder in a digest, and one alert with a pending step, written with
    the models as they were before the move (in the ``reminders`` app)."""
    Location = apps.get_model("maternal", "Location")
    Facility = apps.get_model("maternal", "Facility")
    village = Location.objects.create(code="9999", name="Village", level="village")
    facility = Facility.objects.create(
        code="999", name="HC", kind="health_centre", location=village, district=village
    )
    reporter = apps.get_model("maternal", "Reporter").objects.create(
        phone="+250788000001", village=village, facility=facility, status="active"
    )
    mother = apps.get_model("maternal", "Mother").objects.create(
        identifier="M1", id_kind="system", village=village, facility=facility
    )
    pregnancy = apps.get_model("maternal", "Pregnancy").objects.create(
        mother=mother,
        reporter=reporter,
        facility=facility,
        village=village,
        last_menstrual_period=date(2026, 9, 1),
        expected_delivery_date=date(2027, 6, 8),
        gravidity=1,
        parity=0,
        registered_on=date(2026, 11, 1),
    )
    reminder = apps.get_model("reminders", "Reminder").objects.create(
        pregnancy=pregnancy, kind="anc", sequence=2, due_date=date(2026, 12, 1), status="sent"
    )
    digest = apps.get_model("reminders", "Digest").objects.create(reporter=reporter, day=date(2026, 12, 1))
    digest.reminders.add(reminder)
    alert = apps.get_model("maternal", "Alert").objects.create(
        sender_phone="+250788000001", facility=facility, raised_at=datetime(2026, 12, 1, tzinfo=UTC)
    )
    apps.get_model("reminders", "EscalationStep").objects.create(
        alert=alert, level=2, due_at=datetime(2026, 12, 1, 0, 10, tzinfo=UTC)
    )


@pytest.mark.django_db(transaction=True)
def test_moving_reminders_and_escalation_steps_to_maternal_keeps_every_row():
    try:
        _planned_reminder_and_alert_step(_migrate(BEFORE_THE_MOVE))
        apps = _migrate(AFTER_THE_MOVE)
        reminder = apps.get_model("maternal", "Reminder").objects.get()
        step = apps.get_model("maternal", "EscalationStep").objects.get()
        digest = apps.get_model("reminders", "Digest").objects.get()
        assert (reminder.kind, reminder.sequence, reminder.status) == ("anc", 2, "sent")
        assert list(digest.reminders.all()) == [reminder]
        assert (step.level, step.status, step.alert.facility.code) == (2, "pending", "999")
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
