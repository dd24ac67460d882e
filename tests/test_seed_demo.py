"""seed_demo: demo data at every stage, through the services, and nothing more on a second run."""

import io

import pytest
from django.core.management import call_command

from maternal.models import Alert, Birth, Mother, Pregnancy, Visit
from tests.factories import ReporterFactory, StaffFactory


@pytest.fixture
def seeded(db, today):
    volunteer = ReporterFactory()
    StaffFactory(facility=volunteer.facility)
    call_command("seed_demo", "--pregnancies", "120", stdout=io.StringIO(), stderr=io.StringIO())
    return volunteer


def test_seed_demo_creates_pregnancies_at_every_stage(seeded):
    assert Mother.objects.count() == 120
    statuses = set(Pregnancy.objects.values_list("status", flat=True))
    assert {"active", "delivered", "lost"} <= statuses
    assert Visit.objects.filter(kind="anc").exists() and Birth.objects.exists() and Alert.objects.exists()


def test_seed_demo_run_again_adds_nothing(seeded):
    output = io.StringIO()
    call_command("seed_demo", "--pregnancies", "120", stdout=output, stderr=io.StringIO())
    assert Mother.objects.count() == 120
    assert "created 0 demo mothers" in output.getvalue()
