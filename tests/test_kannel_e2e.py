"""Through Kannel, end to end: phones (Kannel's fakesmsc) -> bearerbox -> smsbox -> the web app
under gunicorn -> the outbox -> a Celery worker -> the Kannel backend -> sendsms -> bearerbox ->
the phones. The processes share the test database and the session's private Redis; every one of
them is stopped after the test, and waiting is polling with a deadline.

Needs Debian's ``kannel`` and ``kannel-extras`` (``WITH_KANNEL=1 scripts/setup``); without them
the end-to-end tests are skipped, unless ``WITH_KANNEL=1`` says they must be there.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from maternal.models import Alert, Pregnancy, Reporter, Staff
from messaging.models import InboundMessage, OutgoingMessage
from messaging.router import receive_sms
from tests.factories import FacilityFactory, ReporterFactory, StaffFactory
from tests.kannel import FakeSmsc, Kannel, WebApp, deployed_environment, missing_kannel_programs, running
from tests.services import CeleryProcess, RedisServer, free_port, wait_until

VOLUNTEER_PHONE = "+250788100001"
# Long enough that the alert to the midwife, which names her, takes two concatenated SMS.
VOLUNTEER_NAME = "Mukamana Uwase Marie-Claire Ingabire"
MIDWIFE_PHONE = "+250722100002"
# An SMPP link delivers international numbers without the '+'.
MIDWIFE_AS_THE_NETWORK_WRITES_IT = MIDWIFE_PHONE.removeprefix("+")
MOTHER_ID = "1199870012345678"
DELIVERY_TIMEOUT = 20.0


@pytest.fixture
def kannel_installed() -> None:
    missing = missing_kannel_programs()
    if missing and os.environ.get("WITH_KANNEL") != "1":
        pytest.skip(f"Kannel is not installed ({', '.join(missing)}); run WITH_KANNEL=1 scripts/setup")
    assert not missing, f"WITH_KANNEL=1 but {', '.join(missing)} not found: run WITH_KANNEL=1 scripts/setup"


@pytest.fixture
def sms_network(
    kannel_installed, transactional_db, redis_server: RedisServer, tmp_path: Path
) -> Iterator[FakeSmsc]:
    """The system as deployed, on loopback ports: Kannel, the web app, a Celery worker for every
    queue; returns the phones."""
    redis_server.flush()
    secret = secrets.token_urlsafe(16)
    web_port = free_port()
    kannel = Kannel(tmp_path / "kannel", web_url=f"http://127.0.0.1:{web_port}", secret=secret)
    environment = deployed_environment(
        broker_url=redis_server.url,
        gateway_secret=secret,
        SMS_BACKEND="kannel-backend",
        **kannel.backend_environment(),
    )
    web = WebApp(tmp_path, port=web_port, env=environment)
    worker = CeleryProcess(
        "worker",
        broker_url=redis_server.url,
        extra_env=environment,
        args=["-Q", "emergency,default,reminders", "-c", "2", "--without-gossip", "--without-mingle"],
    )
    phones = FakeSmsc(tmp_path, kannel=kannel)
    try:
        with running(kannel, web, worker, phones):
            yield phones
    finally:
        redis_server.flush()  # the worker's reserved escalation steps for later levels


@pytest.fixture
def people(transactional_db) -> dict[str, Reporter | Staff]:
    centre = FacilityFactory(name="Muhoza HC")
    return {
        "volunteer": ReporterFactory(
            phone=VOLUNTEER_PHONE, name=VOLUNTEER_NAME, facility=centre, language="en"
        ),
        "midwife": StaffFactory(phone=MIDWIFE_PHONE, facility=centre, role=Staff.Role.MIDWIFE, language="en"),
    }


def delivered(phones: FakeSmsc, phone: str, fragment: str) -> str:
    """Wait until an SMS containing ``fragment`` reached ``phone``; return its whole text."""

    def find() -> str | None:
        return next((text for text in phones.received_by(phone) if fragment in text), None)

    return phones.wait_until(find, timeout=DELIVERY_TIMEOUT)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_pregnancy_and_an_acknowledged_red_alert_travel_through_kannel_and_back(sms_network, people):
    phones = sms_network
    last_period = (timezone.localdate() - timedelta(weeks=16)).strftime("%d.%m.%Y")

    phones.send(VOLUNTEER_PHONE, f"PRE {MOTHER_ID} {last_period} 2 1 nr np")
    assert "registered" in delivered(phones, VOLUNTEER_PHONE, "EDD")

    phones.send(VOLUNTEER_PHONE, f"RED {MOTHER_ID} he co ap un")
    alert = wait_until(Alert.objects.first)
    confirmation = delivered(phones, VOLUNTEER_PHONE, f"Alert {alert.pk} raised")
    assert people["midwife"].name in confirmation
    alert_sms = delivered(phones, MIDWIFE_PHONE, "RED ALERT")
    assert len(alert_sms) > 160, "the alert should have come in two parts"
    assert (
        MOTHER_ID in alert_sms and VOLUNTEER_NAME in alert_sms and alert_sms.endswith(f"Reply OK {alert.pk}")
    )

    phones.send(MIDWIFE_AS_THE_NETWORK_WRITES_IT, f"OK {alert.pk}")
    assert MOTHER_ID in delivered(phones, MIDWIFE_PHONE, f"Alert {alert.pk} is yours")
    assert people["midwife"].name in delivered(phones, VOLUNTEER_PHONE, "is responding")

    pregnancy = Pregnancy.objects.get()
    assert pregnancy.mother.identifier == MOTHER_ID and pregnancy.reporter == people["volunteer"]
    alert.refresh_from_db()
    assert alert.acknowledged_by == people["midwife"]
    assert set(InboundMessage.objects.values_list("phone", flat=True)) == {VOLUNTEER_PHONE, MIDWIFE_PHONE}
    assert "" not in set(InboundMessage.objects.values_list("gateway_id", flat=True))
    wait_until(lambda: not OutgoingMessage.objects.exclude(status=OutgoingMessage.Status.SENT).exists())
    assert len(phones.received()) == OutgoingMessage.objects.count() == 5
    assert {sms.sender for sms in phones.received()} == {Kannel.short_code}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_french_alert_keeps_its_accents_through_kannel(sms_network):
    centre = FacilityFactory(name="Muhoza HC")
    ReporterFactory(phone=VOLUNTEER_PHONE, facility=centre, language="en")
    StaffFactory(phone=MIDWIFE_PHONE, facility=centre, role=Staff.Role.MIDWIFE, language="fr")

    sms_network.send(VOLUNTEER_PHONE, f"RED {MOTHER_ID} he")

    alert_sms = delivered(sms_network, MIDWIFE_PHONE, MOTHER_ID)
    assert "mère" in alert_sms and "hémorragie" in alert_sms


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_midwife_who_once_used_the_web_tester_still_gets_her_alerts_on_her_phone(sms_network, people):
    """The tester's backend becomes her phone's latest connection; her alerts must still go out
    through Kannel (the tester view hands its message to ``receive_sms`` as below)."""
    receive_sms(backend="message_tester", identity=MIDWIFE_PHONE, text="WHO")
    wait_until(lambda: OutgoingMessage.objects.filter(phone=MIDWIFE_PHONE, status="sent").exists())

    sms_network.send(VOLUNTEER_PHONE, f"RED {MOTHER_ID} he")

    assert MOTHER_ID in delivered(sms_network, MIDWIFE_PHONE, "RED ALERT")
    alert_sms = OutgoingMessage.objects.get(phone=MIDWIFE_PHONE, kind=OutgoingMessage.Kind.ALERT)
    assert alert_sms.backend == "kannel-backend"


@pytest.mark.slow
def test_a_phone_is_told_when_the_web_app_does_not_take_its_sms(kannel_installed, tmp_path):
    nothing_listens = f"http://127.0.0.1:{free_port()}"
    kannel = Kannel(tmp_path / "kannel", web_url=nothing_listens, secret=secrets.token_urlsafe(16))
    phones = FakeSmsc(tmp_path, kannel=kannel)
    with running(kannel, phones):
        phones.send(VOLUNTEER_PHONE, f"RED {MOTHER_ID} he")
        assert delivered(phones, VOLUNTEER_PHONE, "") == Kannel.unavailable_reply


@pytest.mark.django_db
def test_a_gateway_request_without_the_secret_is_refused_and_not_processed(settings):
    settings.SMS_GATEWAY_SECRET = "the-real-secret"
    client = Client()
    query = {"id": VOLUNTEER_PHONE, "text": f"RED {MOTHER_ID} he", "msgid": "4bd80a94-5997-424f"}

    without_secret = client.get(reverse("kannel-inbound"), query)
    with_a_guess = client.get(reverse("kannel-inbound"), {**query, "secret": "a-guess"})

    assert without_secret.status_code == 403 and with_a_guess.status_code == 403
    assert not InboundMessage.objects.exists() and not OutgoingMessage.objects.exists()
