"""ON / OFF: a staff member goes on or off duty (red alerts reach only staff on duty); the reply
says who else is on duty there.

> ON
< You are on duty at Muhoza health centre. Also on duty: Mukamana Alice, Habimana Eric.
> OFF
< You are off duty at Muhoza health centre. On duty there: Habimana Eric. No midwife or nurse is on duty there.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maternal import services
from maternal.models import DutyChange, Staff
from maternal.selectors import FIRST_LEVEL_ROLES, Sender, is_covered, on_duty_beside
from maternal.sms.conversation import Context, Senders, reply_to
from maternal.sms.grammar import OffDuty, OnDuty
from maternal.sms.replies import SMS_LIMIT, staff_place


def not_staff(sender: Sender) -> str:
    if sender.reporter is not None:
        return _("ON and OFF are for health staff going on or off duty; volunteers need not send them.")
    return _(
        "ON and OFF are for health staff going on or off duty; this phone is not registered as staff. "
        "Ask your health centre to add it."
    )


@reply_to(OnDuty, OffDuty, senders=Senders.STAFF, not_staff=not_staff)
def duty(context: Context, command: OnDuty | OffDuty) -> str:
    staff = context.staff
    services.set_duty(
        staff=staff, on_duty=command.on_duty, source=DutyChange.Source.SMS, message=context.message
    )
    return duty_reply(staff)


def duty_reply(staff: Staff) -> str:
    """The new state, who else is on duty there (names, or their number when the names would not
    fit one SMS) and, where it is so, that the facility has nobody left at its first level."""
    place = {"place": staff_place(staff)}
    on_or_off = _("You are on duty at %(place)s.") if staff.on_duty else _("You are off duty at %(place)s.")
    state = on_or_off % place
    others = list(on_duty_beside(staff))
    facility = staff.facility
    warning = ""
    if facility is not None and facility.kind in FIRST_LEVEL_ROLES and not is_covered(facility):
        if facility.kind == facility.Kind.HOSPITAL:
            warning = _("No maternity on-call is on duty there.")
        else:
            warning = _("No midwife or nurse is on duty there.")
    if not others and not staff.on_duty:
        return " ".join((state, _("Nobody is on duty there now.")))
    if not others:
        return " ".join(part for part in (state, _("Nobody else is on duty there."), warning) if part)
    listed = _("Also on duty: %(names)s.") if staff.on_duty else _("On duty there: %(names)s.")
    reply = " ".join(
        part for part in (state, listed % {"names": ", ".join(o.name for o in others)}, warning) if part
    )
    if len(reply) <= SMS_LIMIT:
        return reply
    count = ngettext("%(count)s person", "%(count)s people", len(others)) % {"count": len(others)}
    return " ".join(part for part in (state, listed % {"names": count}, warning) if part)
