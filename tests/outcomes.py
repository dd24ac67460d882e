"""What became of the reports sent to a running system, read from its database and from what
reached the SMS gateway: lost, stored twice, unanswered, answered twice, alerts raised twice,
level-1 SMS missing or doubled, SMS handed to the gateway twice. The multi-node test asserts that
every list is empty; ``benchmarks/faults.py`` counts them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields

from maternal.models import Alert, Staff
from messaging.models import InboundMessage, OutgoingMessage


@dataclass
class Outcome:
    """Each list holds the reports (phone, text), alerts or SMS (phone, text) that went wrong."""

    not_stored: list[tuple[str, str]] = field(default_factory=list)
    stored_twice: list[tuple[str, str]] = field(default_factory=list)
    unanswered: list[tuple[str, str]] = field(default_factory=list)
    answered_twice: list[tuple[str, str]] = field(default_factory=list)
    alert_missing: list[str] = field(default_factory=list)
    alert_twice: list[str] = field(default_factory=list)
    level_one_missing: list[tuple[int, str]] = field(default_factory=list)
    level_one_twice: list[tuple[int, str]] = field(default_factory=list)
    not_sent: list[tuple[str, str]] = field(default_factory=list)
    not_delivered: list[tuple[str, str]] = field(default_factory=list)
    delivered_twice: list[tuple[str, str]] = field(default_factory=list)

    def problems(self) -> dict[str, list]:
        found = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in found.items() if value}


def _phone(phone: str) -> str:
    """A number as stored (E.164) or as a gateway writes it (maybe without '+')."""
    return phone.lstrip("+")


def outcome(reports: list[tuple[str, str]], delivered: list[tuple[str, str]]) -> Outcome:
    """``reports``: the (phone, text) of every SMS the phones sent, each text different;
    ``delivered``: every (phone, text) that reached the gateway or a phone."""
    result = Outcome()
    originals = Counter(InboundMessage.objects.filter(duplicate_of=None).values_list("phone", "text"))
    replies = Counter(
        OutgoingMessage.objects.filter(in_reply_to__duplicate_of=None, status="sent").values_list(
            "in_reply_to__phone", "in_reply_to__text"
        )
    )
    for report in reports:
        if originals[report] == 0:
            result.not_stored.append(report)
        elif replies[report] == 0:
            result.unanswered.append(report)
        if originals[report] > 1:
            result.stored_twice.append(report)
        if replies[report] > 1:
            result.answered_twice.append(report)

    alerts = Counter(Alert.objects.values_list("mother_identifier", flat=True))
    for _sender, text in reports:
        keyword, mother, *_signs = text.split()
        if keyword == "RED" and alerts[mother] == 0:
            result.alert_missing.append(mother)
        elif keyword == "RED" and alerts[mother] > 1:
            result.alert_twice.append(mother)
    on_duty: dict[int, list[str]] = {}
    level_one_staff = Staff.objects.filter(on_duty=True, role__in=[Staff.Role.MIDWIFE, Staff.Role.NURSE])
    for facility, phone in level_one_staff.values_list("facility_id", "phone"):
        on_duty.setdefault(facility, []).append(str(phone))
    level_one = Counter(
        (phone, text.split(":")[0])
        for phone, text in OutgoingMessage.objects.filter(kind="alert").values_list("phone", "text")
    )
    for alert, facility in Alert.objects.values_list("pk", "facility_id"):
        for phone in on_duty.get(facility, []):
            count = level_one[(phone, f"RED ALERT {alert}")]
            if count == 0:
                result.level_one_missing.append((alert, phone))
            elif count > 1:
                result.level_one_twice.append((alert, phone))

    result.not_sent = list(OutgoingMessage.objects.exclude(status="sent").values_list("phone", "text"))
    outbox = Counter(
        (_phone(phone), text) for phone, text in OutgoingMessage.objects.values_list("identity", "text")
    )
    arrived = Counter((_phone(phone), text) for phone, text in delivered)
    result.not_delivered = [sms for sms, count in outbox.items() if arrived[sms] < count]
    result.delivered_twice = [sms for sms, count in arrived.items() if count > outbox[sms]]
    return result
