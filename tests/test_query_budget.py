"""How many database queries one inbound report costs, through the real router.

On one small server for a whole country every query per message counts (see docs/benchmarks.md):
these tests fail when a change adds queries to the PRE or ANC path, so that the cost is noticed
and the budget raised on purpose, with the reason, rather than found in production.

What a budget counts: everything the ``reply`` fixture runs for one SMS from a volunteer whose
phone the system already knows, which is the simulator's path: the fixture's bookkeeping (3
selects), the router and the report itself (the gateway's path: PRE 23 statements, ANC 19, each
transaction's BEGIN and COMMIT included), and the inline delivery of the reply to the simulator
backend (6). The test runs inside a transaction, so each ``transaction.atomic`` costs a
SAVEPOINT and a RELEASE here.

Measured (November 2026): PRE 32 queries, ANC 28; before the performance work, 34 and 31. Two of
them were added on purpose: the reply's log row, outbox row and note on the message it answers
commit in one transaction (messaging/router.py), instead of three. The budgets leave 2 queries of
headroom.

1 December 2026: PRE 34, ANC 31. Added on purpose: the whole message (inbound row, report, reply)
in one transaction so that a gateway's concurrent copy waits for it (one SAVEPOINT and RELEASE
here); the clinical checks of a report (a second ANC contact on one day, the plausibility of dates:
one select each). Then PRE 32, ANC 29: RapidSMS's message log is gone (2 inserts per message that
duplicated the project's own tables).
"""

import pytest

from maternal.models import Pregnancy, Visit
from tests.factories import FacilityFactory, ReporterFactory, location_tree

PRE_BUDGET = 34
ANC_BUDGET = 31

MOTHER = "1199870012345678"
OTHER_MOTHER = "1199970012345679"
LMP = "06.08.2026"  # clock pinned to 26.11.2026: 16 weeks


@pytest.fixture
def volunteer(db, today, reply):
    """An active volunteer who has written before (her gateway connection exists)."""
    places = location_tree("5")
    centre = FacilityFactory(code="5101", name="Kinihira HC", location=places["village"])
    volunteer = ReporterFactory(facility=centre, language="en", name="Uwase Marie")
    reply(str(volunteer.phone), "WHO")
    return volunteer


def test_a_pregnancy_registration_stays_within_its_query_budget(
    reply, volunteer, django_assert_max_num_queries
):
    with django_assert_max_num_queries(PRE_BUDGET):
        answer = reply(str(volunteer.phone), f"PRE {MOTHER} {LMP} 2 1 nr np")
    assert "registered" in answer
    assert Pregnancy.objects.filter(mother__identifier=MOTHER).exists()


def test_an_antenatal_report_stays_within_its_query_budget(reply, volunteer, django_assert_max_num_queries):
    reply(str(volunteer.phone), f"PRE {MOTHER} {LMP} 2 1 nr np")
    reply(str(volunteer.phone), f"PRE {OTHER_MOTHER} {LMP} 2 1 nr np")
    reply(str(volunteer.phone), f"ANC {OTHER_MOTHER} 20.11.2026 1")
    with django_assert_max_num_queries(ANC_BUDGET):
        answer = reply(str(volunteer.phone), f"ANC {MOTHER} 26.11.2026 2")
    assert "ANC 2" in answer
    assert Visit.objects.filter(pregnancy__mother__identifier=MOTHER, contact_number=2).exists()
