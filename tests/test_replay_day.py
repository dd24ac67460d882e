"""A realistic day (tests/data/replay_day.tsv: 296 messages from 10 volunteers) replayed with
``manage.py sms -`` leaves exactly the records it should.

The file holds 150 registrations, then 60 ANC, 10 RISK, 5 RED (3 closed by RAR), 20 births (2 of
them twins), 10 PNC, 3 maternal deaths, 2 losses, 3 departures, 20 erroneous messages (10 kinds,
each sent twice by the same volunteer) and, last, 10 gateway retries of earlier messages.
"""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from maternal.models import Alert, Baby, Birth, Death, Pregnancy, RiskReport, Visit
from messaging.models import InboundMessage
from tests.factories import ReporterFactory

REPLAY = Path(__file__).parent / "data" / "replay_day.tsv"


@pytest.fixture
def replayed(db, today, django_capture_on_commit_callbacks, monkeypatch, settings):
    # A day's messages replayed in seconds: the per-phone rate limit is for real time.
    settings.INBOUND_RATE_LIMIT = (1000, settings.INBOUND_RATE_LIMIT[1])
    volunteers = sorted({line.split("\t")[0] for line in REPLAY.read_text().splitlines()})
    first = ReporterFactory(phone=volunteers[0])
    for phone in volunteers[1:]:
        ReporterFactory(phone=phone, facility=first.facility)
    output = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO(REPLAY.read_text()))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sms", "-", stdout=output)
    return output.getvalue()


def test_replayed_day_registers_each_pregnancy_once(replayed):
    assert Pregnancy.objects.count() == 150
    statuses = dict(Pregnancy.objects.values_list("status").annotate(n=Count("id")))
    assert statuses == {"active": 122, "delivered": 20, "maternal_death": 3, "lost": 2, "moved": 3}


def test_replayed_day_records_every_follow_up_report(replayed):
    assert Visit.objects.filter(kind="anc").count() == 60
    assert Visit.objects.filter(kind="pnc").count() == 10
    assert RiskReport.objects.count() == 10
    assert Birth.objects.count() == 20 and Baby.objects.count() == 22
    assert Death.objects.filter(kind="md").count() == 3 and Death.objects.filter(kind="mcc").count() == 2


def test_replayed_day_raises_each_alert_once(replayed):
    assert Alert.objects.count() == 5
    assert Alert.objects.filter(status="closed").count() == 3


def test_replayed_day_answers_every_message_and_records_retries_once(replayed):
    assert InboundMessage.objects.count() == 296
    assert InboundMessage.objects.filter(reply="").count() == 0
    assert InboundMessage.objects.filter(duplicate_of__isnull=False).count() == 20
