"""Walking mothers' lives through time for tests/test_lives.py and tests/test_lifecycle_properties.py:
SMS through the real router at a pinned moment, the daily sweep of ``run_due``, and what each
sent, as a transcript; and the promises replies make, read back from their text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import time_machine
from django.test import TestCase

from maternal.alerts import sweep_escalations
from messaging.delivery import sweep_outbox
from messaging.models import OutgoingMessage
from messaging.router import simulate
from reminders.services import send_due_reminders
from tests.conftest import KIGALI

#: When the day's sweep runs and when the volunteers write (after their digest, as in the field).
SWEEP_HOUR, MESSAGE_HOUR = 10, 11


@dataclass(frozen=True)
class Sent:
    """One SMS the system sent: on which day, to whom, what, and why (reply, reminder, notice)."""

    day: date
    phone: str
    text: str
    kind: str


def moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KIGALI)


def _sent_since(last_id: int, day: date) -> tuple[int, list[Sent]]:
    messages = list(OutgoingMessage.objects.filter(pk__gt=last_id).order_by("pk"))
    sent = [Sent(day, message.phone, message.text, message.kind) for message in messages]
    return (messages[-1].pk if messages else last_id), sent


class Walk:
    """A clock that only moves forward, and everything sent since the walk began."""

    def __init__(self) -> None:
        self.transcript: list[Sent] = []
        self.inbound: list[tuple[date, str, str, list[Sent]]] = []
        self.last_id = OutgoingMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def _collect(self, day: date) -> list[Sent]:
        self.last_id, sent = _sent_since(self.last_id, day)
        self.transcript += sent
        return sent

    def run_due(self, day: date) -> list[Sent]:
        """What ``manage.py run_due`` does at the sweep hour of ``day`` (the command's services)."""
        now = moment(day, SWEEP_HOUR)
        with time_machine.travel(now, tick=False):
            with TestCase.captureOnCommitCallbacks(execute=True):
                sweep_escalations(now=now)
                send_due_reminders(now=now)
                sweep_outbox()
        return self._collect(day)

    def sms(self, day: date, phone: str, text: str, minute: int = 0) -> list[Sent]:
        """One SMS through the router at the message hour of ``day``; returns what it caused."""
        with time_machine.travel(moment(day, MESSAGE_HOUR, minute), tick=False):
            with TestCase.captureOnCommitCallbacks(execute=True):
                simulate(phone=phone, text=text)
        sent = self._collect(day)
        self.inbound.append((day, phone, text, sent))
        return sent

    def to(self, phone: str, kind: str = OutgoingMessage.Kind.REMINDER) -> list[tuple[date, str]]:
        return [
            (item.day, item.text) for item in self.transcript if item.phone == phone and item.kind == kind
        ]


@dataclass(frozen=True)
class Promise:
    """A reminder a reply said would come: ``label`` as the digest will write it ("ANC 2", or
    "PNC" when the reply lists dates only), on ``due``."""

    day: date  # when the reply promised it
    mother: str
    label: str
    due: date


_NEXT = re.compile(r"Next (?:visit|contact): ANC (\d) on (\d\d)\.(\d\d)\.(\d{4})")
_POSTNATAL = re.compile(r"(?:Postnatal visits|postnatal visits go on): ((?:\d\d\.\d\d(?:, )?)+)\.")
_MOTHER = re.compile(r"\b(?:T\d{4,5}|\d{16})\b")


def promises(day: date, reply: str) -> list[Promise]:
    """The reminders an English reply promises. A postnatal date without a year is the first such
    day on or after the day of the reply."""
    found = _MOTHER.search(reply)
    if found is None:
        return []
    mother = found.group(0)
    result = [
        Promise(day, mother, f"ANC {number}", date(int(year), int(month), int(dd)))
        for number, dd, month, year in _NEXT.findall(reply)
    ]
    for listing in _POSTNATAL.findall(reply):
        for text in listing.split(", "):
            dd, month = (int(part) for part in text.split("."))
            due = date(day.year, month, dd)
            result.append(Promise(day, mother, "PNC", due if due >= day else date(day.year + 1, month, dd)))
    return result


def kept(promise: Promise, transcript: list[Sent]) -> bool:
    """A digest line about this mother's contact went out on the promised day."""
    line = re.compile(rf"{promise.mother} {promise.label}(?: \d)? on {promise.due:%d.%m}\b")
    return any(
        sent.day == promise.due and sent.kind == OutgoingMessage.Kind.REMINDER and line.search(sent.text)
        for sent in transcript
    )
