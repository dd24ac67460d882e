from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from messaging.models import OutgoingMessage
from messaging.router import simulate

KIGALI = ZoneInfo("Africa/Kigali")


@pytest.fixture
def sms(db, django_capture_on_commit_callbacks):
    """Send one SMS through the real router (the simulator's code path); returns the texts sent
    as a result, as ``(phone, text)`` pairs."""

    def send(phone: str, text: str) -> list[tuple[str, str]]:
        last_id = OutgoingMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with django_capture_on_commit_callbacks(execute=True):
            simulate(phone=phone, text=text)
        messages = OutgoingMessage.objects.filter(pk__gt=last_id).order_by("pk")
        return [(message.phone, message.text) for message in messages]

    return send


@pytest.fixture
def reply(sms):
    """Send one SMS and return the single reply to the sender (asserting there is exactly one)."""

    def send(phone: str, text: str) -> str:
        replies = [text for to, text in sms(phone, text) if to == phone]
        assert len(replies) == 1, replies
        return replies[0]

    return send


@pytest.fixture
def today():
    """Pin the clock to 26 November 2026, 10:00 in Kigali."""
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=KIGALI), tick=False):
        yield datetime(2026, 11, 26, tzinfo=KIGALI).date()


#: Where Celery and the sweeps' locks look for Redis in a test that did not ask for one: nothing
#: listens there, so an accidental publish fails at once instead of reaching another Redis.
NO_BROKER = "redis://127.0.0.1:9/0"


def _point_celery_at(url: str) -> None:
    from django.conf import settings

    from config.celery import app as celery_app
    from messaging import locks

    settings.CELERY_BROKER_URL = url
    celery_app.conf.broker_url = url
    # Celery keeps its broker connection and producers per process, bound to the URL of the first
    # publish: forget them, as after a fork, so that the next publish connects to ``url``.
    celery_app._after_fork()
    locks._client.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def no_broker() -> None:
    """Most tests need no Redis: messages are delivered in the process (the simulator's path) or
    left queued. Those that run Celery tasks, workers or locks ask for ``redis_server``."""
    _point_celery_at(NO_BROKER)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory, no_broker):
    """A real Redis for the rest of the run: Celery's broker and the sweeps' locks. Integration
    tests may stop and start it."""
    from tests.services import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    _point_celery_at(server.url)
    yield server
    server.stop()
