"""The emergency escalation ladder.

A red alert gets one ``EscalationStep`` row per level with its due time. Level 1 runs at once, in
the transaction that raises the alert; later levels run when due unless someone acknowledged the
alert. Each step is claimed with a conditional update, so ``run_due``, a retried sweep and two
beats can all try to run it and it still runs once.

A facility's ladder has three levels (its midwives and nurses; its in-charge and the hospital's
maternity on-call; the district official). A level with nobody on duty climbs at once; past the
last level with nobody, the national duty contacts (the first level of
``FALLBACK_EMERGENCY_CONTACTS``) are alerted and the volunteer is told to call the ambulance: no
alert ends with nobody told. An alert no facility can take (an unknown phone about an unknown
mother) climbs the national contacts' own ladder instead, level by level at the same times.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from maternal.models import Alert, Facility, Staff
from maternal.sms import codes
from messaging.models import OutgoingMessage
from messaging.services import send_sms
from reminders.models import EscalationStep

logger = logging.getLogger(__name__)
StepStatus = EscalationStep.Status
FACILITY_LEVELS = 3


def level_count(alert: Alert) -> int:
    return FACILITY_LEVELS if alert.facility_id else len(settings.FALLBACK_EMERGENCY_CONTACTS)


def plan_ladder(alert: Alert) -> Paging:
    """Create the alert's steps and run level 1 now, in the caller's transaction: the alert, its
    level-1 SMS rows and the volunteer's reply commit together. Later levels are rows with a due
    time that the every-minute sweep runs; nothing waits in the broker (a task parked with an ETA
    is held unacknowledged by a worker, which Redis outages and restarts turn into losses or
    crashes)."""
    due_at = alert.raised_at
    steps = []
    for level in range(1, max(level_count(alert), 1) + 1):
        steps.append(EscalationStep(alert=alert, level=level, due_at=due_at))
        if level <= len(settings.ESCALATE_AFTER):
            due_at = due_at + settings.ESCALATE_AFTER[level - 1]
    steps = EscalationStep.objects.bulk_create(steps)
    return run_step(steps[0].pk, now=alert.raised_at)


@dataclass(frozen=True)
class Recipient:
    phone: str
    language: str
    name: str


@dataclass(frozen=True)
class Paging:
    """Who one run of a step alerted; ``national`` when the national duty contacts took the
    alert because nobody local was on duty (or known)."""

    people: list[Recipient]
    national: bool = False


def national_contacts(level: int) -> list[Recipient]:
    levels = settings.FALLBACK_EMERGENCY_CONTACTS
    phones = levels[level - 1] if 0 < level <= len(levels) else []
    return [Recipient(phone, settings.LANGUAGE_CODE, phone) for phone in phones]


def recipients(alert: Alert, level: int) -> list[Recipient]:
    """Who a level alerts: 1 the on-duty midwives and nurses of the volunteer's health centre;
    2 its in-charge and the district hospital's maternity on-call; 3 the district official on
    duty. An alert with no facility climbs the national contacts' levels."""
    facility: Facility | None = alert.facility
    if facility is None:
        return national_contacts(level)
    if facility.kind == Facility.Kind.HEALTH_POST and facility.parent_id:
        facility = facility.parent  # a health post's volunteers are served by its health centre
    on_duty = Staff.objects.filter(on_duty=True)
    if level == 1:
        staff = on_duty.filter(facility=facility, role__in=[Staff.Role.MIDWIFE, Staff.Role.NURSE])
    elif level == 2:
        hospital = (
            facility.parent
            or Facility.objects.filter(district_id=facility.district_id, kind=Facility.Kind.HOSPITAL).first()
        )
        staff = on_duty.filter(
            Q(facility=facility, role=Staff.Role.IN_CHARGE)
            | Q(facility=hospital, role=Staff.Role.MATERNITY_ON_CALL)
        )
    elif level == 3:
        staff = on_duty.filter(role=Staff.Role.DISTRICT_OFFICIAL, district_id=facility.district_id)
    else:
        return []
    return [Recipient(str(person.phone), person.language, person.name) for person in staff]


def holders(alert: Alert) -> list[Recipient]:
    """Who holds an open alert now: the staff member who acknowledged it, else whoever its
    latest level alerted."""
    staff = alert.acknowledged_by
    if staff is not None:
        return [Recipient(str(staff.phone), staff.language, staff.name)]
    paged = recipients(alert, alert.level)
    return paged or national_contacts(1)


def ambulance_number(alert: Alert) -> str:
    numbers = settings.AMBULANCE_NUMBERS
    district = alert.facility.district.code if alert.facility else None
    return numbers.get(district, numbers["default"])


def tell_volunteer_who_responded(alert: Alert) -> None:
    staff = alert.acknowledged_by
    if alert.reporter is None or staff is None:
        return
    with translation.override(alert.reporter.language):
        text = _("Alert %(number)s: %(name)s (%(role)s, %(phone)s) is responding.") % {
            "number": alert.pk,
            "name": staff.name,
            "role": staff.get_role_display(),
            "phone": staff.phone,
        }
    send_sms(phone=str(alert.reporter.phone), text=text, kind=OutgoingMessage.Kind.ALERT, emergency=True)


def _signs_in_words(signs: list[str], language: str) -> str:
    return ", ".join(
        codes.label(code, group, language)
        for code in signs
        for group in codes.DANGER_SIGN_GROUPS
        if codes.lookup(group, code)
    )


def _where_and_who(alert: Alert) -> dict[str, str]:
    reporter = alert.reporter
    mother_village = alert.pregnancy.village if alert.pregnancy_id else None
    village = reporter.village if reporter else mother_village
    return {
        "number": str(alert.pk),
        "mother": alert.mother_identifier or "?",
        "village": village.name if village else "?",
        "name": reporter.name if reporter else _("unknown phone"),
        "phone": str(alert.sender_phone),
    }


def alert_text(alert: Alert, language: str) -> str:
    """The SMS a staff member gets: number, mother, village, volunteer, signs in words, how to ack."""
    with translation.override(language):
        return _(
            "RED ALERT %(number)s: mother %(mother)s, %(village)s. %(signs)s. CHW %(name)s %(phone)s. Reply OK %(number)s"
        ) % {**_where_and_who(alert), "signs": _signs_in_words(alert.danger_signs, language)}


def update_text(alert: Alert, new_signs: list[str], language: str) -> str:
    """The SMS that takes a second RED's new signs to whoever holds the alert."""
    with translation.override(language):
        return _(
            "RED ALERT %(number)s update: mother %(mother)s, %(village)s. New signs: %(signs)s. CHW %(name)s %(phone)s."
        ) % {**_where_and_who(alert), "signs": _signs_in_words(new_signs, language)}


def tell_holders(alert: Alert, new_signs: list[str]) -> list[Recipient]:
    """Send a joined RED's new signs to whoever holds the alert; the timers keep running."""
    told = holders(alert)
    _page(told, lambda language: update_text(alert, new_signs, language))
    return told


def _page(people: list[Recipient], text_in: Callable[[str], str]) -> None:
    """An emergency SMS to each person, in their language."""
    for person in people:
        send_sms(
            phone=person.phone, text=text_in(person.language), kind=OutgoingMessage.Kind.ALERT, emergency=True
        )


def run_step(step_id: int, *, now: datetime | None = None) -> Paging:
    """Run one due step at most once; returns whom it alerted (those of the level it climbed to
    when this one had nobody). The claim, the SMS
    rows and the step's result commit together: a crash leaves the step pending, never half-run."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = EscalationStep.objects.filter(
            pk=step_id, status=StepStatus.PENDING, due_at__lte=now
        ).update(status=StepStatus.DONE, ran_at=now)
        if claimed != 1:
            return Paging([])
        step = EscalationStep.objects.select_related("alert__reporter__village", "alert__facility").get(
            pk=step_id
        )
        alert = step.alert
        if alert.status != Alert.Status.OPEN:
            step.status = StepStatus.CANCELLED
            step.save(update_fields=["status"])
            return Paging([])
        staff = recipients(alert, step.level)
        _page(staff, lambda language: alert_text(alert, language))
        step.recipients = len(staff)
        step.save(update_fields=["recipients"])
        Alert.objects.filter(pk=alert.pk, level__lt=step.level).update(level=step.level)
        if not staff:
            # Nobody to alert at this level: climb at once instead of waiting for the timer.
            logger.warning("Alert %s level %s had nobody on duty", alert.pk, step.level)
            next_step = EscalationStep.objects.filter(
                alert=alert, level=step.level + 1, status=StepStatus.PENDING
            ).first()
            if next_step is not None:
                EscalationStep.objects.filter(pk=next_step.pk).update(due_at=now)
                return run_step(next_step.pk, now=now)
            return _end_on_national_contacts(alert, step, now=now)
    return Paging(staff, national=alert.facility_id is None)


def _end_on_national_contacts(alert: Alert, step: EscalationStep, *, now: datetime) -> Paging:
    """The last level had nobody: the national duty contacts take the alert, and the volunteer
    is told to call the ambulance (by the RED's own reply when it happens as the alert is
    raised, else by an SMS now)."""
    contacts = national_contacts(1) if alert.facility_id else []
    _page(contacts, lambda language: alert_text(alert, language))
    if not contacts:
        logger.error("Alert %s reached nobody at all: FALLBACK_EMERGENCY_CONTACTS is empty", alert.pk)
    step.recipients = len(contacts)
    step.save(update_fields=["recipients"])
    if contacts and now > alert.raised_at:
        language = alert.reporter.language if alert.reporter else settings.LANGUAGE_CODE
        with translation.override(language):
            text = _(
                "Alert %(number)s: no health worker on duty could be reached; the national duty team was told. Call the ambulance now: %(ambulance)s."
            ) % {"number": alert.pk, "ambulance": ambulance_number(alert)}
        send_sms(phone=str(alert.sender_phone), text=text, kind=OutgoingMessage.Kind.ALERT, emergency=True)
    return Paging(contacts, national=True)


def cancel_ladder(alert: Alert) -> int:
    return EscalationStep.objects.filter(alert=alert, status=StepStatus.PENDING).update(
        status=StepStatus.CANCELLED
    )


def sweep_escalations(*, now: datetime | None = None) -> dict[str, int]:
    """Run every step already due (its task was lost, or the broker was away) and remind the
    volunteer of alerts still open after 48 hours."""
    now = now or timezone.now()
    due = list(
        EscalationStep.objects.filter(status=StepStatus.PENDING, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)
    )
    alerted = sum(len(run_step(pk, now=now).people) for pk in due)
    return {"steps": len(due), "staff_alerted": alerted, "open_alert_reminders": remind_open_alerts(now=now)}


def remind_open_alerts(*, now: datetime) -> int:
    """An alert not closed by RAR 48 hours after it was raised reminds its volunteer, once."""
    stale = Alert.objects.select_related("reporter").filter(
        status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED],
        raised_at__lte=now - settings.ALERT_OPEN_REMINDER_AFTER,
        open_reminder_sent_at__isnull=True,
        reporter__isnull=False,
    )
    count = 0
    for alert in stale:
        with transaction.atomic():
            if not Alert.objects.filter(pk=alert.pk, open_reminder_sent_at__isnull=True).update(
                open_reminder_sent_at=now
            ):
                continue
            with translation.override(alert.reporter.language):
                text = _(
                    "Alert %(number)s for %(mother)s is still open. Send RAR %(mother)s <mw|ms|cw|cs> to close it."
                ) % {
                    "number": alert.pk,
                    "mother": alert.mother_identifier,
                }
            send_sms(phone=str(alert.reporter.phone), text=text, kind=OutgoingMessage.Kind.NOTICE)
            count += 1
    return count
