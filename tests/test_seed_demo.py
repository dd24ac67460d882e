"""seed_demo: a year of demo SMS through the real router, dated as they happened, that makes a demo
report worth reading; nothing more on a second run."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import F

from maternal.models import Alert, Birth, Mother, Pregnancy, Visit
from messaging.models import InboundMessage
from reports.months import Month
from reports.services import compute_snapshot
from tests.factories import ReporterFactory, StaffFactory


@pytest.fixture
def seeded(db, today):
    volunteer = ReporterFactory()
    StaffFactory(facility=volunteer.facility, role="midwife")
    call_command("seed_demo", "--pregnancies", "120", stdout=io.StringIO(), stderr=io.StringIO())
    return volunteer


def test_seed_demo_creates_pregnancies_at_every_stage(seeded):
    assert Mother.objects.count() == 120
    statuses = set(Pregnancy.objects.values_list("status", flat=True))
    assert {"active", "delivered", "lost"} <= statuses
    assert Visit.objects.filter(kind="anc").exists() and Birth.objects.exists() and Alert.objects.exists()


def test_seed_demo_spreads_the_volunteers_reports_over_thirteen_months_before_today(seeded, today):
    months = {
        Month.of(received.date())
        for received in InboundMessage.objects.filter(accepted=True).values_list("received_at", flat=True)
    }
    assert {Month.of(today).shift(-back) for back in range(13)} <= months
    assert not Birth.objects.filter(birth_date__gt=today).exists()
    assert not Birth.objects.filter(birth_date__lt=F("pregnancy__registered_on")).exists()


def test_the_demo_report_of_last_month_has_trends_health_centres_events_and_completeness(seeded, today):
    last_month = Month.of(today).shift(-1)
    snapshot = compute_snapshot(district=seeded.village.district, month=last_month)
    assert snapshot.figures["volunteers_active"]["month"]["value"] == 1
    assert snapshot.figures["data_completeness"]["month"]["value"] == 100.0
    assert snapshot.figures["births"]["month"]["value"] > 0
    assert [row["name"] for row in snapshot.health_centres] == [seeded.facility.name]
    assert {event["kind"] for event in snapshot.deaths} >= {"stillbirths", "newborn_deaths"}
    registered = [point["value"] for point in snapshot.trends["new_pregnancies"]]
    assert len(registered) == 12 and all(registered)
    assert (
        date.fromisoformat(snapshot.trends["births"][0]["month"] + "-01") == last_month.shift(-11).first_day
    )


def test_seed_demo_run_again_adds_nothing(seeded):
    output = io.StringIO()
    call_command("seed_demo", "--pregnancies", "120", stdout=output, stderr=io.StringIO())
    assert Mother.objects.count() == 120
    assert "created 0 demo mothers" in output.getvalue()
