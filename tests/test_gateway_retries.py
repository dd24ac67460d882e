"""Copies of one gateway message arriving at the same time (Kannel re-sends a request when the app
answers slower than its ``http-timeout``): stored once as the original, processed once, every copy
answered with the same reply. Real threads, each with its own database connection, through the
gateway view; the original is slowed down so that the copies arrive while it is processed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse

from maternal.models import Alert, Pregnancy, Staff
from messaging.models import InboundMessage, OutgoingMessage
from tests.factories import FacilityFactory, PregnancyFactory, ReporterFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "gateway-test-secret"
VOLUNTEER = "+250788123456"
MOTHER = "1199870012345678"
PROCESSING_TIME = 0.5  # seconds the original takes: long enough for every copy to arrive meanwhile


@pytest.fixture
def people(settings, today) -> dict[str, object]:
    settings.SMS_GATEWAY_SECRET = SECRET
    settings.SMS_GATEWAY_ALLOWED_ADDRESSES = []
    centre = FacilityFactory()
    return {
        "volunteer": ReporterFactory(phone=VOLUNTEER, facility=centre, language="en"),
        "midwife": StaffFactory(facility=centre, role=Staff.Role.MIDWIFE),
    }


@pytest.fixture
def slow(request) -> Iterator[None]:
    """Make saving ``model`` (Alert, Pregnancy) take a while, as a loaded server would."""

    def linger(**kwargs) -> None:
        time.sleep(PROCESSING_TIME)

    model = request.param
    post_save.connect(linger, sender=model, weak=False)
    yield
    post_save.disconnect(linger, sender=model)


def send_copies(text: str, *, copies: int, msgid: str) -> list[int]:
    """``copies`` gateway requests for one message, sent at the same instant from threads."""
    barrier = threading.Barrier(copies)
    statuses: list[int] = []

    def send() -> None:
        try:
            barrier.wait()
            query = {"secret": SECRET, "id": VOLUNTEER, "text": text, "msgid": msgid}
            statuses.append(Client().get(reverse("kannel-inbound"), query).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def replies_to_volunteer() -> list[str]:
    return list(
        OutgoingMessage.objects.filter(phone=VOLUNTEER, kind=OutgoingMessage.Kind.REPLY)
        .order_by("pk")
        .values_list("text", flat=True)
    )


@pytest.mark.parametrize("slow", [Alert], indirect=True)
def test_three_simultaneous_copies_of_a_red_raise_one_alert_and_page_once(people, slow):
    PregnancyFactory(reporter=people["volunteer"], mother__identifier=MOTHER)
    assert send_copies(f"RED {MOTHER} he", copies=3, msgid="kannel-7f3a") == [200] * 3
    assert Alert.objects.count() == 1
    assert OutgoingMessage.objects.filter(phone=str(people["midwife"].phone)).count() == 1
    replies = replies_to_volunteer()
    assert len(replies) == 3 and len(set(replies)) == 1 and replies[0].startswith("Alert")


@pytest.mark.parametrize("slow", [Pregnancy], indirect=True)
def test_five_simultaneous_copies_of_a_registration_register_once_and_get_the_same_reply(people, slow):
    text = f"PRE {MOTHER} 01.08.2026 2 1 nr np"
    assert send_copies(text, copies=5, msgid="kannel-9c21") == [200] * 5
    assert Pregnancy.objects.count() == 1
    replies = replies_to_volunteer()
    assert len(replies) == 5 and len(set(replies)) == 1 and "registered" in replies[0]


@pytest.mark.parametrize("slow", [Pregnancy], indirect=True)
def test_simultaneous_copies_are_all_stored_with_one_original(people, slow):
    send_copies(f"PRE {MOTHER} 01.08.2026 2 1 nr np", copies=4, msgid="kannel-51be")
    stored = InboundMessage.objects.filter(gateway_id="kannel-51be")
    assert stored.count() == 4
    assert stored.filter(duplicate_of=None).count() == 1


@pytest.mark.parametrize("slow", [Pregnancy], indirect=True)
def test_two_volunteers_registering_one_mother_at_once_get_one_registration_and_one_clear_refusal(
    people, slow
):
    """Different messages, one new mother: the second waits on her identifier, its transaction
    fails when the first commits, and it is run again, which refuses it in words."""
    second = ReporterFactory(phone="+250788123457", facility=people["volunteer"].facility, language="en")
    barrier = threading.Barrier(2)

    def register(phone: str) -> None:
        try:
            barrier.wait()
            query = {
                "secret": SECRET,
                "id": phone,
                "text": f"PRE {MOTHER} 01.08.2026 2 1 nr np",
                "msgid": phone,
            }
            assert Client().get(reverse("kannel-inbound"), query).status_code == 200
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(phone,)) for phone in (VOLUNTEER, str(second.phone))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Pregnancy.objects.count() == 1
    replies = sorted(
        OutgoingMessage.objects.filter(kind=OutgoingMessage.Kind.REPLY).values_list("text", flat=True)
    )
    assert len(replies) == 2
    assert "already has an active pregnancy" in replies[0] and "registered" in replies[1]
