"""Who may open the message tester and the message log, and what the log shows each of them. The
tester sends SMS as any phone (an OK as a midwife, a real RED) and the log shows every message with
mothers' IDs: each needs its own permission, which staff status does not give. A district official
with the log permission sees the messages of their district's phones only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from rapidsms.backends.database.models import BackendMessage

from maternal.models import Staff
from messaging.models import InboundMessage
from reports import views
from tests.conftest import KIGALI
from tests.factories import StaffFactory
from tests.report_factories import district_with_sectors, volunteer, web_user

TESTER = "/httptester/250788123456/"
TESTER_PAGES = ["/httptester/", TESTER]
LOG = "/messagelog/"
PAGES = [*TESTER_PAGES, LOG]
RED = {"identity": "250788123456", "text": "RED 1199870012345678 he"}

GASABO_VOLUNTEER, GASABO_MIDWIFE = "+250788100001", "+250788100002"
NYARUGENGE_VOLUNTEER, UNKNOWN = "+250788200001", "+250788300001"
EVERY_PHONE = {GASABO_VOLUNTEER, GASABO_MIDWIFE, NYARUGENGE_VOLUNTEER, UNKNOWN}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def gasabo(db):
    return district_with_sectors("102", "Gasabo", ["Kacyiru"])


@pytest.fixture
def nyarugenge(db):
    return district_with_sectors("101", "Nyarugenge", ["Nyamirambo"])


def logged_in(client: Client, username: str, **fields) -> Client:
    client.force_login(web_user(username, **fields))
    return client


@pytest.fixture
def messages(sms, today, gasabo, nyarugenge) -> None:
    """WHO and its reply from a volunteer and a midwife of Gasabo, a volunteer of Nyarugenge and a
    phone the system does not know."""
    volunteer(gasabo.sectors[0], phone=GASABO_VOLUNTEER)
    StaffFactory(phone=GASABO_MIDWIFE, facility=gasabo.sectors[0].facility, role=Staff.Role.MIDWIFE)
    volunteer(nyarugenge.sectors[0], phone=NYARUGENGE_VOLUNTEER)
    for phone in EVERY_PHONE:
        sms(phone, "WHO")


def logged(client: Client) -> list[dict]:
    response = client.get(LOG)
    assert response.status_code == 200
    return list(response.context["page"].object_list)


# --- who opens which page ---------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, db, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("page", PAGES)
def test_staff_status_alone_opens_neither_page(client, db, page):
    assert logged_in(client, "clerk", is_staff=True).get(page).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_a_district_official_without_the_permissions_opens_neither_page(client, gasabo, page):
    assert logged_in(client, "gasabo-official", district=gasabo.district).get(page).status_code == 403


def test_a_district_official_with_the_log_permission_opens_the_log(client, gasabo):
    official = logged_in(
        client, "gasabo-official", district=gasabo.district, permissions=("view_message_log",)
    )
    assert official.get(LOG).status_code == 200


@pytest.mark.parametrize("page", TESTER_PAGES)
def test_the_log_permission_does_not_open_the_tester(client, gasabo, page):
    official = logged_in(
        client, "gasabo-official", district=gasabo.district, permissions=("view_message_log",)
    )
    assert official.get(page).status_code == 403


def test_the_tester_permission_opens_the_tester(client, db):
    assert logged_in(client, "trainer", permissions=("use_message_tester",)).get(TESTER).status_code == 200


def test_the_tester_permission_does_not_open_the_log(client, db):
    assert logged_in(client, "trainer", permissions=("use_message_tester",)).get(LOG).status_code == 403


def test_the_log_permission_opens_the_log(client, db):
    assert logged_in(client, "auditor", permissions=("view_message_log",)).get(LOG).status_code == 200


@pytest.mark.parametrize("page", [TESTER, LOG])
def test_a_superuser_opens_both_pages(client, db, page):
    assert logged_in(client, "root", is_superuser=True, is_staff=True).get(page).status_code == 200


def test_a_message_posted_to_the_tester_without_the_permission_is_not_processed(client, gasabo):
    official = logged_in(
        client, "gasabo-official", district=gasabo.district, is_staff=True, permissions=("view_message_log",)
    )
    assert official.post(TESTER, RED).status_code == 403
    assert not InboundMessage.objects.exists()
    assert not BackendMessage.objects.exists()


def test_a_message_posted_to_the_tester_with_the_permission_is_processed(
    client, db, django_capture_on_commit_callbacks
):
    trainer = logged_in(client, "trainer", permissions=("use_message_tester",))
    with django_capture_on_commit_callbacks(execute=True):
        assert trainer.post(TESTER, RED).status_code == 302
    assert InboundMessage.objects.get().text == RED["text"]


# --- what the log shows -------------------------------------------------------------------------


def test_a_district_official_sees_the_messages_of_their_districts_volunteers_and_staff(
    client, messages, gasabo
):
    official = logged_in(
        client, "gasabo-official", district=gasabo.district, permissions=("view_message_log",)
    )
    rows = logged(official)
    assert {row["phone"] for row in rows} == {GASABO_VOLUNTEER, GASABO_MIDWIFE}
    assert sorted(row["direction"] for row in rows) == ["in", "in", "out", "out"]


def test_national_staff_with_the_permission_see_every_message(client, messages):
    rows = logged(logged_in(client, "national", national=True, permissions=("view_message_log",)))
    assert {row["phone"] for row in rows} == EVERY_PHONE


def test_a_user_with_the_permission_and_no_district_sees_every_message(client, messages):
    rows = logged(logged_in(client, "auditor", permissions=("view_message_log",)))
    assert {row["phone"] for row in rows} == EVERY_PHONE


def test_a_superuser_sees_every_message(client, messages):
    rows = logged(logged_in(client, "root", is_superuser=True, is_staff=True))
    assert {row["phone"] for row in rows} == EVERY_PHONE


def test_the_log_shows_the_newest_message_first_a_page_at_a_time(client, sms, monkeypatch):
    monkeypatch.setattr(views, "MESSAGES_PER_PAGE", 3)
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=KIGALI), tick=False) as clock:
        sms(UNKNOWN, "WHO")
        clock.shift(timedelta(minutes=5))
        sms(UNKNOWN, "HELP")
    auditor = logged_in(client, "auditor", permissions=("view_message_log",))
    first = auditor.get(LOG).context["page"]
    assert first.paginator.num_pages == 2
    assert [row["at"] for row in first] == sorted((row["at"] for row in first), reverse=True)
    assert first[0]["at"] == datetime(2026, 11, 26, 10, 5, tzinfo=KIGALI)
    assert auditor.get(LOG, {"page": 2}).context["page"][0]["at"] == datetime(
        2026, 11, 26, 10, 0, tzinfo=KIGALI
    )
