"""The RapidSMS message tester page, as a demo user uses it."""

import pytest
from django.contrib.auth.models import User

from messaging.delivery import sweep_outbox
from tests.factories import ReporterFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "pw"))
    return client


def test_the_message_tester_shows_the_reply_to_a_message(
    admin_client, today, django_capture_on_commit_callbacks
):
    volunteer = ReporterFactory(phone="+250722430204", language="en", name="Mukarugwiza Donatille")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/httptester/250722430204/", {"identity": "250722430204", "text": "WHO"})
    assert response.status_code == 302
    sweep_outbox()  # what the Celery worker does with the reply
    page = admin_client.get("/httptester/250722430204/")
    assert page.status_code == 200
    assert volunteer.name in page.content.decode()


def test_the_message_log_lists_messages_in_and_out(admin_client, reply, today):
    volunteer = ReporterFactory(language="en")
    reply(str(volunteer.phone), "WHO")
    page = admin_client.get("/messagelog/")
    assert page.status_code == 200
    assert "WHO" in page.content.decode()


def test_an_unknown_page_is_a_plain_404_in_production(client, db, settings):
    settings.DEBUG = False
    assert client.get("/no/such/page/").status_code == 404
