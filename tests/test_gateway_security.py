"""The SMS edge under attack and under faults (docs/security.md): the gateway endpoint processes
only requests with the secret from allowed addresses; a flooding phone is held back by the
per-phone rate limit and told once; an auto-reply loop stops; a gateway retrying one message
gets the same reply each time; a database connection lost in the middle of a message leaves no
half-written record.

Messages go through the real gateway view or the real RapidSMS router (``simulate``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
import requests
import time_machine
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse
from django.utils import translation

from maternal.models import Alert, AuditEntry, Mother, Pregnancy, Reminder
from messaging import ratelimit
from messaging.gsm import is_gsm
from messaging.models import InboundMessage, OutgoingMessage
from messaging.router import simulate
from tests.conftest import KIGALI
from tests.factories import ReporterFactory, StaffFactory
from tests.kannel import WebApp, deployed_environment, running
from tests.services import cut_other_database_connections, end_this_database_connection, free_port

SECRET = "gateway-test-secret"
PHONE = "+250788123456"
PRE = "PRE 1199870012345678 01.08.2026 2 1 nr np"
GATEWAY_ADDRESS = "10.0.0.5"


@pytest.fixture
def gateway(settings, db) -> Callable[..., object]:
    """Call the Kannel endpoint as Kannel does (GET with the secret in the query string)."""
    settings.SMS_GATEWAY_SECRET = SECRET
    settings.SMS_GATEWAY_ALLOWED_ADDRESSES = []
    client = Client(enforce_csrf_checks=True)

    def call(text: str = "WHO", *, phone: str = PHONE, address: str = GATEWAY_ADDRESS, **params: str):
        query = {"secret": SECRET, "id": phone, "text": text, **params}
        return client.get(
            reverse("kannel-inbound"), {k: v for k, v in query.items() if v is not None}, REMOTE_ADDR=address
        )

    return call


@pytest.fixture
def volunteer(db, today):
    return ReporterFactory(phone=PHONE, language="en")


def nothing_processed() -> bool:
    return not InboundMessage.objects.exists() and not OutgoingMessage.objects.exists()


# --- the secret --------------------------------------------------------------------------------


def test_a_message_with_the_secret_is_processed_and_answered(gateway, volunteer):
    response = gateway("WHO")
    assert response.status_code == 200
    assert InboundMessage.objects.get().reply
    assert OutgoingMessage.objects.filter(phone=PHONE).count() == 1


def test_the_secret_may_come_in_a_header_instead_of_the_query(gateway, volunteer, client):
    url = reverse("kannel-inbound")
    response = client.get(url, {"id": PHONE, "text": "WHO"}, headers={"X-Gateway-Secret": SECRET})
    assert response.status_code == 200
    assert InboundMessage.objects.count() == 1


def test_a_wrong_secret_is_refused_and_nothing_is_processed(gateway, volunteer):
    assert gateway(PRE, secret="not-the-secret").status_code == 403
    assert nothing_processed()
    assert not Pregnancy.objects.exists()


def test_a_request_without_a_secret_is_refused_and_nothing_is_processed(gateway, volunteer):
    assert gateway(PRE, secret=None).status_code == 403
    assert nothing_processed()


def test_a_secret_with_letters_outside_ascii_is_refused_not_an_error(gateway, volunteer):
    assert gateway("WHO", secret="sécret-😀").status_code == 403
    assert nothing_processed()


@pytest.mark.parametrize("offered", ["", "anything", SECRET])
def test_an_empty_configured_secret_refuses_every_request(gateway, volunteer, settings, offered):
    settings.SMS_GATEWAY_SECRET = ""
    assert gateway("WHO", secret=offered).status_code == 403
    assert nothing_processed()


def test_a_refusal_is_logged_with_address_and_reason_but_not_the_text_or_secret(gateway, volunteer, caplog):
    with caplog.at_level(logging.WARNING, logger="messaging.views"):
        gateway(PRE, secret="guessed-secret", address="192.0.2.7")
    (record,) = [r for r in caplog.records if r.name == "messaging.views"]
    logged = record.getMessage()
    assert "192.0.2.7" in logged and "wrong secret" in logged
    assert "1199870012345678" not in logged and "guessed-secret" not in logged and SECRET not in logged


def test_a_sender_too_long_for_a_phone_number_is_refused_as_malformed(gateway, volunteer):
    assert gateway("WHO", phone="+2507881234567890123456789012345678").status_code == 400
    assert nothing_processed()


@pytest.mark.parametrize("sender", ["UMUBYEYI-DEMO-SENDER-ID-32-CHARS", "+" + "2" * 31])
def test_a_sender_of_32_characters_is_processed(gateway, db, sender):
    assert len(sender) == 32
    assert gateway("WHO", phone=sender).status_code == 200
    assert InboundMessage.objects.get().phone == sender


@pytest.mark.parametrize("sender", ["UMUBYEYI-DEMO-SENDER-ID-33-CHARSX", "+" + "2" * 32])
def test_a_sender_of_33_characters_is_refused_as_malformed(gateway, db, sender):
    assert len(sender) == 33
    assert gateway("WHO", phone=sender).status_code == 400
    assert nothing_processed()


def test_a_gateway_message_id_longer_than_its_column_is_refused_as_malformed(gateway, volunteer):
    assert gateway("WHO", msgid="x" * 65).status_code == 400
    assert nothing_processed()


# --- the address allow-list --------------------------------------------------------------------


def test_an_address_outside_the_allow_list_is_refused(gateway, volunteer, settings):
    settings.SMS_GATEWAY_ALLOWED_ADDRESSES = ["10.0.0.5"]
    assert gateway("WHO", address="10.0.0.6").status_code == 403
    assert nothing_processed()


def test_an_allowed_address_with_the_secret_is_accepted(gateway, volunteer, settings):
    settings.SMS_GATEWAY_ALLOWED_ADDRESSES = ["127.0.0.1", "10.0.0.5"]
    assert gateway("WHO", address="10.0.0.5").status_code == 200
    assert InboundMessage.objects.count() == 1


def test_an_allowed_address_still_needs_the_secret(gateway, volunteer, settings):
    settings.SMS_GATEWAY_ALLOWED_ADDRESSES = ["10.0.0.5"]
    assert gateway("WHO", address="10.0.0.5", secret="wrong").status_code == 403
    assert nothing_processed()


def test_the_allow_list_may_name_a_network(gateway, volunteer, settings):
    settings.SMS_GATEWAY_ALLOWED_ADDRESSES = ["10.0.0.0/29"]
    assert gateway("WHO", address="10.0.0.5").status_code == 200
    assert gateway("WHO", address="10.0.0.9").status_code == 403


def test_a_malformed_allow_list_entry_allows_nothing(gateway, volunteer, settings):
    settings.SMS_GATEWAY_ALLOWED_ADDRESSES = ["10.0.0.5.7"]
    assert gateway("WHO", address="10.0.0.5").status_code == 403
    assert nothing_processed()


# --- the per-phone rate limit ------------------------------------------------------------------


@pytest.fixture
def limit_of_three(settings):
    settings.INBOUND_RATE_LIMIT = (3, timedelta(minutes=5))


@pytest.fixture
def send(db, django_capture_on_commit_callbacks) -> Callable[[str, str], list[OutgoingMessage]]:
    """One SMS through the real router; returns the messages the system sent as a result."""

    def send(phone: str, text: str) -> list[OutgoingMessage]:
        last_id = OutgoingMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with django_capture_on_commit_callbacks(execute=True):
            simulate(phone=phone, text=text)
        return list(OutgoingMessage.objects.filter(pk__gt=last_id).order_by("pk"))

    return send


def replies_to(phone: str, sent: list[OutgoingMessage]) -> list[str]:
    return [message.text for message in sent if message.phone == phone]


def test_messages_within_the_limit_are_all_answered(send, volunteer, limit_of_three):
    answered = [replies_to(PHONE, send(PHONE, f"HELP {word}")) for word in ("PRE", "ANC", "RED")]
    assert all(len(replies) == 1 for replies in answered)
    assert not InboundMessage.objects.filter(keyword=ratelimit.RATE_LIMITED).exists()


def test_a_message_over_the_limit_is_stored_but_not_processed(send, volunteer, limit_of_three):
    for _ in range(3):
        send(PHONE, "WHO")
    send(PHONE, PRE)
    assert not Pregnancy.objects.exists() and not Mother.objects.exists()
    held = InboundMessage.objects.get(text=PRE)
    assert held.keyword == ratelimit.RATE_LIMITED and not held.accepted


def test_the_first_message_over_the_limit_gets_one_warning(send, volunteer, limit_of_three):
    for _ in range(3):
        send(PHONE, "WHO")
    with translation.override("en"):  # the volunteer's language
        assert replies_to(PHONE, send(PHONE, PRE)) == [ratelimit.warning_text()]


def test_later_messages_over_the_limit_get_no_reply_at_all(send, volunteer, limit_of_three):
    for _ in range(4):
        send(PHONE, "WHO")
    later = [send(PHONE, f"HELP {word}") for word in ("PRE", "ANC", "BIR", "PNC", "DTH")]
    assert later == [[]] * 5
    assert InboundMessage.objects.filter(keyword=ratelimit.RATE_LIMITED).count() == 6


def test_a_phone_that_calms_down_is_answered_again_after_the_period(send, volunteer, limit_of_three):
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=KIGALI), tick=False) as clock:
        for _ in range(5):
            send(PHONE, "WHO")
        clock.shift(timedelta(minutes=5, seconds=1))
        assert len(replies_to(PHONE, send(PHONE, PRE))) == 1
    assert Pregnancy.objects.count() == 1


def test_a_phone_flooding_again_after_a_quiet_period_is_warned_again(send, volunteer, limit_of_three):
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=KIGALI), tick=False) as clock:
        for _ in range(4):
            send(PHONE, "WHO")
        clock.shift(timedelta(minutes=6))
        for _ in range(3):
            send(PHONE, "WHO")
        with translation.override("en"):  # the volunteer's language
            assert replies_to(PHONE, send(PHONE, "WHO")) == [ratelimit.warning_text()]


def test_the_limit_counts_each_phone_on_its_own(send, volunteer, limit_of_three):
    other = ReporterFactory(language="en")
    for _ in range(5):
        send(PHONE, "WHO")
    assert len(replies_to(str(other.phone), send(str(other.phone), "WHO"))) == 1


def test_a_red_alert_over_the_rate_limit_is_still_raised_and_escalated(send, volunteer, limit_of_three):
    midwife = StaffFactory(facility=volunteer.facility)
    for _ in range(5):
        send(PHONE, "WHO")
    sent = send(PHONE, "RED 1199870012345678 he")
    assert Alert.objects.count() == 1
    assert [message.status for message in sent if message.phone == str(midwife.phone)] == ["sent"]


def test_the_reply_to_a_red_over_the_rate_limit_is_stored_but_not_sent(send, volunteer, limit_of_three):
    for _ in range(5):
        send(PHONE, "WHO")
    sent = send(PHONE, "RED 1199870012345678 he")
    [reply] = [message for message in sent if message.phone == PHONE]
    assert reply.text.startswith("Alert") and reply.status == OutgoingMessage.Status.HELD


@pytest.mark.parametrize("keyword", ["RED.", "Red:", "red,"])
def test_a_red_whose_keyword_carries_punctuation_is_never_held_back(send, volunteer, limit_of_three, keyword):
    for _ in range(5):
        send(PHONE, "WHO")
    send(PHONE, f"{keyword} 1199870012345678 he")
    assert Alert.objects.count() == 1


def test_the_warning_is_written_in_the_senders_language(send, db, today, limit_of_three):
    french = ReporterFactory(language="fr")
    for _ in range(3):
        send(str(french.phone), "WHO")
    with translation.override("fr"):
        expected = ratelimit.warning_text()
    assert replies_to(str(french.phone), send(str(french.phone), "WHO")) == [expected]


@pytest.mark.parametrize("language", ["rw", "en", "fr"])
def test_the_warning_fits_one_sms_in_the_gsm_alphabet(language):
    with translation.override(language):
        text = ratelimit.warning_text()
    assert is_gsm(text) and 0 < len(text) <= 160


# --- auto-reply loops ----------------------------------------------------------------------------


def echo_loop(send: Callable[[str, str], list[OutgoingMessage]], phone: str, rounds: int) -> int:
    """A phone that answers every SMS it receives with that SMS's text, 5 seconds later (an
    auto-responder, or a gateway looping back). Returns how many messages reached the phone."""
    received = 0
    text = "Hello"
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=KIGALI), tick=False) as clock:
        for _ in range(rounds):
            delivered = [
                message
                for message in send(phone, text)
                if message.phone == phone and message.status == OutgoingMessage.Status.SENT
            ]
            if not delivered:
                break
            received += len(delivered)
            text = delivered[-1].text
            clock.shift(timedelta(seconds=5))
    return received


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


def test_an_echo_loop_is_stopped_by_the_loop_guard_after_20_identical_replies(send, volunteer, caplog):
    """The system's answer to its own echoed reply is the same "unknown keyword" text each time;
    the outbox holds the 21st identical text to one phone within 5 minutes, and the loop dies."""
    assert echo_loop(send, PHONE, rounds=100) == 20
    assert not errors_logged(caplog)
    assert OutgoingMessage.objects.filter(phone=PHONE, status=OutgoingMessage.Status.HELD).count() == 1


def test_an_echo_loop_the_loop_guard_misses_stops_at_the_rate_limit(send, volunteer, settings, caplog):
    """With the loop guard out of the way, the rate limit bounds the loop: 30 answers and one
    warning, and nothing more, because a phone echoing the warning is not answered."""
    settings.LOOP_GUARD = (1000, timedelta(minutes=5))
    limit, _period = settings.INBOUND_RATE_LIMIT
    assert echo_loop(send, PHONE, rounds=100) == limit + 1 == 31
    assert not errors_logged(caplog)


def test_a_phone_repeating_red_without_end_gets_no_more_replies_than_the_rate_limit(
    send, volunteer, settings, caplog
):
    """A stuck phone or an auto-responder sending RED again and again, each answered differently
    (a new alert number): the loop guard cannot see it, the rate limit bounds the replies."""
    settings.LOOP_GUARD = (1000, timedelta(minutes=5))
    settings.DUPLICATE_WINDOW = timedelta(0)
    limit, _period = settings.INBOUND_RATE_LIMIT
    delivered = 0
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=KIGALI), tick=False) as clock:
        for _ in range(60):
            sent = send(PHONE, "RED 1199870012345678 he")
            delivered += sum(m.phone == PHONE and m.status == OutgoingMessage.Status.SENT for m in sent)
            clock.shift(timedelta(seconds=5))
    assert delivered == limit
    assert not errors_logged(caplog)


def test_an_echo_loop_with_an_unknown_phone_is_bounded_too(send, db, today, caplog):
    assert 0 < echo_loop(send, "+250788000999", rounds=100) <= 20
    assert not errors_logged(caplog)


# --- faults: gateway retries -----------------------------------------------------------------


def test_a_message_retried_five_times_by_the_gateway_is_recorded_once_and_answered_alike(gateway, volunteer):
    responses = [gateway(PRE, msgid="9f1c7a52-kannel-0001") for _ in range(5)]
    assert [response.status_code for response in responses] == [200] * 5
    assert Pregnancy.objects.count() == 1 and Mother.objects.count() == 1
    assert AuditEntry.objects.count() == 1
    original = InboundMessage.objects.get(duplicate_of=None)
    assert InboundMessage.objects.filter(duplicate_of=original).count() == 4
    replies = list(OutgoingMessage.objects.filter(phone=PHONE).values_list("text", flat=True))
    assert len(replies) == 5 and len(set(replies)) == 1
    assert set(InboundMessage.objects.values_list("reply", flat=True)) == {original.reply}


def test_a_retry_with_the_same_gateway_id_is_a_duplicate_even_when_the_text_was_recoded(gateway, volunteer):
    gateway(PRE, msgid="9f1c7a52-kannel-0002")
    gateway(PRE.lower(), msgid="9f1c7a52-kannel-0002")
    assert Pregnancy.objects.count() == 1
    assert InboundMessage.objects.filter(duplicate_of__isnull=False).count() == 1


# --- faults: the database connection lost in the middle of a message -----------------------------


@pytest.fixture
def database_lost_once() -> Iterator[Callable[[str], None]]:
    """Arm a one-shot fault: the database connection is lost right after the pregnancy row is
    written, inside the registration's transaction (before its reminders and audit entry).
    ``close`` closes Django's connection (any database); ``terminate`` has PostgreSQL kill the
    backend from a second connection, as a database restart or failover would."""
    armed: dict[str, str] = {}

    def lose_connection(sender, instance, created, **kwargs) -> None:
        how = armed.pop("how", None)
        if how == "close":
            connection.close()
        elif how == "terminate":
            end_this_database_connection()

    post_save.connect(lose_connection, sender=Pregnancy, weak=False)
    yield lambda how: armed.__setitem__("how", how)
    post_save.disconnect(lose_connection, sender=Pregnancy)


def lose_the_connection(how: str) -> None:
    if how == "terminate" and connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's; the 'close' case covers SQLite")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["close", "terminate"])
def test_a_connection_lost_mid_message_leaves_no_half_written_record(how, database_lost_once, today):
    lose_the_connection(how)
    volunteer = ReporterFactory(phone=PHONE, language="en")
    database_lost_once(how)
    sent = simulate(phone=str(volunteer.phone), text=PRE)
    assert len(replies_to(PHONE, sent)) == 1  # the volunteer is told to send it again
    assert not Pregnancy.objects.exists() and not Mother.objects.exists()
    assert not Reminder.objects.exists() and not AuditEntry.objects.exists()
    inbound = InboundMessage.objects.get()
    assert inbound.reply and not inbound.accepted


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["close", "terminate"])
def test_a_message_resent_after_a_lost_connection_is_processed_normally(how, database_lost_once, today):
    lose_the_connection(how)
    volunteer = ReporterFactory(phone=PHONE, language="en")
    database_lost_once(how)
    simulate(phone=str(volunteer.phone), text=PRE)
    resent = simulate(phone=str(volunteer.phone), text=PRE)
    assert replies_to(PHONE, resent)[0].startswith("Pregnancy of 1199870012345678 registered")
    pregnancy = Pregnancy.objects.get()
    assert pregnancy.reminders.exists()
    assert AuditEntry.objects.filter(action="pregnancy_registered").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_message_resent_after_the_duplicate_window_following_a_lost_connection_is_processed(
    database_lost_once, settings
):
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=KIGALI), tick=False) as clock:
        volunteer = ReporterFactory(phone=PHONE, language="en")
        database_lost_once("close")
        simulate(phone=str(volunteer.phone), text=PRE)
        clock.shift(settings.DUPLICATE_WINDOW + timedelta(seconds=1))
        resent = simulate(phone=str(volunteer.phone), text=PRE)
    assert replies_to(PHONE, resent)[0].startswith("Pregnancy of 1199870012345678 registered")
    assert Pregnancy.objects.get().reminders.exists()
    assert AuditEntry.objects.filter(action="pregnancy_registered").count() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_report_arriving_right_after_a_database_restart_is_processed(tmp_path, redis_server):
    """The web process checks a kept connection before reusing it: the first request after the
    database dropped it is answered, not lost to a server error."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's; SQLite has no connection to cut")
    ReporterFactory(phone=PHONE, language="en")
    environment = deployed_environment(broker_url=redis_server.url, gateway_secret=SECRET)
    # One process, one thread: the second request uses the connection that was cut.
    web = WebApp(tmp_path, port=free_port(), env=environment, workers=1, threads=1)

    def send(text: str) -> int:
        query = {"secret": SECRET, "id": PHONE, "text": text}
        return requests.get(f"{web.url}/gateway/kannel/", params=query, timeout=10).status_code

    with running(web):
        assert send("WHO") == 200
        assert cut_other_database_connections() >= 1, "the web process held no connection: nothing was tested"
        assert send(PRE) == 200
    report = InboundMessage.objects.get(text=PRE)
    assert report.accepted and report.reply.startswith("Pregnancy of 1199870012345678 registered")
