"""How many SQL statements one accepted report costs on the gateway's path: Kannel's request to
the gateway view, through the router, the parser and the service, to the reply in the outbox and
noted on the message, all in one transaction (docs/benchmarks.md, "Statements per report").

On one small server for a whole country every statement per message counts: these tests fail when
a change adds one to the PRE or ANC path, so that the cost is noticed and the budget raised on
purpose, with the reason, rather than found in production. Counted on SQLite, whose BEGIN and
COMMIT Django executes as statements (on PostgreSQL the driver sends them unseen: 2 fewer here).

1 December 2026: PRE 12 statements, ANC 11 (from 26 and 23): BEGIN; the phone's latest messages
(retry, rate limit and reply loop guard in one read); the inbound INSERT; the sender; the report's
reads and writes; the reply's INSERT; the note of it on the message; COMMIT. No savepoint, no
RapidSMS connection lookup, no reading back of the reminders just planned; ANC reads the next
contact its reply promises with the pregnancy.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maternal.models import Pregnancy, Visit
from messaging.models import OutgoingMessage
from tests.factories import FacilityFactory, ReporterFactory, location_tree

pytestmark = pytest.mark.django_db(transaction=True)

PRE_BUDGET = 12
ANC_BUDGET = 11
SECRET = "query-budget-secret"
VOLUNTEER = "+250788123456"
MOTHER = "1199870012345678"
OTHER_MOTHER = "1199970012345679"
LMP = "06.08.2026"  # clock pinned to 26.11.2026: 16 weeks


@pytest.fixture
def gateway(settings, today):
    """Kannel's request for one SMS from a known, active volunteer; returns its statements."""
    settings.SMS_GATEWAY_SECRET = SECRET
    settings.SMS_GATEWAY_ALLOWED_ADDRESSES = []
    places = location_tree("5")
    centre = FacilityFactory(code="5101", name="Kinihira HC", location=places["village"])
    ReporterFactory(phone=VOLUNTEER, facility=centre, language="en")
    sent = iter(range(1, 1000))

    def send(text: str) -> list[str]:
        query = {"secret": SECRET, "id": VOLUNTEER, "text": text, "msgid": f"budget-{next(sent)}"}
        with CaptureQueriesContext(connection) as statements:
            assert Client().get(reverse("kannel-inbound"), query).status_code == 200
        return [statement["sql"] for statement in statements.captured_queries]

    send("WHO")  # she has written before
    return send


def last_reply() -> str:
    return OutgoingMessage.objects.filter(phone=VOLUNTEER).latest("pk").text


def test_a_pregnancy_registration_stays_within_its_statement_budget(gateway):
    statements = gateway(f"PRE {MOTHER} {LMP} 2 1 nr np")
    assert "registered" in last_reply()
    assert Pregnancy.objects.filter(mother__identifier=MOTHER).exists()
    assert len(statements) <= PRE_BUDGET, "\n".join(statements)


def test_an_antenatal_report_stays_within_its_statement_budget(gateway):
    gateway(f"PRE {MOTHER} {LMP} 2 1 nr np")
    gateway(f"PRE {OTHER_MOTHER} {LMP} 2 1 nr np")
    gateway(f"ANC {OTHER_MOTHER} 20.11.2026 1")
    statements = gateway(f"ANC {MOTHER} 26.11.2026 2")
    assert "ANC 2" in last_reply()
    assert Visit.objects.filter(pregnancy__mother__identifier=MOTHER, contact_number=2).exists()
    assert len(statements) <= ANC_BUDGET, "\n".join(statements)
