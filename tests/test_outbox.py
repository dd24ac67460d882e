"""The outbox: every outgoing SMS is a row; delivery happens once, failures are retried with
backoff, and only a permanent gateway refusal ends a message as failed."""

import http.server
import io
import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from rapidsms.backends.database.models import BackendMessage
from redis import Redis

from messaging import delivery, services, tasks
from messaging.backends import installed_backend
from messaging.gsm import is_gsm, to_gsm
from messaging.models import OutgoingMessage
from tests.services import end_this_database_connection

# Runs Celery tasks, whose sweeps take a Redis lock.
pytestmark = pytest.mark.usefixtures("redis_server")

Status = OutgoingMessage.Status


@pytest.fixture
def queued(db):
    return services.queue_message(phone="+250788123456", text="Hello")


@pytest.fixture
def kannel_backend(settings):
    """Point the Kannel backend at ``url`` for this test (the backend is built again from the settings)."""

    def configure(url: str) -> None:
        settings.INSTALLED_BACKENDS = {
            **settings.INSTALLED_BACKENDS,
            "kannel-backend": {**settings.INSTALLED_BACKENDS["kannel-backend"], "sendsms_url": url},
        }
        settings.SMS_BACKEND = "kannel-backend"
        installed_backend.cache_clear()

    yield configure
    installed_backend.cache_clear()


class RefusingGateway(http.server.BaseHTTPRequestHandler):
    """Answers like an SMS gateway refusing an invalid number."""

    def do_GET(self):
        self.send_response(400)
        self.end_headers()
        self.wfile.write(b"Invalid destination number")

    def log_message(self, *args):
        pass


@pytest.fixture
def refusing_gateway():
    server = http.server.HTTPServer(("127.0.0.1", 0), RefusingGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/sendsms"
    server.shutdown()


def test_a_queued_message_is_delivered_through_its_backend_once(queued):
    assert delivery.deliver(queued.pk) is True
    assert delivery.deliver(queued.pk) is False
    queued.refresh_from_db()
    assert queued.status == Status.SENT and queued.attempts == 1
    assert BackendMessage.objects.filter(identity="+250788123456", text="Hello").count() == 1


def test_the_drain_task_run_twice_sends_once(queued):
    tasks.deliver_outbox()
    tasks.deliver_outbox()
    assert BackendMessage.objects.count() == 1


@pytest.fixture
def broker(redis_server):
    """The test Redis, emptied: the Celery queues that ``dispatch`` publishes to."""
    redis_server.flush()
    return Redis.from_url(redis_server.url)


def test_a_burst_of_routine_messages_publishes_one_drain_task(db, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(5):
            services.queue_message(phone=f"+25078812345{number}", text="Hello")
    assert broker.llen("default") == 1


def test_a_message_committed_after_a_drain_began_publishes_the_next_one(
    db, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.queue_message(phone="+250788123456", text="Hello")
    tasks.deliver_outbox()  # what the worker does with the task: the flag is down again
    with django_capture_on_commit_callbacks(execute=True):
        second = services.queue_message(phone="+250788123457", text="Hello")
    assert broker.llen("default") == 2
    tasks.deliver_outbox()
    assert {message.status for message in OutgoingMessage.objects.filter(pk__in=[first.pk, second.pk])} == {
        Status.SENT
    }


def test_each_emergency_message_gets_a_task_of_its_own_on_the_emergency_queue(
    db, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(3):
            services.send_sms(
                phone=f"+25078812345{number}", text="RED", kind=OutgoingMessage.Kind.ALERT, emergency=True
            )
    assert (broker.llen("emergency"), broker.llen("default")) == (3, 0)


def test_an_unreachable_gateway_is_retried_with_backoff(db, kannel_backend):
    kannel_backend("http://127.0.0.1:9/cgi-bin/sendsms")  # nothing listens on the discard port
    message = services.queue_message(phone="+250788123456", text="Hi")
    assert delivery.deliver(message.pk) is False
    message.refresh_from_db()
    assert message.status == Status.RETRYING and message.failure_reason
    assert message.next_attempt_at - timezone.now() >= timedelta(seconds=25)
    assert delivery.deliver(message.pk) is False  # not due yet: no second attempt
    assert message.attempts == 1


def test_a_permanent_refusal_fails_the_message_with_the_gateways_reason(db, kannel_backend, refusing_gateway):
    kannel_backend(refusing_gateway)
    message = services.queue_message(phone="+250788123456", text="Hi")
    delivery.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert "Invalid destination number" in message.failure_reason


def test_the_sweep_delivers_what_was_never_handed_to_a_worker(queued):
    assert delivery.sweep_outbox() == {"sent": 1}
    assert OutgoingMessage.objects.get().status == Status.SENT


def test_the_loop_guard_holds_the_21st_identical_message_in_five_minutes(db):
    for _ in range(20):
        services.queue_message(phone="+250788123456", text="Loop")
    held = services.queue_message(phone="+250788123456", text="Loop")
    assert held.status == Status.HELD
    assert OutgoingMessage.objects.filter(status=Status.QUEUED).count() == 20


def test_outgoing_text_is_transliterated_to_the_gsm_alphabet(db):
    message = services.queue_message(phone="+250788123456", text="Fête “ça” – à bientôt")
    assert message.text == 'Fete "ca" - à bientot'
    assert is_gsm(message.text)


@pytest.mark.parametrize("text", ["ê", "ô", "ç", "\u00a0", "’", "œ", "😀"])
def test_characters_outside_gsm_never_reach_the_gateway(text):
    assert is_gsm(to_gsm(text))


class HangingGateway(http.server.BaseHTTPRequestHandler):
    """Accepts the connection and never answers."""

    def do_GET(self):
        threading.Event().wait(30)

    def log_message(self, *args):
        pass


def test_a_hanging_gateway_is_given_up_on_and_retried_later(db, kannel_backend, monkeypatch):
    from messaging import backends

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HangingGateway)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(backends, "SENDSMS_TIMEOUT_SECONDS", 0.5)
    kannel_backend(f"http://127.0.0.1:{server.server_port}/cgi-bin/sendsms")
    message = services.queue_message(phone="+250788123456", text="Hi")
    delivery.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == Status.RETRYING and "timed out" in message.failure_reason.lower()
    server.shutdown()


def test_the_emergency_sweep_sends_emergencies_only(db):
    routine = services.queue_message(phone="+250788123456", text="Hi")
    alert = services.queue_message(phone="+250788123457", text="RED ALERT", emergency=True)
    assert tasks.sweep_emergency_outbox() == {"sent": 1}
    routine.refresh_from_db()
    alert.refresh_from_db()
    assert (alert.status, routine.status) == (Status.SENT, Status.QUEUED)
    assert tasks.sweep_outbox() == {"sent": 1}


@pytest.mark.django_db
def test_run_due_after_a_long_outage_sends_what_is_due_beside_a_huge_backlog_waiting_to_retry():
    """70,000 messages waiting for a later retry, more than the 65,535 parameters of one
    PostgreSQL statement with prepared statements: run_due still prints what it sent, and only
    that."""
    from django.core.management import call_command

    later = timezone.now() + timedelta(hours=1)
    OutgoingMessage.objects.bulk_create(
        OutgoingMessage(
            phone="+250788000001",
            backend="message_tester",
            identity="+250788000001",
            text=f"backlog {n}",
            status=OutgoingMessage.Status.RETRYING,
            next_attempt_at=later,
        )
        for n in range(70_000)
    )
    services.queue_message(phone="+250788000002", text="due now")
    output = io.StringIO()
    call_command("run_due", stdout=output, stderr=io.StringIO())
    assert output.getvalue() == "-> +250788000002: due now\n"


def test_a_message_being_sent_by_another_worker_is_not_taken_by_the_sweep(queued):
    OutgoingMessage.objects.filter(pk=queued.pk).update(
        status=Status.SENDING, next_attempt_at=timezone.now() + delivery.SENDING_LEASE
    )
    assert delivery.sweep_outbox() == {"sent": 0}


def test_a_message_left_sending_by_a_dead_worker_is_sent_when_its_lease_ends(queued):
    OutgoingMessage.objects.filter(pk=queued.pk).update(status=Status.SENDING, next_attempt_at=timezone.now())
    assert delivery.sweep_outbox() == {"sent": 1}
    assert BackendMessage.objects.filter(text="Hello").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_restart_after_the_hand_over_neither_loses_nor_resends_the_message(monkeypatch):
    """PostgreSQL ends the worker's connection just after the gateway took the SMS (a restart or
    a failover): the result is written once the database answers again, and no sweep resends it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's; SQLite has no connection to cut")
    message = services.queue_message(phone="+250788123456", text="Hello")
    send = delivery._send_through_backend

    def send_then_lose_the_connection(outgoing: OutgoingMessage) -> None:
        send(outgoing)
        end_this_database_connection()

    monkeypatch.setattr(delivery, "_send_through_backend", send_then_lose_the_connection)
    assert delivery.deliver(message.pk) is True
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert delivery.sweep_outbox(now=timezone.now() + delivery.SENDING_LEASE * 2) == {"sent": 0}
    assert BackendMessage.objects.filter(text="Hello").count() == 1
