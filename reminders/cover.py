"""The morning check of duty cover: nobody on duty is found before an emergency finds it.

Each day from ``COVER_CHECK_TIME`` (inside the reminder window) every health centre is checked for
a midwife or nurse on duty, every district hospital for a maternity on-call on duty: the staff a red
alert reaches first (``maternal.selectors.FIRST_LEVEL_ROLES``). A facility found without any is
told to its in-charge, and to the district's officials on duty when no in-charge of it is on duty
(or it has none), one SMS each, in their language.

Each facility's check is a ``CoverCheck`` row, unique per facility and day, created in the
transaction that queues the notices: two beats, a retried task, ``run_due`` or a second run find
the row and do nothing, and a run cut short is finished by the next one. Each facility is checked
once a day, at the first run after the check time; the report counts the days it had no cover.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from maternal.models import Facility, Staff
from maternal.selectors import FIRST_LEVEL_ROLES, is_covered
from messaging.models import OutgoingMessage
from messaging.services import send_sms
from reminders.models import CoverCheck
from reminders.services import in_sending_window

logger = logging.getLogger(__name__)


def check_is_due(now: datetime) -> bool:
    """From the check time to the end of the reminder window, local time; never when the check
    time is empty (the check is switched off)."""
    if not settings.COVER_CHECK_TIME:
        return False
    local = timezone.localtime(now).time()
    return in_sending_window(now) and local >= time.fromisoformat(settings.COVER_CHECK_TIME)


def facilities_to_check(day: date) -> list[int]:
    """Health centres and district hospitals not checked yet on ``day``."""
    checked = CoverCheck.objects.filter(facility=OuterRef("pk"), day=day)
    return list(
        Facility.objects.filter(kind__in=FIRST_LEVEL_ROLES)
        .exclude(Exists(checked))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def notice_recipients(facility: Facility) -> list[Staff]:
    """The facility's in-charges (on duty or not: the roster is theirs), and when none of them is
    on duty, the district's officials on duty (all of them if none is: someone must hear of it)."""
    in_charges = list(Staff.objects.filter(facility=facility, role=Staff.Role.IN_CHARGE).order_by("pk"))
    if any(person.on_duty for person in in_charges):
        return in_charges
    officials = Staff.objects.filter(
        role=Staff.Role.DISTRICT_OFFICIAL, district_id=facility.district_id
    ).order_by("pk")
    return in_charges + (list(officials.filter(on_duty=True)) or list(officials))


def notice_text(facility: Facility, *, day: date, language: str) -> str:
    with translation.override(language):
        values = {"facility": facility.name, "date": f"{day:%d.%m.%Y}"}
        if facility.kind == Facility.Kind.HOSPITAL:
            return (
                _(
                    "No maternity on-call is on duty at %(facility)s today (%(date)s): red alerts go straight "
                    "to the next level. Ask whoever is on call to send ON."
                )
                % values
            )
        return (
            _(
                "No midwife or nurse is on duty at %(facility)s today (%(date)s): red alerts go straight "
                "to the next level. Ask whoever is on duty to send ON."
            )
            % values
        )


def check_facility(facility_id: int, *, now: datetime) -> CoverCheck | None:
    """Check one facility for the day of ``now`` and tell its people if nobody is on duty; None
    when it was already checked that day. The claim (the day's row) and the notices commit together."""
    day = timezone.localdate(now)
    try:
        with transaction.atomic():
            facility = Facility.objects.get(pk=facility_id)
            check = CoverCheck.objects.create(
                facility=facility, day=day, covered=is_covered(facility), checked_at=now
            )
            if check.covered:
                return check
            people = notice_recipients(facility)
            for person in people:
                text = notice_text(facility, day=day, language=person.language)
                send_sms(phone=str(person.phone), text=text, kind=OutgoingMessage.Kind.NOTICE)
            if not people:
                logger.warning("Facility %s has nobody on duty and nobody to tell", facility.code)
            check.told = len(people)
            check.save(update_fields=["told"])
            return check
    except IntegrityError:  # another run checked it first
        return None


def check_cover(*, now: datetime | None = None) -> dict[str, int]:
    """The daily sweep: check every facility not yet checked today, once the check is due."""
    now = now or timezone.now()
    summary = {"checked": 0, "uncovered": 0, "told": 0}
    if not check_is_due(now):
        return summary
    for facility_id in facilities_to_check(timezone.localdate(now)):
        check = check_facility(facility_id, now=now)
        if check is not None:
            summary["checked"] += 1
            summary["uncovered"] += not check.covered
            summary["told"] += check.told
    return summary
