"""Send the care plans' reminders when due (README, "Configuration"; docs/clinical-rules.md).

The rows are planned, cleared and cancelled by ``maternal.care_plan``. Once a day, inside the sending window, each volunteer gets one digest of the mothers due
and of the visits newly missed. Sending a digest is one transaction that creates the day's
``Digest`` row (unique per volunteer and day), claims the reminders and queues the SMS in the
outbox, so no retry, restart or second beat can send it twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from maternal import codes
from maternal.models import VISIT_KINDS, Pregnancy, Reminder, Reporter, RiskReport, Staff
from messaging.gsm import split_parts
from messaging.models import OutgoingMessage
from messaging.services import send_sms
from reminders.models import Digest

logger = logging.getLogger(__name__)
Status = Reminder.Status
#: What is still followed, by the pregnancy's status: the antenatal plan while she is pregnant, her
#: postnatal contacts after the birth (docs/lifecycle.md). Nothing is sent about any other status.
FOLLOWED = Q(pregnancy__status=Pregnancy.Status.ACTIVE) | Q(
    pregnancy__status=Pregnancy.Status.DELIVERED, kind=Reminder.Kind.PNC
)


def in_sending_window(moment: datetime) -> bool:
    start, end = (time.fromisoformat(value) for value in settings.REMINDER_WINDOW)
    local = timezone.localtime(moment).time()
    return start <= local < end


def expire_stale(*, today: date) -> int:
    """Routine reminders more than REMINDER_MAX_DELAY past their day are expired, not sent."""
    oldest = today - settings.REMINDER_MAX_DELAY
    return Reminder.objects.filter(status=Status.PLANNED, due_date__lt=oldest).update(status=Status.EXPIRED)


def _newly_missed(today: date):
    """Visit reminders (sent, or expired in an outage) whose visit was not reported in the grace
    period."""
    return Reminder.objects.filter(
        kind__in=VISIT_KINDS,
        status__in=[Status.SENT, Status.EXPIRED],
        due_date__lte=today - settings.MISSED_VISIT_AFTER,
    ).filter(FOLLOWED)


def _due(today: date):
    return Reminder.objects.filter(status=Status.PLANNED, due_date__lte=today).filter(FOLLOWED)


def work_for_today(today: date) -> dict[int, list[int]]:
    """The ids of the reminders due or newly missed today, by volunteer, for the volunteers with
    no digest yet. Two range scans of the (status, due date) index; each digest then reads its
    reminders by id. (Read by volunteer, each digest would walk all the reminders due in the
    country: the sweep's cost must grow with what is due, not with the number of pregnancies.)"""
    work: dict[int, list[int]] = defaultdict(list)
    for query in (_due(today), _newly_missed(today)):
        for reporter_id, reminder_id in query.values_list("pregnancy__reporter_id", "pk"):
            work[reporter_id].append(reminder_id)
    # Today's digests, not "digests of these volunteers": a list of every volunteer with work would
    # exceed a statement's 65,535 parameters in a country (prepared statements, config/settings.py).
    for reporter_id in Digest.objects.filter(day=today).values_list("reporter_id", flat=True):
        work.pop(reporter_id, None)
    return dict(work)


def reporters_with_work(today: date) -> list[int]:
    """Volunteers with reminders due or visits newly missed today, and no digest yet."""
    return sorted(work_for_today(today))


def _line(reminder: Reminder) -> str:
    pregnancy = reminder.pregnancy
    labels: dict[str, str] = {
        Reminder.Kind.ANC: _("ANC %(number)s on %(date)s"),
        Reminder.Kind.BIRTH_PREPAREDNESS: _("birth plan, EDD in 2 weeks (%(date)s)"),
        Reminder.Kind.POST_EDD: _("EDD %(edd)s"),
        Reminder.Kind.PNC: _("PNC %(number)s on %(date)s"),
    }
    facts = {
        "number": reminder.sequence,
        "date": f"{reminder.due_date:%d.%m}",
        "edd": f"{pregnancy.expected_delivery_date:%d.%m}",
    }
    return f"{pregnancy.mother.identifier} " + labels[reminder.kind] % facts


def compose_digest(
    reporter: Reporter, due: list[Reminder], missed: list[Reminder], *, today: date
) -> list[str]:
    """The digest's parts, in the volunteer's language as it is now (text built at send time):
    the contacts due, then the births not reported after the EDD, then the missed visits, each
    group under its own heading."""
    overdue_births = [reminder for reminder in due if reminder.kind == Reminder.Kind.POST_EDD]
    contacts = [reminder for reminder in due if reminder.kind != Reminder.Kind.POST_EDD]
    with translation.override(reporter.language):
        headings = [
            (_("Reminders %(date)s:") % {"date": f"{today:%d.%m}"}, contacts),
            (_("Birth not reported, EDD passed (send BIR, LOS or DEP):"), overdue_births),
            (_("Missed visits, please follow up:"), missed),
        ]
        items = []
        for heading, reminders in headings:
            lines = [_line(reminder) for reminder in reminders]
            if lines:
                lines[0] = f"{heading} {lines[0]}"
            items += lines
    return split_parts(items)


def send_digest(reporter_id: int, *, today: date, reminder_ids: Collection[int] | None = None) -> int:
    """Send one volunteer's digest for ``today``; 0 if already sent or nothing is due.
    ``reminder_ids`` (from ``work_for_today``) limits it to those, read again by id under the same
    conditions, so that a reminder that changed meanwhile is left out."""
    try:
        with transaction.atomic():
            digest = Digest.objects.create(reporter_id=reporter_id, day=today)
            mine = Q(pregnancy__reporter_id=reporter_id)
            if reminder_ids is not None:
                mine &= Q(pk__in=reminder_ids)
            due = list(_due(today).filter(mine).select_related("pregnancy__mother"))
            missed = list(_newly_missed(today).filter(mine).select_related("pregnancy__mother"))
            if not due and not missed:
                transaction.set_rollback(True)
                return 0
            now = timezone.now()
            Reminder.objects.filter(pk__in=[r.pk for r in due]).update(status=Status.SENT, sent_at=now)
            Reminder.objects.filter(pk__in=[r.pk for r in missed]).update(
                status=Status.MISSED, missed_on=today
            )
            digest.reminders.add(*due, *missed)
            reporter = Reporter.objects.get(pk=reporter_id)
            parts = compose_digest(reporter, due, missed, today=today)
            for part in parts:
                send_sms(phone=str(reporter.phone), text=part, kind=OutgoingMessage.Kind.REMINDER)
    except IntegrityError:  # another process sent today's digest first
        return 0
    return len(due) + len(missed)


def send_due_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """The daily sweep: expire stale reminders, then send each volunteer's digest, only inside
    the sending window. Cost grows with the number due, not with the number of pregnancies."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    expired = expire_stale(today=today)
    if not in_sending_window(now):
        return {"expired": expired, "digests": 0, "reminders": 0}
    digests = reminders = 0
    for reporter_id, reminder_ids in sorted(work_for_today(today).items()):
        count = send_digest(reporter_id, today=today, reminder_ids=reminder_ids)
        digests += bool(count)
        reminders += count
    risks = sum(send_risk_digest(facility_id, now=now) for facility_id in facilities_with_new_risks(now=now))
    return {"expired": expired, "digests": digests, "reminders": reminders, "risks": risks}


# --- risks for the health centres ---------------------------------------------------------------


def facilities_with_new_risks(*, now: datetime) -> list[int]:
    """Health centres with risks not yet told, and no risk digest yet today (one a day)."""
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    pending = set(
        RiskReport.objects.filter(notified_at__isnull=True).values_list("pregnancy__facility_id", flat=True)
    )
    told_today = set(
        RiskReport.objects.filter(
            notified_at__gte=start_of_day, pregnancy__facility_id__in=pending
        ).values_list("pregnancy__facility_id", flat=True)
    )
    return sorted(pending - told_today)


def send_risk_digest(facility_id: int, *, now: datetime) -> int:
    """Tell a health centre's in-charge (else its on-duty midwives and nurses) of the risks
    reported since its last digest, in one SMS each. Returns how many risks were told."""
    with transaction.atomic():
        pending = RiskReport.objects.filter(notified_at__isnull=True, pregnancy__facility_id=facility_id)
        claimed_ids = list(pending.values_list("pk", flat=True))
        RiskReport.objects.filter(pk__in=claimed_ids, notified_at__isnull=True).update(notified_at=now)
        risks = list(
            RiskReport.objects.filter(pk__in=claimed_ids, notified_at=now)
            .select_related("pregnancy__mother")
            .order_by("reported_at")
        )
        if not risks:
            return 0
        staff = Staff.objects.filter(facility_id=facility_id, on_duty=True)
        recipients = list(staff.filter(role=Staff.Role.IN_CHARGE)) or list(
            staff.filter(role__in=[Staff.Role.MIDWIFE, Staff.Role.NURSE])
        )
        for person in recipients:
            with translation.override(person.language):
                items = [
                    f"{risk.pregnancy.mother.identifier} "
                    + ", ".join(codes.label(code, "symptom", person.language) for code in risk.symptoms)
                    for risk in risks
                ]
                items[0] = _("High-risk pregnancies reported:") + " " + items[0]
            for part in split_parts(items):
                send_sms(phone=str(person.phone), text=part, kind=OutgoingMessage.Kind.NOTICE)
    return len(risks)
