"""The clock for tests that walk through days: pin a moment, run what is due then."""

from __future__ import annotations

import io
from datetime import date, datetime

import time_machine
from django.core.management import call_command

from tests.conftest import KIGALI


def at(day: date, hour: int = 10, minute: int = 0):
    """Pin the clock to ``day`` at ``hour:minute`` in Kigali."""
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, minute, tzinfo=KIGALI), tick=False
    )


def run_due(day: date, hour: int = 10, minute: int = 0) -> list[str]:
    """What ``manage.py run_due`` sends at that moment, as its printed lines ``-> PHONE: TEXT``."""
    with at(day, hour, minute):
        output = io.StringIO()
        call_command("run_due", stdout=output, stderr=io.StringIO())
    return output.getvalue().splitlines()


def sent_at(moment: datetime) -> dict[str, str]:
    """What ``manage.py run_due`` sends at ``moment``, as {phone: text}."""
    output = io.StringIO()
    with time_machine.travel(moment, tick=False):
        call_command("run_due", stdout=output, stderr=io.StringIO())
    return dict(line[3:].split(": ", 1) for line in output.getvalue().splitlines())
