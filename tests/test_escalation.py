"""The escalation ladder with the clock pinned: levels 2 and 3 at the configured times, stopped by
an acknowledgement, each level sent once, and the 48-hour reminder."""

from datetime import datetime, timedelta

import pytest
import time_machine

from maternal import alerts
from maternal.models import Alert, EscalationStep, Staff
from reminders import tasks
from tests.clock import sent_at
from tests.conftest import KIGALI
from tests.factories import FacilityFactory, PregnancyFactory, ReporterFactory, StaffFactory, location_tree

# Runs Celery tasks, whose sweeps take a Redis lock.
pytestmark = pytest.mark.usefixtures("redis_server")

RAISED = datetime(2026, 11, 26, 22, 0, tzinfo=KIGALI)  # at night: quiet hours never delay an emergency


@pytest.fixture
def people(db):
    places = location_tree("6")
    hospital = FacilityFactory(code="6000", kind="hospital", location=places["village"])
    centre = FacilityFactory(code="6101", location=places["village"], parent=hospital)
    return {
        "volunteer": ReporterFactory(facility=centre, name="Uwase Marie"),
        "midwife": StaffFactory(facility=centre, role=Staff.Role.MIDWIFE),
        "in_charge": StaffFactory(facility=centre, role=Staff.Role.IN_CHARGE),
        "on_call": StaffFactory(facility=hospital, role=Staff.Role.MATERNITY_ON_CALL),
        "official": StaffFactory(
            facility=None, district=places["district"], role=Staff.Role.DISTRICT_OFFICIAL
        ),
    }


@pytest.fixture
def raise_red(people, sms):
    pregnancy = PregnancyFactory(reporter=people["volunteer"])

    def send() -> dict[str, str]:
        with time_machine.travel(RAISED, tick=False):
            return dict(sms(str(people["volunteer"].phone), f"RED {pregnancy.mother.identifier} he"))

    return send


def run_due(minutes: float) -> dict[str, str]:
    """What run_due sends ``minutes`` after the first alert, as {phone: text}."""
    return sent_at(RAISED + timedelta(minutes=minutes))


def phone(person) -> str:
    return str(person.phone)


def test_level_one_goes_out_at_night_without_waiting(raise_red, people):
    sent = raise_red()
    assert phone(people["midwife"]) in sent
    assert phone(people["in_charge"]) not in sent


def test_level_two_reaches_the_in_charge_and_hospital_on_call_after_ten_minutes(raise_red, people):
    raise_red()
    assert run_due(9.9) == {}
    sent = run_due(10)
    assert set(sent) == {phone(people["in_charge"]), phone(people["on_call"])}
    assert Alert.objects.get().level == 2


def test_level_three_reaches_the_district_official_twenty_minutes_later(raise_red, people):
    raise_red()
    run_due(10)
    assert run_due(29.9) == {}
    assert set(run_due(30)) == {phone(people["official"])}


def test_an_acknowledged_alert_does_not_climb(raise_red, people, sms):
    raise_red()
    with time_machine.travel(RAISED + timedelta(minutes=4), tick=False):
        sms(phone(people["midwife"]), f"OK {Alert.objects.get().pk}")
    assert run_due(10) == {} and run_due(30) == {}
    alert = Alert.objects.get()
    assert alert.response_time == timedelta(minutes=4)


def test_each_level_is_sent_once_however_often_it_is_run(raise_red, people):
    raise_red()
    first = run_due(10)
    assert run_due(10) == {} and run_due(11) == {}
    step = EscalationStep.objects.get(level=2)
    with time_machine.travel(RAISED + timedelta(minutes=12), tick=False):
        assert alerts.run_step(step.pk).people == []
    assert len(first) == 2


def test_a_level_with_nobody_on_duty_climbs_at_once(raise_red, people):
    Staff.objects.filter(pk=people["midwife"].pk).update(on_duty=False)
    sent = raise_red()
    assert {phone(people["in_charge"]), phone(people["on_call"])} <= set(sent)
    assert phone(people["midwife"]) not in sent


def test_an_alert_still_open_after_48_hours_reminds_the_volunteer_once(raise_red, people):
    raise_red()
    run_due(30)
    sent = run_due(48 * 60)
    assert "still open" in sent[phone(people["volunteer"])]
    assert run_due(49 * 60) == {}


def test_the_sweep_task_run_twice_runs_a_due_step_once(raise_red, people, django_capture_on_commit_callbacks):
    raise_red()
    with time_machine.travel(RAISED + timedelta(minutes=10), tick=False):
        first = tasks.sweep_escalations()
        second = tasks.sweep_escalations()
    assert first["staff_alerted"] == 2 and second["staff_alerted"] == 0


def test_a_health_post_volunteers_alert_goes_to_the_midwives_of_its_health_centre(people, sms):
    centre = people["midwife"].facility
    post = FacilityFactory(code="6201", kind="health_post", location=centre.location, parent=centre)
    volunteer = ReporterFactory(facility=post)
    pregnancy = PregnancyFactory(reporter=volunteer)
    with time_machine.travel(RAISED, tick=False):
        sent = dict(sms(str(volunteer.phone), f"RED {pregnancy.mother.identifier} he"))
    assert phone(people["midwife"]) in sent and phone(people["in_charge"]) not in sent
