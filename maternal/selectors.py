"""Reads that are reused: who is writing, in which language; who is on duty where."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import cached_property, reduce

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from maternal.models import Facility, Reporter, Staff


@dataclass(frozen=True)
class Sender:
    phone: str
    reporter: Reporter | None

    @cached_property
    def staff(self) -> Staff | None:
        """Looked up on first use only: nearly every message comes from a volunteer, and only
        the staff keywords (OK, YES, ON, OFF, WHO, LANG) or an unknown phone need it."""
        if not self.phone.startswith("+"):
            return None
        return Staff.objects.select_related("facility").filter(phone=self.phone).first()

    @property
    def language(self) -> str:
        person = self.reporter or self.staff
        return person.language if person else settings.LANGUAGE_CODE

    @property
    def is_active_reporter(self) -> bool:
        return self.reporter is not None and self.reporter.status == Reporter.Status.ACTIVE


def language_of(phone: str) -> str:
    """The reply language of a phone (``SMS_LANGUAGE_OF``: the transport layer asks it here)."""
    return identify_sender(phone).language


def identify_sender(phone: str) -> Sender:
    """The volunteer writing from ``phone``, if any. Her facility and village are not joined: a
    report needs only their ids, and the few replies that name them read them when they do.
    (Written in SQL: every SMS runs it, and the ORM built it at twice the query's cost.)"""
    if not phone.startswith("+"):
        return Sender(phone=phone, reporter=None)
    found = Reporter.objects.raw("SELECT * FROM maternal_reporter WHERE phone = %s LIMIT 1", [phone])
    return Sender(phone=phone, reporter=next(iter(found), None))


# --- duty cover ----------------------------------------------------------------------------

#: Who a red alert reaches first at each kind of facility: a health centre's midwives and nurses
#: (level 1), a district hospital's maternity on-call (level 2, beside the in-charge). A facility
#: with none of them on duty has no "cover"; the morning check and the admin's cover page ask here.
FIRST_LEVEL_ROLES: dict[str, tuple[str, ...]] = {
    Facility.Kind.HEALTH_CENTRE: (Staff.Role.MIDWIFE, Staff.Role.NURSE),
    Facility.Kind.HOSPITAL: (Staff.Role.MATERNITY_ON_CALL,),
}


def covered() -> Q:
    """Facilities (of a kind in FIRST_LEVEL_ROLES) with someone of its first-level roles on duty."""
    return reduce(
        operator.or_,
        (
            Q(kind=kind)
            & Q(Exists(Staff.objects.filter(facility=OuterRef("pk"), on_duty=True, role__in=roles)))
            for kind, roles in FIRST_LEVEL_ROLES.items()
        ),
    )


def is_covered(facility: Facility) -> bool:
    return Facility.objects.filter(covered(), pk=facility.pk).exists()


def on_duty_beside(staff: Staff) -> QuerySet[Staff]:
    """The others on duty where ``staff`` works: their facility's staff, or for a district official
    (no facility) the district's other officials."""
    if staff.facility_id is not None:
        others = Staff.objects.filter(facility_id=staff.facility_id)
    else:
        others = Staff.objects.filter(facility__isnull=True, district_id=staff.district_id)
    return others.filter(on_duty=True).exclude(pk=staff.pk).order_by("name", "pk")
