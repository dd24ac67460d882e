"""Red alerts, from raising to closing, with their escalation ladder.

A ``RED`` raises an alert (or joins the mother's open one: its new signs go to whoever holds it);
``OK <n>`` acknowledges it and tells the volunteer who responded; ``RAR`` closes it. Each of these
is one transaction with the SMS it sends.

The ladder: an alert gets one ``EscalationStep`` row per level with its due time. Level 1 runs at
once, in the transaction that raises the alert; later levels run when due (the every-minute
sweep, ``sweep_escalations``) unless someone acknowledged the alert. Each step is claimed with a
conditional update, so ``run_due``, a retried sweep and two beats can all try to run it and it
still runs once. Whom a step paged is returned (``Paging``) and counted on the step, so what the
RED's reply names is who was paged.

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
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from maternal import codes, lifecycle
from maternal.models import Alert, EscalationStep, Facility, Pregnancy, Reporter, Staff
from maternal.services import Refusal, audit, find_mother
from messaging.models import InboundMessage, OutgoingMessage
from messaging.services import send_sms

logger = logging.getLogger(__name__)
StepStatus = EscalationStep.Status
FACILITY_LEVELS = 3


@dataclass(frozen=True)
class RaisedAlert:
    alert: Alert
    #: False when the RED joined the mother's open alert instead of starting a ladder.
    new: bool
    #: Who was sent this RED: level 1 (or the level it climbed to), or the holders of a joined alert.
    told: list[Recipient]
    #: Signs of this RED the alert did not have yet.
    new_signs: list[str]
    #: Whether the national duty team was told because nobody local was on duty (or known).
    national: bool = False


@transaction.atomic(savepoint=False)
def raise_alert(
    *,
    sender_phone: str,
    reporter: Reporter | None,
    mother_identifier: str,
    danger_signs: list[str],
    location: str = "",
    message: InboundMessage | None = None,
) -> RaisedAlert:
    """A red alert (``RED``), from anyone: it is always raised, and the escalation ladder starts
    at once. The mother need not be registered; an unknown sender's alert about an unknown mother
    climbs the national contacts' ladder. A RED for a mother whose alert is still open (even
    acknowledged) joins it: its new signs go to whoever holds it, and the ladder keeps its
    timers."""
    identifier = mother_identifier.upper()
    mother = find_mother(identifier) if identifier else None
    pregnancy = mother.pregnancies.order_by("-registered_at").first() if mother else None
    active_reporter = reporter if reporter and reporter.status == Reporter.Status.ACTIVE else None
    if identifier:
        joined = _join_open_alert(identifier, danger_signs, message)
        if joined is not None:
            return joined
    alert = Alert(
        pregnancy=pregnancy,
        mother_identifier=identifier,
        reporter=reporter,
        sender_phone=sender_phone,
        facility=_alert_facility(pregnancy, active_reporter),
        danger_signs=danger_signs,
        location=location,
        raised_at=timezone.now(),
        source_message=message,
    )
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:  # the same mother's RED raised an alert at this very instant: join it
        joined = _join_open_alert(identifier, danger_signs, message)
        if joined is None:
            raise
        return joined
    paging = plan_ladder(alert)
    audit(
        mother=mother,
        message=message,
        action="red_alert",
        summary=f"alert {alert.pk}: {' '.join(danger_signs)}",
    )
    return RaisedAlert(
        alert=alert, new=True, told=paging.people, new_signs=list(danger_signs), national=paging.national
    )


def _alert_facility(pregnancy: Pregnancy | None, reporter: Reporter | None) -> Facility | None:
    """Whose ladder an alert climbs: the facility now following the mother (after a transfer, the
    new one), else the sender's, else none (the national contacts' ladder)."""
    if (
        pregnancy is not None
        and lifecycle.stage(pregnancy, today=timezone.localdate()) not in lifecycle.CLOSED
    ):
        return pregnancy.facility
    if reporter is not None:
        return reporter.facility
    return pregnancy.facility if pregnancy else None


def _join_open_alert(
    identifier: str, danger_signs: list[str], message: InboundMessage | None
) -> RaisedAlert | None:
    alert = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("reporter__village", "facility", "acknowledged_by", "pregnancy__village")
        .filter(mother_identifier=identifier, status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED])
        .first()
    )
    if alert is None:
        return None
    new_signs = [sign for sign in danger_signs if sign not in alert.danger_signs]
    told: list[Recipient] = []
    if new_signs:
        alert.danger_signs = [*alert.danger_signs, *new_signs]
        alert.save(update_fields=["danger_signs"])
        told = tell_holders(alert, new_signs)
    else:
        told = holders(alert)
    audit(
        mother=alert.pregnancy.mother if alert.pregnancy else None,
        message=message,
        action="red_alert_joined",
        summary=f"alert {alert.pk} joined: {' '.join(new_signs) or 'no new signs'}",
    )
    return RaisedAlert(alert=alert, new=False, told=told, new_signs=new_signs)


@dataclass(frozen=True)
class Acknowledgement:
    alert: Alert
    #: False when someone else had already acknowledged it.
    first: bool


@transaction.atomic(savepoint=False)
def acknowledge_alert(
    *, staff: Staff, alert_number: int | None, message: InboundMessage | None = None
) -> Acknowledgement:
    """``OK <n>`` from any staff phone stops the ladder and tells the volunteer who responded.
    ``OK`` alone works when exactly one alert of the staff member's facility or district is open."""
    if alert_number is None:
        open_alerts = list(open_alerts_for(staff)[:2])
        if len(open_alerts) != 1:
            raise Refusal(
                _("You have %(count)s open alerts: reply OK <alert number>.")
                % {"count": open_alerts_for(staff).count()}
                if open_alerts
                else _("You have no open alert to acknowledge.")
            )
        alert_number = open_alerts[0].pk
    alert = Alert.objects.select_related("reporter", "acknowledged_by").filter(pk=alert_number).first()
    if alert is None:
        raise Refusal(_("There is no alert number %(number)s.") % {"number": alert_number})
    if alert.status == Alert.Status.CLOSED:
        raise Refusal(_("Alert %(number)s is already closed.") % {"number": alert_number})
    now = timezone.now()
    first = bool(
        Alert.objects.filter(pk=alert.pk, status=Alert.Status.OPEN).update(
            status=Alert.Status.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=staff
        )
    )
    alert.refresh_from_db()
    if first:
        cancel_ladder(alert)
        tell_volunteer_who_responded(alert)
        audit(
            mother=alert.pregnancy.mother if alert.pregnancy else None,
            message=message,
            action="alert_acknowledged",
            summary=f"alert {alert.pk} acknowledged by {staff.name} {staff.phone}",
        )
    return Acknowledgement(alert=alert, first=first)


def open_alerts_for(staff: Staff):
    alerts = Alert.objects.filter(status=Alert.Status.OPEN).order_by("raised_at")
    if staff.facility_id:
        return alerts.filter(
            models.Q(facility_id=staff.facility_id) | models.Q(facility__parent_id=staff.facility_id)
        )
    return alerts.filter(facility__district_id=staff.district_id)


@transaction.atomic(savepoint=False)
def close_alert(
    *,
    reporter: Reporter | None,
    mother_identifier: str,
    statuses: list[str],
    intervention: str = "",
    ambulance: str = "",
    sender_phone: str = "",
    message: InboundMessage | None = None,
) -> Alert:
    """``RAR``: the outcome of the mother's open alert; closes it and stops its ladder. An active
    volunteer may close any alert for the mother; any other phone (a pending volunteer, a
    stranger) only the alert it raised itself."""
    alerts = Alert.objects.filter(mother_identifier=mother_identifier.upper()).exclude(
        status=Alert.Status.CLOSED
    )
    if reporter is None or reporter.status != Reporter.Status.ACTIVE:
        alerts = alerts.filter(sender_phone=sender_phone)
    alert = alerts.order_by("-raised_at").first()
    if alert is None:
        raise Refusal(_("No open alert for %(id)s; nothing was recorded.") % {"id": mother_identifier})
    alert.status = Alert.Status.CLOSED
    alert.closed_at = timezone.now()
    alert.outcome_statuses = statuses
    alert.intervention = intervention
    alert.ambulance = ambulance
    alert.save(update_fields=["status", "closed_at", "outcome_statuses", "intervention", "ambulance"])
    cancel_ladder(alert)
    audit(
        mother=alert.pregnancy.mother if alert.pregnancy else None,
        message=message,
        action="alert_closed",
        summary=f"alert {alert.pk} closed: {' '.join(statuses)} {intervention} {ambulance}".strip(),
    )
    return alert


# --- the ladder -----------------------------------------------------------------------------


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
    if facility.kind == Facility.Kind.HEALTH_POST and facility.parent is not None:
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
    latest = (
        alert.escalation_steps.filter(status=StepStatus.DONE).exclude(paged=[]).order_by("-level").first()
    )
    return [Recipient(**person) for person in latest.paged] if latest else national_contacts(1)


def ambulance_number(alert: Alert) -> str:
    numbers = settings.AMBULANCE_NUMBERS
    if alert.facility is None:
        return numbers["default"]
    return numbers.get(alert.facility.district.code, numbers["default"])


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
    mother_village = alert.pregnancy.village if alert.pregnancy else None
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
        _record_paged(step, staff)
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
    _record_paged(step, contacts)
    if contacts and now > alert.raised_at:
        language = alert.reporter.language if alert.reporter else settings.LANGUAGE_CODE
        with translation.override(language):
            text = _(
                "Alert %(number)s: no health worker on duty could be reached; the national duty team was told. Call the ambulance now: %(ambulance)s."
            ) % {"number": alert.pk, "ambulance": ambulance_number(alert)}
        send_sms(phone=str(alert.sender_phone), text=text, kind=OutgoingMessage.Kind.ALERT, emergency=True)
    return Paging(contacts, national=True)


def _record_paged(step: EscalationStep, people: list[Recipient]) -> None:
    step.recipients = len(people)
    step.paged = [asdict(person) for person in people]
    step.save(update_fields=["recipients", "paged"])


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
        reporter = alert.reporter
        assert reporter is not None  # the query takes only alerts with a reporter
        with transaction.atomic():
            if not Alert.objects.filter(pk=alert.pk, open_reminder_sent_at__isnull=True).update(
                open_reminder_sent_at=now
            ):
                continue
            with translation.override(reporter.language):
                text = _(
                    "Alert %(number)s for %(mother)s is still open. Send RAR %(mother)s <mw|ms|cw|cs> to close it."
                ) % {
                    "number": alert.pk,
                    "mother": alert.mother_identifier,
                }
            send_sms(phone=str(reporter.phone), text=text, kind=OutgoingMessage.Kind.NOTICE)
            count += 1
    return count
