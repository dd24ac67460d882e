"""Reminders and escalations run by real Celery worker and beat processes over a real Redis.

The worker processes share the test database (a SQLite file) and read fast timers from their
environment: escalation levels 3 seconds apart, sweeps every second, the sending window all day.
Waiting here is polling for what the other processes did, with a deadline.
"""

import time
from datetime import timedelta

import kombu.exceptions
import pytest
import redis
from django.db import connection
from django.utils import timezone
from rapidsms.backends.database.models import BackendMessage

from maternal import care_plan
from maternal.models import Alert, EscalationStep, Reminder, Staff
from messaging.models import OutgoingMessage
from messaging.services import queue_message
from reminders.models import CoverCheck, Digest
from reminders.tasks import send_due_reminders
from tests.factories import FacilityFactory, PregnancyFactory, ReporterFactory, StaffFactory, location_tree
from tests.services import CeleryProcess, cut_other_database_connections, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FAST_TIMERS = {
    "REMINDER_WINDOW_START": "00:00",
    "REMINDER_WINDOW_END": "23:59:59",
    "ESCALATE_AFTER_MINUTES": "0.05,0.05",
    "SWEEP_INTERVAL_SECONDS": "1",
    "REMINDER_SWEEP_SECONDS": "1",
    "FALLBACK_EMERGENCY_CONTACTS": "+250788999111;+250788999221;+250788999331",
    "COVER_CHECK_TIME": "",  # off: its notices would count among the ladder's SMS; on where tested
}
NATIONAL_LEVELS = [["+250788999111"], ["+250788999221"], ["+250788999331"]]
QUEUES = ["emergency", "default", "reminders"]


@pytest.fixture
def fast_timers(settings):
    settings.FALLBACK_EMERGENCY_CONTACTS = NATIONAL_LEVELS
    settings.REMINDER_WINDOW = ("00:00", "23:59:59")
    settings.ESCALATE_AFTER = [timedelta(seconds=3), timedelta(seconds=3)]
    settings.SWEEP_INTERVAL = timedelta(seconds=1)
    settings.REMINDER_SWEEP_INTERVAL = timedelta(seconds=1)
    settings.COVER_CHECK_TIME = ""


@pytest.fixture
def celery(redis_server, settings, fast_timers):
    """Start Celery processes: ``celery("worker", "-c", "1")``, with ``env`` over the fast timers;
    all are stopped after the test."""
    redis_server.flush()
    started: list[CeleryProcess] = []

    def start(kind: str, *args: str, env: dict[str, str] | None = None) -> CeleryProcess:
        if kind == "worker":
            args = ("-Q", ",".join(QUEUES), "--without-gossip", "--without-mingle", *args)
        process = CeleryProcess(
            kind,
            broker_url=redis_server.url,
            extra_env={**FAST_TIMERS, **(env or {})},
            args=list(args),
        )
        process.start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def queues_empty(redis_url: str) -> bool:
    client = redis.Redis.from_url(redis_url)
    return all(client.llen(queue) == 0 for queue in QUEUES)


def sent_to(phone) -> int:
    return BackendMessage.objects.filter(identity=str(phone)).count()


def volunteers_with_due_reminders(count: int) -> list:
    """``count`` volunteers, each with one antenatal reminder due today."""
    today = timezone.localdate()
    facility = FacilityFactory()
    volunteers = []
    for _ in range(count):
        pregnancy = PregnancyFactory(
            reporter=ReporterFactory(facility=facility), last_menstrual_period=today - timedelta(weeks=20)
        )
        care_plan.plan_pregnancy(pregnancy, today=today)
        volunteers.append(pregnancy.reporter)
    return volunteers


def test_a_due_reminder_is_sent_once_by_a_worker(celery, redis_server):
    [volunteer] = volunteers_with_due_reminders(1)
    celery("worker", "-c", "2")
    send_due_reminders.delay()
    send_due_reminders.delay()
    wait_until(lambda: sent_to(volunteer.phone) == 1)
    wait_until(lambda: queues_empty(redis_server.url))
    send_due_reminders.delay()
    wait_until(lambda: queues_empty(redis_server.url))
    assert sent_to(volunteer.phone) == 1
    assert Reminder.objects.get(pregnancy__reporter=volunteer, kind="anc", sequence=2).status == "sent"


def test_a_worker_killed_mid_batch_sends_each_remaining_reminder_once_after_restart(celery, redis_server):
    volunteers = volunteers_with_due_reminders(300)
    worker = celery("worker", "-c", "1")
    send_due_reminders.delay()
    wait_until(lambda: Digest.objects.count() >= 20)
    worker.kill()
    digests_at_kill = Digest.objects.count()
    celery("worker", "-c", "1")
    celery("beat", "--schedule", str(redis_server.directory / "beat-schedule"))
    wait_until(lambda: Digest.objects.count() == 300, timeout=120)
    wait_until(lambda: BackendMessage.objects.count() >= 300, timeout=120)
    wait_until(lambda: not OutgoingMessage.objects.exclude(status="sent").exists(), timeout=60)
    assert digests_at_kill < 300, "the worker finished before it was killed: nothing was tested"
    per_phone = {str(v.phone): sent_to(v.phone) for v in volunteers}
    assert set(per_phone.values()) == {1}


def test_two_beat_processes_do_not_double_anything(celery, redis_server):
    volunteers = volunteers_with_due_reminders(40)
    celery("worker", "-c", "2")
    celery("beat", "--schedule", str(redis_server.directory / "beat-one"))
    celery("beat", "--schedule", str(redis_server.directory / "beat-two"))
    wait_until(lambda: BackendMessage.objects.count() >= 40, timeout=60)
    # Let both beats tick a few more times over the already-sent reminders.
    first_digest = Digest.objects.earliest("created_at").created_at
    wait_until(lambda: timezone.now() > first_digest + timedelta(seconds=4), timeout=20)
    wait_until(lambda: queues_empty(redis_server.url))
    assert {sent_to(v.phone) for v in volunteers} == {1}
    assert Digest.objects.count() == 40


# --- the morning duty-cover check ----------------------------------------------------------------


def test_the_morning_cover_check_runs_from_beat_once_per_facility(celery, redis_server):
    """Beat sends the check every second; each uncovered facility's in-charge is told once."""
    places = location_tree("9")
    covered = FacilityFactory(code="9100", location=places["village"])
    StaffFactory(facility=covered, role=Staff.Role.NURSE)
    in_charges = [
        StaffFactory(
            facility=FacilityFactory(code=f"91{n:02d}", location=places["village"]), role="in_charge"
        )
        for n in range(1, 4)
    ]
    check_on = {"COVER_CHECK_TIME": "00:00"}
    celery("worker", "-c", "2", env=check_on)
    celery("beat", "--schedule", str(redis_server.directory / "beat-schedule"), env=check_on)
    wait_until(lambda: CoverCheck.objects.count() == 4, timeout=15)
    checked = CoverCheck.objects.latest("checked_at").checked_at
    wait_until(lambda: timezone.now() > checked + timedelta(seconds=3), timeout=10)  # more beats
    wait_until(lambda: queues_empty(redis_server.url))
    wait_until(lambda: not OutgoingMessage.objects.exclude(status="sent").exists(), timeout=10)
    assert [sent_to(person.phone) for person in in_charges] == [1, 1, 1]
    assert CoverCheck.objects.filter(covered=False).count() == 3


# --- escalation ---------------------------------------------------------------------------------


@pytest.fixture
def ladder_people(db):
    places = location_tree("7")
    hospital = FacilityFactory(code="7000", kind="hospital", location=places["village"])
    centre = FacilityFactory(code="7101", location=places["village"], parent=hospital)
    return {
        "volunteer": ReporterFactory(facility=centre),
        "midwife": StaffFactory(facility=centre, role=Staff.Role.MIDWIFE),
        "in_charge": StaffFactory(facility=centre, role=Staff.Role.IN_CHARGE),
        "official": StaffFactory(
            facility=None, district=places["district"], role=Staff.Role.DISTRICT_OFFICIAL
        ),
    }


def raise_red(people) -> Alert:
    """A RED through the router, as the gateway view does (tasks go to the real broker)."""
    from messaging.router import receive_sms

    pregnancy = PregnancyFactory(reporter=people["volunteer"])
    receive_sms(
        backend="message_tester",
        identity=str(people["volunteer"].phone),
        text=f"RED {pregnancy.mother.identifier} he",
    )
    return Alert.objects.get()


def beat(celery, redis_server) -> CeleryProcess:
    return celery("beat", "--schedule", str(redis_server.directory / "beat-schedule"))


def test_an_unacknowledged_alert_climbs_to_level_two_then_three(celery, ladder_people, redis_server):
    celery("worker", "-c", "2")
    beat(celery, redis_server)
    alert = raise_red(ladder_people)
    wait_until(lambda: sent_to(ladder_people["midwife"].phone) == 1, timeout=15)
    wait_until(lambda: sent_to(ladder_people["in_charge"].phone) == 1, timeout=15)
    wait_until(lambda: sent_to(ladder_people["official"].phone) == 1, timeout=15)
    steps = {step.level: step for step in alert.escalation_steps.all()}
    assert steps[2].due_at - alert.raised_at == timedelta(seconds=3)
    assert steps[3].due_at - steps[2].due_at == timedelta(seconds=3)
    assert all(step.ran_at >= step.due_at for step in steps.values())


def test_an_acknowledged_alert_stops_climbing(celery, ladder_people, redis_server):
    from messaging.router import receive_sms

    celery("worker", "-c", "2")
    beat(celery, redis_server)
    alert = raise_red(ladder_people)
    wait_until(lambda: sent_to(ladder_people["midwife"].phone) == 1, timeout=15)
    receive_sms(backend="message_tester", identity=str(ladder_people["midwife"].phone), text=f"OK {alert.pk}")
    wait_until(lambda: alert.escalation_steps.filter(status="pending").count() == 0)
    wait_until(
        lambda: (
            EscalationStep.objects.filter(alert=alert, level=3).first().due_at
            < timezone.now() - timedelta(seconds=2)
        ),
        timeout=20,
    )
    wait_until(lambda: queues_empty(redis_server.url))
    assert sent_to(ladder_people["in_charge"].phone) == 0 and sent_to(ladder_people["official"].phone) == 0


def test_a_worker_killed_between_levels_still_escalates_once_after_restart(
    celery, ladder_people, redis_server
):
    worker = celery("worker", "-c", "1")
    alert = raise_red(ladder_people)
    wait_until(lambda: sent_to(ladder_people["midwife"].phone) == 1, timeout=15)
    worker.kill()
    celery("worker", "-c", "1")
    beat(celery, redis_server)
    wait_until(lambda: sent_to(ladder_people["official"].phone) == 1, timeout=30)
    wait_until(lambda: queues_empty(redis_server.url))
    assert sent_to(ladder_people["midwife"].phone) == 1
    assert sent_to(ladder_people["in_charge"].phone) == 1
    assert alert.escalation_steps.filter(status="done").count() == 3


def test_a_red_raised_while_redis_is_away_reaches_the_midwife_when_it_returns(
    celery, ladder_people, redis_server
):
    celery("worker", "-c", "1")
    beat(celery, redis_server)
    redis_server.stop()
    alert = raise_red(ladder_people)  # the broker is away: level 1 is stored, not handed to a worker
    assert alert.escalation_steps.get(level=1).status == "done"
    assert OutgoingMessage.objects.get(phone=str(ladder_people["midwife"].phone)).status == "queued"
    redis_server.start()
    back = timezone.now()
    wait_until(lambda: sent_to(ladder_people["midwife"].phone) == 1, timeout=30)
    delivered = OutgoingMessage.objects.get(phone=str(ladder_people["midwife"].phone))
    # One sweep interval (1 s) plus the worker's and beat's reconnection after the outage.
    assert delivered.sent_at - back < timedelta(seconds=15)
    wait_until(lambda: sent_to(ladder_people["official"].phone) == 1, timeout=30)
    assert sent_to(ladder_people["midwife"].phone) == 1


#: Celery retries a lost broker connection after 2, 4, 6 ... up to 30 s: after a long outage a
#: worker or beat may take that long to notice Redis is back, then the next sweep runs.
RECONNECTION_BOUND = timedelta(seconds=30 + 5)


@pytest.mark.parametrize("outage_seconds", [5, pytest.param(60, marks=pytest.mark.slow)])
def test_both_workers_of_the_deployed_layout_survive_a_redis_outage_and_escalate_when_it_returns(
    celery, ladder_people, redis_server, outage_seconds
):
    """The production layout: an emergency worker, a routine worker and beat. Levels 2 and 3 fall
    due while Redis is away; both workers stay up and the ladder climbs when Redis is back."""
    emergency = celery("worker", "-c", "2", "-Q", "emergency", "-n", "emergency@%h")
    routine = celery("worker", "-c", "2", "-Q", "default,reminders", "-n", "routine@%h")
    beat(celery, redis_server)
    wait_until(lambda: workers_ready("emergency", "routine"), timeout=30)
    alert = raise_red(ladder_people)
    wait_until(lambda: sent_to(ladder_people["midwife"].phone) == 1, timeout=15)
    redis_server.stop()
    time.sleep(outage_seconds)  # levels 2 and 3 fall due (3 s apart) during the outage
    assert emergency.process.poll() is None and routine.process.poll() is None
    redis_server.start()
    back = timezone.now()
    wait_until(lambda: sent_to(ladder_people["official"].phone) == 1, timeout=60)
    steps = {step.level: step for step in alert.escalation_steps.all()}
    assert steps[2].ran_at - back < RECONNECTION_BOUND and steps[3].ran_at - back < RECONNECTION_BOUND
    assert emergency.process.poll() is None and routine.process.poll() is None
    wait_until(lambda: workers_ready("emergency", "routine"), timeout=30)
    assert [sent_to(ladder_people[person].phone) for person in ("midwife", "in_charge", "official")] == [
        1,
        1,
        1,
    ]


def test_an_unknown_phones_alert_climbs_the_national_levels_at_their_times(celery, redis_server, db):
    from messaging.router import receive_sms

    celery("worker", "-c", "2")
    beat(celery, redis_server)
    receive_sms(backend="message_tester", identity="+250788777666", text="RED 1199870099999999 he")
    alert = Alert.objects.get()
    for phone in ("+250788999111", "+250788999221", "+250788999331"):
        wait_until(lambda phone=phone: sent_to(phone) == 1, timeout=30)
    steps = {step.level: step for step in alert.escalation_steps.all()}
    assert steps[2].due_at - alert.raised_at == timedelta(seconds=3)
    assert all(step.ran_at >= step.due_at and step.recipients == 1 for step in steps.values())


def test_an_alert_whose_levels_empty_after_level_one_reaches_the_national_contacts_within_a_sweep(
    celery, ladder_people, redis_server
):
    celery("worker", "-c", "2")
    beat(celery, redis_server)
    alert = raise_red(ladder_people)
    wait_until(lambda: sent_to(ladder_people["midwife"].phone) == 1, timeout=15)
    Staff.objects.exclude(pk=ladder_people["midwife"].pk).update(on_duty=False)
    wait_until(lambda: sent_to("+250788999111") == 1, timeout=30)
    level_two = alert.escalation_steps.get(level=2)
    assert level_two.ran_at - level_two.due_at < timedelta(seconds=5)  # one sweep (1 s) and the climb


def workers_ready(*names: str) -> bool:
    from config.celery import app

    try:
        replies = app.control.ping(timeout=0.5)
    except (OSError, redis.exceptions.ConnectionError, kombu.exceptions.OperationalError):
        return False  # this process's own broker connection died with Redis: ask again
    answered = {name.split("@")[0] for reply in replies for name in reply}
    return set(names) <= answered


def test_an_emergency_is_not_delayed_by_a_backlog_of_routine_messages(celery, ladder_people, redis_server):
    celery("worker", "-c", "1", "-Q", "emergency", "-n", "emergency@%h")
    wait_until(lambda: workers_ready("emergency"))
    for _ in range(3000):
        queue_message(phone="+250788000000", text="routine")
    celery("worker", "-c", "1", "-Q", "default,reminders", "-n", "routine@%h")  # busy with the backlog
    raise_red(ladder_people)
    wait_until(lambda: sent_to(ladder_people["midwife"].phone) == 1, timeout=15)
    # The backlog is in the outbox (routine messages share one drain task): rows still unsent.
    backlog_left = OutgoingMessage.objects.filter(text="routine").exclude(status="sent").count()
    assert backlog_left > 0, "the routine backlog was gone before the alert: nothing was tested"


def test_a_worker_whose_database_connection_was_cut_delivers_the_next_emergency_at_once(
    celery, ladder_people
):
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's; SQLite has no connection to cut")
    celery("worker", "-c", "1")  # no beat: only the worker's task can deliver
    midwife, in_charge = ladder_people["midwife"].phone, ladder_people["in_charge"].phone
    queue_message(phone=str(midwife), text="first", emergency=True)
    wait_until(lambda: sent_to(midwife) == 1, timeout=15)
    assert cut_other_database_connections() >= 1, "the worker held no connection: nothing was tested"
    queue_message(phone=str(in_charge), text="second", emergency=True)
    wait_until(lambda: sent_to(in_charge) == 1, timeout=10)
    assert OutgoingMessage.objects.get(phone=str(in_charge)).attempts == 1
